//! JPEG encoding with the encoder of libjpeg-turbo-rs, the pure-Rust port of libjpeg-turbo: the
//! bytes are those of libjpeg-turbo's `cjpeg -optimize -sample 2x2` (tests/jpeg_encode.rs), in
//! about half the time of `jpeg-encoder` at 800 px and 0.7–0.8× of it at full size
//! (examples/jpeg_encode_timing.rs, docs/measurements.md).

use libjpeg_turbo_rs::{Encoder, PixelFormat, Subsampling};

use crate::format::ImageFormat;
use crate::pixels::{BufferPool, Image, PixelLayout};

use super::super::error::{panic_message, usize_of, CodecError};
use super::super::jpeg_icc;

const F: ImageFormat = ImageFormat::Jpeg;

pub(super) fn encode(
    image: &Image,
    quality: u8,
    progressive: bool,
    icc: Option<&[u8]>,
    // The encoder grows its own output; the pool serves the libjpeg-turbo (C) encoder.
    _pool: &mut BufferPool,
) -> Result<Vec<u8>, CodecError> {
    let format = match image.layout() {
        PixelLayout::Rgb8 => PixelFormat::Rgb,
        PixelLayout::Rgba8 => PixelFormat::Rgba,
    };
    let (w, h) = (usize_of(F, image.width())?, usize_of(F, image.height())?);
    // 4:2:0 as libjpeg's default and every peer; optimised Huffman tables as sharp's
    // `optimiseCoding` (≈ 5–10 % smaller for ≈ 1 ms at 800 px). The pixels are ours and the
    // size was checked against JPEG's bound, so a panic inside the encoder would be its bug:
    // it is answered as an internal error, never passed to the caller.
    let encoded = std::panic::catch_unwind(|| {
        Encoder::new(image.data(), w, h, format)
            // Quantisation tables clamped to 8 bits, as the TurboJPEG API and libvips set them:
            // below q=25 libjpeg would otherwise write 16-bit tables (an extended, non-baseline
            // file some decoders refuse).
            .force_baseline(true)
            .quality(quality.clamp(1, 100))
            .subsampling(Subsampling::S420)
            .optimize_huffman(true)
            .progressive(progressive)
            .encode()
    })
    .map_err(|payload| CodecError::internal(F, panic_message(payload.as_ref())))?
    .map_err(|e| CodecError::internal(F, e))?;
    match icc {
        Some(icc) => jpeg_icc::insert(encoded, icc),
        None => Ok(encoded),
    }
}
