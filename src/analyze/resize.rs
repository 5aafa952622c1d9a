//! Downscaling of small analysis images.

use fast_image_resize::images::{Image as FirImage, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::error::{internal, AnalyzeError};
use crate::pixels::{Image, PixelLayout};

/// Resamples `src` to exactly `width`×`height` (alpha is premultiplied while filtering, so
/// transparent pixels do not bleed their colour).
pub(crate) fn resize(
    src: &Image,
    width: u32,
    height: u32,
    filter: FilterType,
) -> Result<Image, AnalyzeError> {
    if src.width() == width && src.height() == height {
        return Ok(src.clone());
    }
    let pixel_type = match src.layout() {
        PixelLayout::Rgb8 => PixelType::U8x3,
        PixelLayout::Rgba8 => PixelType::U8x4,
    };
    let from = ImageRef::new(src.width(), src.height(), src.data(), pixel_type)
        .map_err(|e| internal("resize", e))?;
    let mut to = FirImage::new(width, height, pixel_type);
    Resizer::new()
        .resize(
            &from,
            &mut to,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
        )
        .map_err(|e| internal("resize", e))?;
    Image::from_vec(width, height, src.layout(), to.into_vec()).map_err(|e| internal("resize", e))
}

/// The size of `width`×`height` scaled down (never up) so that its longer side is at most
/// `max_side`; each side rounds to nearest and stays at least 1.
pub(crate) fn fit_within(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    (scale(width), scale(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_within_cases() {
        let cases = [
            ((6028, 3391, 256), (256, 144)),
            ((3391, 6028, 256), (144, 256)),
            ((100, 50, 256), (100, 50)),
            ((10_000, 1, 256), (256, 1)),
            ((256, 256, 256), (256, 256)),
        ];
        for ((w, h, m), want) in cases {
            assert_eq!(fit_within(w, h, m), want, "{w}x{h} within {m}");
        }
    }

    #[test]
    fn resize_keeps_flat_colour() {
        let src = Image::filled(40, 20, PixelLayout::Rgb8, &[10, 200, 30]).unwrap();
        let out = resize(&src, 8, 4, FilterType::Lanczos3).unwrap();
        assert_eq!((out.width(), out.height()), (8, 4));
        assert!(out.data().chunks(3).all(|p| p == [10, 200, 30]));
    }
}
