//! WebP decoding: libwebp (bundled C, via `webp`) for still images — about twice as fast as
//! the pure-Rust `image-webp` on the corpus photo — and `image-webp` for the container facts
//! (ICC profile), for animations (first frame) and for a typed error when libwebp refuses the
//! data.

use std::io::Cursor;

use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::pixels::BufferPool;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::info::check_metadata;

const F: ImageFormat = ImageFormat::Webp;

fn map_err(e: image_webp::DecodingError) -> CodecError {
    CodecError::corrupt(F, e)
}

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
    pool: &mut BufferPool,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let mut d = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(map_err)?;
    let (w, h) = d.dimensions();
    let kind = if d.has_alpha() {
        SampleKind::Rgba
    } else {
        SampleKind::Rgb
    };
    let icc = d.icc_profile().map_err(map_err)?;
    if let Some(p) = &icc {
        check_metadata(F, p.len(), limits)?;
    }
    if !d.is_animated() {
        if let Some(decoded) = webp::Decoder::new(bytes).decode() {
            let libwebp_kind = if decoded.is_alpha() {
                SampleKind::Rgba
            } else {
                SampleKind::Rgb
            };
            if (decoded.width(), decoded.height(), libwebp_kind) == (w, h, kind) {
                // libwebp owns its output; copying it into a kept buffer spares the page
                // faults of a fresh one.
                let mut data = pool.take(decoded.len()).ok_or_else(|| {
                    CodecError::internal(F, format!("cannot allocate {} bytes", decoded.len()))
                })?;
                data.copy_from_slice(&decoded);
                return Ok((
                    Samples {
                        width: w,
                        height: h,
                        kind,
                        data,
                    },
                    icc,
                ));
            }
        }
    }
    let len = d
        .output_buffer_size()
        .ok_or_else(|| CodecError::internal(F, "output size overflows"))?;
    let mut data = vec![0u8; len];
    d.read_image(&mut data).map_err(map_err)?;
    Ok((
        Samples {
            width: w,
            height: h,
            kind,
            data,
        },
        icc,
    ))
}
