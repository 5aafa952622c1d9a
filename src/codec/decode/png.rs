//! PNG decoding with the `png` crate: palettes, tRNS and low bit depths expanded to 8 bits;
//! 16-bit samples rounded to 8 bits.

use std::io::Cursor;

use crate::format::ImageFormat;
use crate::limits::{LimitKind, Limits};

use super::super::color::{round16, SampleKind, Samples};
use super::super::error::CodecError;
use super::super::info::check_metadata;

const F: ImageFormat = ImageFormat::Png;

/// Maps a `png` error; its allocation limit only guards metadata (see [`decode`]), so hitting
/// it is reported as `max_metadata_bytes` with `value` one past the limit ("more than").
fn map_err(e: png::DecodingError, limits: &Limits) -> CodecError {
    match e {
        png::DecodingError::LimitsExceeded => {
            let max = u64::try_from(limits.max_metadata_bytes).unwrap_or(u64::MAX);
            CodecError::LimitExceeded {
                format: F,
                limit: LimitKind::MaxMetadataBytes,
                value: max.saturating_add(1),
                max,
            }
        }
        other => CodecError::corrupt(F, other),
    }
}

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    // The decoder's own allocations beyond the image (compressed ICC, text) are metadata.
    let png_limits = png::Limits {
        bytes: limits.max_metadata_bytes.saturating_add(1 << 20),
    };
    let mut d = png::Decoder::new_with_limits(Cursor::new(bytes), png_limits);
    d.set_transformations(png::Transformations::EXPAND);
    d.set_ignore_text_chunk(true);
    let mut reader = d.read_info().map_err(|e| map_err(e, limits))?;
    let (color, depth) = reader.output_color_type();
    let kind = match color {
        png::ColorType::Grayscale => SampleKind::Grey,
        png::ColorType::GrayscaleAlpha => SampleKind::GreyAlpha,
        png::ColorType::Rgb => SampleKind::Rgb,
        png::ColorType::Rgba => SampleKind::Rgba,
        png::ColorType::Indexed => {
            return Err(CodecError::internal(F, "palette not expanded"));
        }
    };
    let len = reader
        .output_buffer_size()
        .ok_or_else(|| CodecError::internal(F, "output size overflows"))?;
    let mut buf = vec![0u8; len];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| map_err(e, limits))?;
    buf.truncate(frame.buffer_size());
    let data = match depth {
        png::BitDepth::Sixteen => buf
            .chunks_exact(2)
            .map(|s| match *s {
                [hi, lo] => round16(u16::from_be_bytes([hi, lo])),
                _ => 0,
            })
            .collect(),
        png::BitDepth::Eight => buf,
        other => return Err(CodecError::internal(F, format!("{other:?}-bit output"))),
    };
    let icc = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    if let Some(p) = &icc {
        check_metadata(F, p.len(), limits)?;
    }
    Ok((
        Samples {
            width: frame.width,
            height: frame.height,
            kind,
            data,
        },
        icc,
    ))
}
