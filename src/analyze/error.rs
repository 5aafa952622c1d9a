//! Errors of asset analysis.

use std::fmt;

use crate::format::ImageFormat;
use crate::limits::LimitKind;

/// Why an upload could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The input is larger than [`Limits::max_input_bytes`](crate::Limits::max_input_bytes).
    InputTooLarge {
        /// Size of the input, in bytes.
        size: u64,
        /// The limit, in bytes.
        max: u64,
    },
    /// The header declares a source larger than the limits allow.
    SourceTooLarge {
        /// Oriented width from the header (EXIF orientations 5–8 swap the stored sides).
        width: u32,
        /// Oriented height from the header.
        height: u32,
        /// Which limit was exceeded.
        limit: LimitKind,
        /// The value the source has for that limit (a side, an area or a frame count).
        value: u64,
        /// The limit's maximum.
        max: u64,
    },
    /// The header declares a zero width or height.
    EmptySource {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// The bytes look like an image in a format pixform cannot decode.
    UnsupportedFormat {
        /// The format the magic bytes name (`avif`, …).
        format: &'static str,
    },
    /// The image uses a feature of its format that pixform does not decode (a TIFF
    /// compression, BigTIFF, an arithmetic-coded JPEG, …).
    UnsupportedFeature {
        /// The format the magic bytes name.
        format: ImageFormat,
        /// What is not supported, as the decoder named it.
        feature: String,
    },
    /// The bytes look like an image but its header or data is corrupt.
    Decode {
        /// The format the magic bytes name.
        format: ImageFormat,
        /// What the decoder reported.
        message: String,
    },
    /// The caller asked for an image document but the bytes are not an image.
    NotAnImage,
    /// An internal step failed (resizing, encoding the LQIP, the BlurHash encoder).
    Internal {
        /// The step that failed (`lqip`, `blurhash`, `preview`, …).
        step: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl AnalyzeError {
    /// The HTTP status for this error: 413 for an over-large input or source, 422 for an empty
    /// or corrupt image, 415 for an unsupported format or a non-image where an image was
    /// required, 500 for internal faults.
    pub fn http_status(&self) -> u16 {
        match self {
            AnalyzeError::InputTooLarge { .. } | AnalyzeError::SourceTooLarge { .. } => 413,
            AnalyzeError::EmptySource { .. } | AnalyzeError::Decode { .. } => 422,
            AnalyzeError::UnsupportedFormat { .. }
            | AnalyzeError::UnsupportedFeature { .. }
            | AnalyzeError::NotAnImage => 415,
            AnalyzeError::Internal { .. } => 500,
        }
    }
}

impl fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalyzeError::InputTooLarge { size, max } => {
                write!(f, "input: {size} bytes exceeds the limit of {max} bytes")
            }
            AnalyzeError::SourceTooLarge {
                width,
                height,
                limit,
                value,
                max,
            } => write!(
                f,
                "source: {width}x{height} exceeds {limit} ({value} > {max})"
            ),
            AnalyzeError::EmptySource { width, height } => {
                write!(f, "source: {width}x{height} has no pixels")
            }
            AnalyzeError::UnsupportedFormat { format } => {
                write!(f, "source: {format} images cannot be analysed")
            }
            AnalyzeError::UnsupportedFeature { format, feature } => {
                write!(f, "source: unsupported {format} image: {feature}")
            }
            AnalyzeError::Decode { format, message } => {
                write!(f, "source: corrupt {format} image: {message}")
            }
            AnalyzeError::NotAnImage => {
                write!(
                    f,
                    "source: expected an image (jpg, png, webp, gif, tiff, svg), got another file type"
                )
            }
            AnalyzeError::Internal { step, message } => write!(f, "{step}: {message}"),
        }
    }
}

impl std::error::Error for AnalyzeError {}

/// Wraps an internal failure of `step`.
pub(crate) fn internal(step: &'static str, err: impl fmt::Display) -> AnalyzeError {
    AnalyzeError::Internal {
        step,
        message: err.to_string(),
    }
}
