//! Reading the facts and a small preview out of image bytes.
//!
//! This is the only file of the module that touches a decoder: everything else works on the
//! [`Source`] it returns. The decode follows the planner's shrink-on-load rule for a resize
//! to the preview ([`DecoderHints::for_resize`]) through the codec's planned decode, so a
//! JPEG is DCT-scaled (a progressive one at 1/8 decoded from its DC scans alone); formats
//! with alpha are decoded in full, because `isOpaque` speaks of every pixel.

use super::error::{internal, AnalyzeError};
use crate::codec::{self, CodecError, DecodeOptions, SourceInfo};
use crate::format::ImageFormat;
use crate::limits::{LimitExceeded, Limits};
use crate::ops::{self, Filter, SourceWindow};
use crate::pixels::BufferPool;
use crate::pixels::Image;
use crate::plan::geometry::shrink_within;
use crate::plan::DecoderHints;

/// What analysis needs from a decoded image.
#[derive(Debug)]
pub(crate) struct Source {
    /// Oriented width (EXIF orientations 5–8 swap the stored sides).
    pub width: u32,
    /// Oriented height.
    pub height: u32,
    /// Whether the file has an alpha channel.
    pub has_alpha: bool,
    /// Whether every pixel of the full-resolution image is opaque.
    pub is_opaque: bool,
    /// The oriented image, downscaled so its longer side is at most the requested size;
    /// `Rgba8` when the file has alpha, else `Rgb8`.
    pub preview: Image,
}

/// Decodes `bytes` (already known to be `format`) within `limits`, and builds a preview whose
/// longer side is at most `preview_side`.
pub(crate) fn load(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
    preview_side: u32,
) -> Result<Source, AnalyzeError> {
    let info = codec::probe(bytes, &Limits::none()).map_err(|e| codec_error(e, format, None))?;
    check_size(info.width, info.height, info.frames, limits)?;
    if format == ImageFormat::Svg {
        // Drawn straight at the preview size; whether it is opaque is judged on the preview.
        let (pw, ph) = shrink_within(info.width, info.height, preview_side);
        let preview = codec::render_vector(
            bytes,
            limits,
            SourceWindow::full(info.width, info.height),
            pw,
            ph,
        )
        .map_err(|e| codec_error(e, format, Some(&info)))?;
        return Ok(Source {
            width: info.width,
            height: info.height,
            has_alpha: info.has_alpha,
            is_opaque: ops::is_opaque(&preview),
            preview,
        });
    }
    let hints = DecoderHints::for_resize(
        format,
        (info.width, info.height),
        shrink_within(info.width, info.height, preview_side),
    );
    let decoded = codec::decode_hinted(
        bytes,
        limits,
        &DecodeOptions {
            scale_denom: hints.jpeg_scale_denom,
            to_srgb: true,
        },
        &mut BufferPool::new(),
    )
    .map_err(|e| codec_error(e, format, Some(&info)))?;
    let is_opaque = !info.has_alpha || ops::is_opaque(&decoded.image);
    let (sw, sh) = (decoded.image.width(), decoded.image.height());
    let (pw, ph) = shrink_within(sw, sh, preview_side);
    let small = ops::resize(
        &decoded.image,
        SourceWindow::full(sw, sh),
        pw,
        ph,
        Filter::Bilinear,
    )
    .map_err(|e| internal("resize", e))?;
    drop(decoded.image);
    let preview = decoded
        .orientation
        .apply_owned(small)
        .map_err(|e| internal("orient", e))?;
    Ok(Source {
        width: info.width,
        height: info.height,
        has_alpha: info.has_alpha,
        is_opaque,
        preview,
    })
}

/// Checks the oriented size and the frame count, as the transform path does.
/// A decoder's error as the analysis reports it: a limit the decoder met (a frame larger than
/// the header's canvas, metadata over its cap) is a too-large source, and a feature the
/// decoder lacks an unsupported image, not corrupt data.
fn codec_error(e: CodecError, format: ImageFormat, info: Option<&SourceInfo>) -> AnalyzeError {
    match (e, info) {
        (CodecError::Unsupported { feature, .. }, _) => {
            AnalyzeError::UnsupportedFeature { format, feature }
        }
        (
            CodecError::LimitExceeded {
                limit, value, max, ..
            },
            Some(info),
        ) => AnalyzeError::SourceTooLarge {
            width: info.width,
            height: info.height,
            limit,
            value,
            max,
        },
        (e, _) => AnalyzeError::Decode {
            format,
            message: e.to_string(),
        },
    }
}

fn check_size(width: u32, height: u32, frames: u32, limits: &Limits) -> Result<(), AnalyzeError> {
    if width == 0 || height == 0 {
        return Err(AnalyzeError::EmptySource { width, height });
    }
    limits
        .check_source(width, height, u64::from(width) * u64::from(height), frames)
        .map_err(
            |LimitExceeded { limit, value, max }| AnalyzeError::SourceTooLarge {
                width,
                height,
                limit,
                value,
                max,
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::LimitKind;

    #[test]
    fn size_checks() {
        let limits = Limits {
            max_source_width: 100,
            max_source_height: 50,
            max_source_pixels: 4000,
            max_frames: 2,
            ..Limits::default()
        };
        let too_large = |width, height, limit, value, max| {
            Err(AnalyzeError::SourceTooLarge {
                width,
                height,
                limit,
                value,
                max,
            })
        };
        let cases = [
            ((100, 40), Ok(())),
            (
                (0, 10),
                Err(AnalyzeError::EmptySource {
                    width: 0,
                    height: 10,
                }),
            ),
            (
                (10, 0),
                Err(AnalyzeError::EmptySource {
                    width: 10,
                    height: 0,
                }),
            ),
            (
                (101, 1),
                too_large(101, 1, LimitKind::MaxSourceWidth, 101, 100),
            ),
            (
                (1, 51),
                too_large(1, 51, LimitKind::MaxSourceHeight, 51, 50),
            ),
            (
                (100, 41),
                too_large(100, 41, LimitKind::MaxSourcePixels, 4100, 4000),
            ),
        ];
        for ((w, h), want) in cases {
            assert_eq!(check_size(w, h, 1, &limits), want, "{w}x{h}");
        }
        assert_eq!(
            check_size(10, 10, 3, &limits),
            too_large(10, 10, LimitKind::MaxFrames, 3, 2)
        );
    }
}
