//! AVIF encoding with `ravif` (pure-Rust rav1e).

use rgb::FromSlice;

use crate::format::ImageFormat;
use crate::pixels::{Image, PixelLayout};

use super::super::error::{usize_of, CodecError};

const F: ImageFormat = ImageFormat::Avif;

/// rav1e speed (1 slowest … 10 fastest). AVIF is by far the slowest encoder here (speed 10
/// ≈ 81 ms for 800×450, speed 6 ≈ 690 ms, docs/measurements.md); 9 keeps a server's latency
/// near the fastest setting while gaining part of the compression of slower ones.
const SPEED: u8 = 9;

pub(super) fn encode(image: &Image, quality: u8) -> Result<Vec<u8>, CodecError> {
    let (w, h) = (usize_of(F, image.width())?, usize_of(F, image.height())?);
    let q = f32::from(quality.clamp(1, 100));
    let enc = ravif::Encoder::new()
        .with_quality(q)
        .with_alpha_quality(q)
        .with_speed(SPEED);
    let result = match image.layout() {
        PixelLayout::Rgb8 => enc.encode_rgb(ravif::Img::new(image.data().as_rgb(), w, h)),
        PixelLayout::Rgba8 => enc.encode_rgba(ravif::Img::new(image.data().as_rgba(), w, h)),
    };
    result
        .map(|e| e.avif_file)
        .map_err(|e| CodecError::internal(F, e))
}
