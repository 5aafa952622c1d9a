//! Lossy WebP encoding with libwebp (the `webp` crate).

use crate::format::ImageFormat;
use crate::pixels::{Image, PixelLayout};

use super::super::error::CodecError;
use super::webp_icc::embed_icc;

const F: ImageFormat = ImageFormat::Webp;

/// The largest side a WebP image can have.
pub(super) const MAX_SIDE: u32 = 16_383;

/// libwebp's effort level (0 fastest … 6 slowest). Measured (examples/webp_method_timing.rs,
/// j5 at 1088×612, q75): method 0 7 ms / 30.7 kB, 2: 16 ms / 20.2 kB, 3: 50 ms / 19.4 kB,
/// 4 (libwebp's default): 50 ms / 19.4 kB. Method 2 is within 4 % of 4's size at a third of
/// the time.
const METHOD: i32 = 2;

pub(super) fn encode(
    image: &Image,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, CodecError> {
    let (w, h) = (image.width(), image.height());
    let enc = match image.layout() {
        PixelLayout::Rgb8 => webp::Encoder::from_rgb(image.data(), w, h),
        PixelLayout::Rgba8 => webp::Encoder::from_rgba(image.data(), w, h),
    };
    let mut config =
        webp::WebPConfig::new().map_err(|()| CodecError::internal(F, "libwebp config init"))?;
    config.lossless = 0;
    config.quality = f32::from(quality.min(100));
    config.method = METHOD;
    let mem = enc
        .encode_advanced(&config)
        .map_err(|e| CodecError::internal(F, format!("{e:?}")))?;
    let bytes = mem.to_vec();
    match icc {
        Some(icc) => embed_icc(&bytes, icc, w, h, image.layout().has_alpha()),
        None => Ok(bytes),
    }
}
