//! Low-quality image placeholders: a 20-pixel-wide image as a base64 data URL.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::error::{internal, AnalyzeError};
use crate::codec::{self, EncodeOptions};
use crate::format::ImageFormat;
use crate::ops::{self, Filter, SourceWindow};
use crate::pixels::{Image, PixelLayout};

/// Width of the placeholder, in pixels (the Assets API's).
pub const LQIP_WIDTH: u32 = 20;
/// Longest side a placeholder may have: keeps extreme panoramas' placeholders tiny.
const LQIP_MAX_HEIGHT: u32 = 64;
/// JPEG quality of opaque placeholders: a few hundred bytes, no visible blocking at 20 px.
const LQIP_JPEG_QUALITY: u8 = 70;

/// The placeholder of `image`: a `data:image/jpeg;base64,…` URL, or `data:image/png;base64,…`
/// when the image has alpha (so transparency survives). It is 20 pixels wide (narrower images
/// keep their width), its height `floor(20 · H / W)`, at least 1 and at most 64.
pub fn lqip(image: &Image) -> Result<String, AnalyzeError> {
    lqip_for_size(image, image.width(), image.height())
}

/// [`lqip`] of a preview of a `width`×`height` source: the placeholder's size follows the
/// source's exact aspect ratio rather than the preview's rounded one.
pub(crate) fn lqip_for_size(
    image: &Image,
    width: u32,
    height: u32,
) -> Result<String, AnalyzeError> {
    let (w, h) = lqip_size(width, height);
    let full = SourceWindow::full(image.width(), image.height());
    let small =
        ops::resize(image, full, w, h, Filter::Lanczos3).map_err(|e| internal("resize", e))?;
    // The codec's JPEG encoder writes optimized Huffman tables and no metadata: at 20 px the
    // tables are most of the file, so this roughly halves the data URL.
    let format = match small.layout() {
        PixelLayout::Rgb8 => ImageFormat::Jpeg,
        PixelLayout::Rgba8 => ImageFormat::Png,
    };
    let options = EncodeOptions {
        quality: LQIP_JPEG_QUALITY,
        ..EncodeOptions::default()
    };
    let encoded = codec::encode(&small, format, &options).map_err(|e| internal("lqip", e))?;
    let mime = format.mime_type();
    Ok(format!("data:{mime};base64,{}", STANDARD.encode(&encoded)))
}

/// The placeholder size of a `width`×`height` source.
pub(crate) fn lqip_size(width: u32, height: u32) -> (u32, u32) {
    let (width, height) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let w = width.min(u64::from(LQIP_WIDTH));
    let h = (height * w / width).max(1);
    let (w, h) = if h > u64::from(LQIP_MAX_HEIGHT) {
        let max_h = u64::from(LQIP_MAX_HEIGHT);
        ((width * max_h / height).max(1), max_h)
    } else {
        (w, h)
    };
    // Both are at most 64 here.
    (
        u32::try_from(w).unwrap_or(LQIP_WIDTH),
        u32::try_from(h).unwrap_or(LQIP_MAX_HEIGHT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        // 731x278 and 720x405 are sizes whose Assets API placeholders are 20x7 and 20x11.
        let cases = [
            ((731, 278), (20, 7)),
            ((720, 405), (20, 11)),
            ((600, 600), (20, 20)),
            ((2056, 3088), (20, 30)),
            ((10, 5), (10, 5)),
            ((1, 1), (1, 1)),
            ((100, 1), (20, 1)),
            ((20, 10_000), (1, 64)),
        ];
        for ((w, h), want) in cases {
            assert_eq!(lqip_size(w, h), want, "{w}x{h}");
        }
    }

    #[test]
    fn opaque_gives_jpeg_alpha_gives_png() {
        let rgb = Image::filled(40, 20, PixelLayout::Rgb8, &[1, 2, 3]).unwrap();
        assert!(lqip(&rgb)
            .unwrap()
            .starts_with("data:image/jpeg;base64,/9j/"));
        let rgba = Image::filled(40, 20, PixelLayout::Rgba8, &[1, 2, 3, 4]).unwrap();
        assert!(lqip(&rgba)
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo"));
    }
}
