//! GIF encoding with the `gif` crate (NeuQuant palette quantization).

use crate::format::ImageFormat;
use crate::pixels::{Image, PixelLayout};

use super::super::error::CodecError;

const F: ImageFormat = ImageFormat::Gif;

/// NeuQuant sampling factor (1 = best, 30 = fastest); 10 is the crate's usual trade-off.
const QUANTIZE_SPEED: i32 = 10;

/// Alpha below this becomes the transparent index; at or above it the pixel is opaque.
const ALPHA_THRESHOLD: u8 = 128;

pub(super) fn encode(image: &Image) -> Result<Vec<u8>, CodecError> {
    let err = |e: gif::EncodingError| CodecError::internal(F, e);
    let w = u16::try_from(image.width()).map_err(|e| CodecError::internal(F, e))?;
    let h = u16::try_from(image.height()).map_err(|e| CodecError::internal(F, e))?;
    let frame = match image.layout() {
        PixelLayout::Rgb8 => gif::Frame::from_rgb_speed(w, h, image.data(), QUANTIZE_SPEED),
        PixelLayout::Rgba8 => {
            let mut rgba = image.data().to_vec();
            for px in rgba.chunks_exact_mut(4) {
                if let Some(a) = px.get_mut(3) {
                    *a = if *a < ALPHA_THRESHOLD { 0 } else { 255 };
                }
            }
            gif::Frame::from_rgba_speed(w, h, &mut rgba, QUANTIZE_SPEED)
        }
    };
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(err)?;
        enc.write_frame(&frame).map_err(err)?;
    }
    Ok(out)
}
