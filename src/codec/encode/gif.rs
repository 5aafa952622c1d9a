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
    let (w, h, frame) = quantize(image)?;
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(err)?;
        enc.write_frame(&frame).map_err(err)?;
    }
    Ok(out)
}

/// The image as one GIF frame with its own palette; alpha below [`ALPHA_THRESHOLD`] becomes
/// the transparent index.
fn quantize(image: &Image) -> Result<(u16, u16, gif::Frame<'static>), CodecError> {
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
    Ok((w, h, frame))
}

/// Writes an animated GIF one frame at a time: each frame is quantized to its own palette as
/// a still GIF is, and written before the next is added, so memory is the output so far plus
/// one frame.
///
/// Loop counts are total plays, 0 = forever (as [`crate::codec::SourceInfo::loop_count`]):
/// 1 play writes no NETSCAPE2.0 extension, n > 1 plays write the repeat count n − 1.
/// Delays are rounded to the nearest centisecond (GIF's unit), half up.
pub struct GifAnimation {
    encoder: gif::Encoder<Vec<u8>>,
    width: u16,
    height: u16,
}

impl GifAnimation {
    /// Starts an animation of `width`×`height` frames that plays `loop_count` times.
    pub fn new(width: u32, height: u32, loop_count: u32) -> Result<Self, CodecError> {
        let err = |e: gif::EncodingError| CodecError::internal(F, e);
        let width = u16::try_from(width).map_err(|e| CodecError::internal(F, e))?;
        let height = u16::try_from(height).map_err(|e| CodecError::internal(F, e))?;
        let mut encoder = gif::Encoder::new(Vec::new(), width, height, &[]).map_err(err)?;
        let repeat = match loop_count {
            0 => Some(gif::Repeat::Infinite),
            1 => None,
            n => Some(gif::Repeat::Finite(
                u16::try_from(n - 1).unwrap_or(u16::MAX),
            )),
        };
        if let Some(repeat) = repeat {
            encoder.set_repeat(repeat).map_err(err)?;
        }
        Ok(GifAnimation {
            encoder,
            width,
            height,
        })
    }

    /// Adds a frame shown for `delay_ms`; it must have the animation's size.
    pub fn add(&mut self, image: &Image, delay_ms: u32) -> Result<(), CodecError> {
        let (w, h, mut frame) = quantize(image)?;
        if (w, h) != (self.width, self.height) {
            return Err(CodecError::internal(
                F,
                format!(
                    "a {w}x{h} frame in a {}x{} animation",
                    self.width, self.height
                ),
            ));
        }
        frame.delay = u16::try_from(delay_ms.saturating_add(5) / 10).unwrap_or(u16::MAX);
        // Frames cover the whole canvas: clearing it first keeps a transparent pixel from
        // showing the frame before.
        frame.dispose = if image.layout().has_alpha() {
            gif::DisposalMethod::Background
        } else {
            gif::DisposalMethod::Keep
        };
        self.encoder
            .write_frame(&frame)
            .map_err(|e| CodecError::internal(F, e))
    }

    /// The GIF bytes.
    pub fn finish(self) -> Result<Vec<u8>, CodecError> {
        self.encoder
            .into_inner()
            .map_err(|e| CodecError::internal(F, e))
    }
}
