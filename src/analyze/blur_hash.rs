//! BlurHash placeholders (Wolt's algorithm, through the `blurhash` crate).

use super::error::{internal, AnalyzeError};
use crate::ops::{self, Filter, SourceWindow};
use crate::pixels::{Image, PixelLayout};
use crate::plan::geometry::shrink_within;

/// Components along the longer side.
const LONG_SIDE_COMPONENTS: u32 = 5;
/// The hash only holds a few cosine terms: a 64-pixel image carries all of them, and keeps
/// the encoder's per-pixel work small.
const ENCODE_SIDE: u32 = 64;

/// The BlurHash of `image`. The longer side gets 5 components and the shorter
/// `ceil(5 · short / long)`, which is what the Assets API reports (5×5 for a square image,
/// 5×4 for 3:2, 5×3 for 16:9, 5×2 for 731×278). Transparent areas are composited over white
/// (a BlurHash has no alpha).
pub fn blurhash(image: &Image) -> Result<String, AnalyzeError> {
    blurhash_for_size(image, image.width(), image.height())
}

/// [`blurhash`] of a preview of a `width`×`height` source: the component counts follow the
/// source's aspect ratio.
pub(crate) fn blurhash_for_size(
    image: &Image,
    width: u32,
    height: u32,
) -> Result<String, AnalyzeError> {
    let (cx, cy) = components(width, height);
    let (w, h) = shrink_within(image.width(), image.height(), ENCODE_SIDE);
    let full = SourceWindow::full(image.width(), image.height());
    let small =
        ops::resize(image, full, w, h, Filter::Bilinear).map_err(|e| internal("resize", e))?;
    let rgba: Vec<u8> = match small.layout() {
        PixelLayout::Rgb8 => small
            .data()
            .chunks_exact(3)
            .flat_map(|p| match p {
                [r, g, b] => [*r, *g, *b, u8::MAX],
                _ => [u8::MAX; 4],
            })
            .collect(),
        PixelLayout::Rgba8 => small
            .data()
            .chunks_exact(4)
            .flat_map(|p| match p {
                [r, g, b, a] => {
                    let a = u16::from(*a);
                    let over_white = |c: u8| {
                        let v = (u16::from(c) * a + 255 * (255 - a) + 127) / 255;
                        u8::try_from(v).unwrap_or(u8::MAX)
                    };
                    [over_white(*r), over_white(*g), over_white(*b), u8::MAX]
                }
                _ => [u8::MAX; 4],
            })
            .collect(),
    };
    ::blurhash::encode(cx, cy, w, h, &rgba).map_err(|e| internal("blurhash", e))
}

/// Component counts (x, y) for a `width`×`height` image.
pub(crate) fn components(width: u32, height: u32) -> (u32, u32) {
    let (long, short) = (width.max(height).max(1), width.min(height).max(1));
    let minor = (u64::from(short) * u64::from(LONG_SIDE_COMPONENTS)).div_ceil(u64::from(long));
    let minor = u32::try_from(minor)
        .unwrap_or(LONG_SIDE_COMPONENTS)
        .clamp(1, LONG_SIDE_COMPONENTS);
    if width >= height {
        (LONG_SIDE_COMPONENTS, minor)
    } else {
        (minor, LONG_SIDE_COMPONENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_counts() {
        let cases = [
            ((600, 600), (5, 5)),
            ((800, 533), (5, 4)),
            ((720, 405), (5, 3)),
            ((731, 278), (5, 2)),
            ((2056, 3088), (4, 5)),
            ((10_000, 1), (5, 1)),
        ];
        for ((w, h), want) in cases {
            assert_eq!(components(w, h), want, "{w}x{h}");
        }
    }

    #[test]
    fn flat_colour_hash_decodes_to_that_colour() {
        let image = Image::filled(30, 20, PixelLayout::Rgb8, &[40, 120, 200]).unwrap();
        let hash = blurhash(&image).unwrap();
        // 5×4 components: 1 + 1 + 4 + 2·19 characters.
        assert_eq!(hash.len(), 44);
        // The reference encoder samples its cosines at pixel corners, so even a flat image
        // has small AC terms; the decoded mean still matches the colour.
        let decoded = ::blurhash::decode(&hash, 60, 40, 1.0).unwrap();
        let n = decoded.len() as f64 / 4.0;
        for (c, want) in [40.0, 120.0, 200.0].into_iter().enumerate() {
            let mean = decoded
                .iter()
                .skip(c)
                .step_by(4)
                .map(|&v| f64::from(v))
                .sum::<f64>()
                / n;
            assert!(
                (mean - want).abs() < 3.0,
                "channel {c}: mean {mean}, want {want}"
            );
        }
    }
}
