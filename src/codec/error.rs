//! Errors of the codec layer.

use std::fmt;

use crate::format::ImageFormat;
use crate::limits::{LimitExceeded, LimitKind};

/// A failure to read (probe, decode) or write (encode) image bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The bytes are not in any format pixform reads.
    UnknownFormat {
        /// The first bytes of the input, in hex (at most 8 bytes), to tell what was sent.
        leading_bytes: String,
    },
    /// The format is recognised but this file uses a feature pixform does not decode or
    /// encode (e.g. arithmetic-coded JPEG, AVIF input).
    Unsupported {
        /// The container format.
        format: ImageFormat,
        /// What is not supported.
        feature: String,
    },
    /// The input is larger than [`crate::Limits::max_input_bytes`].
    InputTooLarge {
        /// Input size in bytes.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// A header fact exceeds a limit (source size, frame count, metadata size).
    LimitExceeded {
        /// The container format.
        format: ImageFormat,
        /// The limit that was exceeded.
        limit: LimitKind,
        /// The value found in the file.
        value: u64,
        /// The limit's value.
        max: u64,
    },
    /// The data is truncated or malformed.
    Corrupt {
        /// The container format.
        format: ImageFormat,
        /// What is wrong, as the decoder reported it.
        detail: String,
    },
    /// The image is larger than the output format can store (e.g. a JPEG side above 65 535).
    TooLargeForFormat {
        /// The output format.
        format: ImageFormat,
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
        /// The largest side the format stores.
        max_side: u32,
    },
    /// An encoder or colour transform failed for a reason that is not the input's fault.
    Internal {
        /// The format being processed.
        format: ImageFormat,
        /// What failed.
        detail: String,
    },
}

impl CodecError {
    /// The HTTP status for this error: 415 for unknown/unsupported formats, 413 for inputs or
    /// sources beyond the limits, 422 for corrupt data or images a format cannot hold, 500 for
    /// internal faults.
    pub fn http_status(&self) -> u16 {
        match self {
            CodecError::UnknownFormat { .. } | CodecError::Unsupported { .. } => 415,
            CodecError::InputTooLarge { .. } | CodecError::LimitExceeded { .. } => 413,
            CodecError::Corrupt { .. } | CodecError::TooLargeForFormat { .. } => 422,
            CodecError::Internal { .. } => 500,
        }
    }

    /// Shorthand for [`CodecError::Corrupt`].
    pub(crate) fn corrupt(format: ImageFormat, detail: impl fmt::Display) -> Self {
        CodecError::Corrupt {
            format,
            detail: detail.to_string(),
        }
    }

    /// [`CodecError::LimitExceeded`] for a limit check of the shared [`crate::Limits`] checks.
    pub(crate) fn limit(format: ImageFormat, e: LimitExceeded) -> Self {
        CodecError::LimitExceeded {
            format,
            limit: e.limit,
            value: e.value,
            max: e.max,
        }
    }

    /// Shorthand for [`CodecError::Unsupported`].
    pub(crate) fn unsupported(format: ImageFormat, feature: impl fmt::Display) -> Self {
        CodecError::Unsupported {
            format,
            feature: feature.to_string(),
        }
    }

    /// Shorthand for [`CodecError::Internal`].
    pub(crate) fn internal(format: ImageFormat, detail: impl fmt::Display) -> Self {
        CodecError::Internal {
            format,
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::UnknownFormat { leading_bytes } => write!(
                f,
                "input: expected a JPEG, PNG, WebP, GIF, TIFF or SVG file, got bytes starting {leading_bytes}"
            ),
            CodecError::Unsupported { format, feature } => {
                write!(f, "{format}: unsupported {feature}")
            }
            CodecError::InputTooLarge { bytes, max } => {
                write!(f, "input: {bytes} bytes exceeds max_input_bytes ({max})")
            }
            CodecError::LimitExceeded {
                format,
                limit,
                value,
                max,
            } => write!(f, "{format} source: {value} exceeds {limit} ({max})"),
            CodecError::Corrupt { format, detail } => {
                write!(f, "{format}: corrupt or truncated data: {detail}")
            }
            CodecError::TooLargeForFormat {
                format,
                width,
                height,
                max_side,
            } => write!(
                f,
                "{format}: a {width}x{height} image exceeds the format's largest side ({max_side})"
            ),
            CodecError::Internal { format, detail } => {
                write!(f, "{format}: internal error: {detail}")
            }
        }
    }
}

impl std::error::Error for CodecError {}

/// The message of a panic caught from a dependency (`catch_unwind`'s payload), for the error
/// that answers it.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// `v` as a `usize` for a dependency's API; on a target where it does not fit, an internal
/// error of `format`'s codec.
pub(crate) fn usize_of(format: ImageFormat, v: u32) -> Result<usize, CodecError> {
    usize::try_from(v).map_err(|e| CodecError::internal(format, e))
}
