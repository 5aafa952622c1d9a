//! Entropy-driven crop placement (`crop=entropy`).
//!
//! The window keeps the size a centred crop would have and is placed by trimming: while the
//! image is wider than the window, compare the Shannon entropy of the luma histogram of a
//! strip at the left edge with one at the right edge, and cut the strip with less entropy
//! (on a tie, the right one); then the same for top and bottom. Strips are
//! ⌈side / [`STRIP_FRACTION`]⌉ pixels (never more than what is left to trim). This is how
//! libvips' `interesting=entropy` (sharp's `strategy: entropy`) works; it is deterministic,
//! and costs about two reads of the trimmed area. Run it on a small preview and scale the
//! result: the placement barely depends on resolution.

use super::color::luma;
use super::error::{OpKind, OpsError};
use crate::pixels::{Image, PixelLayout};

const OP: OpKind = OpKind::Entropy;

/// Each trimming step cuts at most 1/`STRIP_FRACTION` of the image side.
pub(crate) const STRIP_FRACTION: u32 = 32;

/// The largest `width`×`height` window of aspect `target_w`:`target_h` that fits in a
/// `width`×`height` image (sides rounded half up, at least 1). `None` when a side is 0.
pub fn window_size(width: u32, height: u32, target_w: u32, target_h: u32) -> Option<(u32, u32)> {
    if width == 0 || height == 0 || target_w == 0 || target_h == 0 {
        return None;
    }
    let (w, h, tw, th) = (
        u64::from(width),
        u64::from(height),
        u64::from(target_w),
        u64::from(target_h),
    );
    let round_div = |n: u64, d: u64| (2 * n + d) / (2 * d);
    // All products fit: each factor is below 2^32, so every product is below 2^65 / 2.
    let size = if w * th >= h * tw {
        (round_div(h * tw, th).clamp(1, w), h)
    } else {
        (w, round_div(w * th, tw).clamp(1, h))
    };
    Some((u32::try_from(size.0).ok()?, u32::try_from(size.1).ok()?))
}

/// The window of aspect `target_w`:`target_h`, as large as fits, placed where the detail is:
/// `(left, top, width, height)`.
///
/// Errors: [`OpsError::InvalidArgument`] when a target side is 0.
pub fn entropy_window(
    img: &Image,
    target_w: u32,
    target_h: u32,
) -> Result<(u32, u32, u32, u32), OpsError> {
    let (w, h) = window_size(img.width(), img.height(), target_w, target_h).ok_or_else(|| {
        OpsError::InvalidArgument {
            op: OP,
            name: "target size",
            value: format!("{target_w}x{target_h}"),
            expected: "at least 1x1",
        }
    })?;
    let (x, y) = entropy_offset(img, w, h)?;
    Ok((x, y, w, h))
}

/// Where a `win_w`×`win_h` window goes by entropy trimming: its `(left, top)`.
///
/// Errors: [`OpsError::RectOutside`] when the window is empty or larger than the image.
pub fn entropy_offset(img: &Image, win_w: u32, win_h: u32) -> Result<(u32, u32), OpsError> {
    let (iw, ih) = (img.width(), img.height());
    if win_w == 0 || win_h == 0 || win_w > iw || win_h > ih {
        return Err(OpsError::RectOutside {
            op: OP,
            rect: [0, 0, u64::from(win_w), u64::from(win_h)],
            width: iw,
            height: ih,
        });
    }
    let plane = luma_plane(img);
    let (w, h) = (iw as usize, ih as usize);
    let column_strip = |x0: usize, x1: usize, y0: usize, y1: usize| {
        let mut hist = [0u32; 256];
        for row in plane.chunks_exact(w).skip(y0).take(y1 - y0) {
            for &v in row.get(x0..x1).unwrap_or_default() {
                hist[usize::from(v)] += 1;
            }
        }
        entropy(&hist)
    };
    let row_strip = |y0: usize, y1: usize, x0: usize, x1: usize| column_strip(x0, x1, y0, y1);
    let (x0, _) = trim(w, win_w as usize, |a, b| column_strip(a, b, 0, h));
    // The rows are measured inside the chosen columns only.
    let x1 = x0 + win_w as usize;
    let (y0, _) = trim(h, win_h as usize, |a, b| row_strip(a, b, x0, x1));
    // Both are below the image sides, which are u32.
    Ok((
        u32::try_from(x0).unwrap_or(0),
        u32::try_from(y0).unwrap_or(0),
    ))
}

/// Shrinks `0..extent` to `keep` by cutting the lower-entropy end strip; `strip(a, b)` is
/// the entropy of the band `a..b`. Returns the kept range.
fn trim(extent: usize, keep: usize, strip: impl Fn(usize, usize) -> f64) -> (usize, usize) {
    let step = extent.div_ceil(STRIP_FRACTION as usize).max(1);
    let (mut start, mut end) = (0, extent);
    while end - start > keep {
        let cut = (end - start - keep).min(step);
        if strip(start, start + cut) < strip(end - cut, end) {
            start += cut;
        } else {
            end -= cut;
        }
    }
    (start, end)
}

/// Shannon entropy in bits of a histogram.
fn entropy(hist: &[u32; 256]) -> f64 {
    let n: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    // H = log2 n − Σ c·log2 c / n.
    let sum: f64 = hist
        .iter()
        .filter(|&&c| c > 1)
        .map(|&c| f64::from(c) * f64::from(c).log2())
        .sum();
    // Rounding can leave a single-bin histogram a hair below 0.
    (n.log2() - sum / n).max(0.0)
}

fn luma_plane(img: &Image) -> Vec<u8> {
    match img.layout() {
        PixelLayout::Rgb8 => img
            .data()
            .as_chunks::<3>()
            .0
            .iter()
            .map(|p| luma(p[0], p[1], p[2]))
            .collect(),
        PixelLayout::Rgba8 => img
            .data()
            .as_chunks::<4>()
            .0
            .iter()
            .map(|p| luma(p[0], p[1], p[2]))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `w`×`h` grey image: flat 128 except where `detailed(x, y)`, which gets noise.
    fn image(w: u32, h: u32, detailed: impl Fn(u32, u32) -> bool) -> Image {
        let mut seed = 7u32;
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = if detailed(x, y) {
                    (seed >> 24) as u8
                } else {
                    128
                };
                data.extend_from_slice(&[v, v, v]);
            }
        }
        Image::from_vec(w, h, PixelLayout::Rgb8, data).unwrap()
    }

    /// Width, height (or left, top, width, height).
    type Size = (u32, u32);
    type Rect = (u32, u32, u32, u32);

    #[test]
    fn window_sizes() {
        let cases: [(Rect, Option<Size>); 6] = [
            ((300, 450, 100, 100), Some((300, 300))),
            ((300, 450, 600, 600), Some((300, 300))),
            ((800, 600, 16, 9), Some((800, 450))),
            ((600, 800, 3, 1), Some((600, 200))),
            ((100, 100, 1, 3), Some((33, 100))),
            ((100, 100, 0, 3), None),
        ];
        for ((w, h, tw, th), want) in cases {
            assert_eq!(window_size(w, h, tw, th), want, "{w}x{h} → {tw}:{th}");
        }
    }

    #[test]
    fn entropy_of_histograms() {
        let mut hist = [0u32; 256];
        assert_eq!(entropy(&hist), 0.0);
        hist[5] = 10;
        assert_eq!(entropy(&hist), 0.0);
        hist[9] = 10;
        assert!((entropy(&hist) - 1.0).abs() < 1e-12);
        let uniform = [4u32; 256];
        assert!((entropy(&uniform) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn window_goes_to_the_detail() {
        let cases: [(Image, Size, Rect); 4] = [
            (image(200, 100, |x, _| x >= 100), (1, 1), (100, 0, 100, 100)),
            (image(200, 100, |x, _| x < 60), (1, 1), (0, 0, 100, 100)),
            (image(90, 200, |_, y| y >= 150), (9, 10), (0, 100, 90, 100)),
            // Detail in the middle: both ends trim towards it (strips are 10 px here).
            (
                image(300, 50, |x, _| (130..180).contains(&x)),
                (1, 1),
                (130, 0, 50, 50),
            ),
        ];
        for (img, (tw, th), want) in cases {
            let got = entropy_window(&img, tw, th).unwrap();
            assert_eq!(got, want, "{}x{} → {tw}:{th}", img.width(), img.height());
        }
    }

    /// Grey `w`×`h`, one LCG step per pixel: `(seed >> 24) % (amp(x, y) + 1)`, so `amp` sets
    /// the number of grey levels. The same generator as testdata/reference/entropy_window.py.
    fn textured(w: u32, h: u32, amp: impl Fn(u32, u32) -> u32) -> Image {
        let mut seed = 7u32;
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = ((seed >> 24) % (amp(x, y) + 1)) as u8;
                data.extend_from_slice(&[v, v, v]);
            }
        }
        Image::from_vec(w, h, PixelLayout::Rgb8, data).unwrap()
    }

    #[test]
    fn textured_images_match_the_reference() {
        // Expected offsets printed by testdata/reference/entropy_window.py (numpy, written
        // from the algorithm's description), not by this code.
        type Amp = fn(u32, u32) -> u32;
        #[rustfmt::skip]
        let cases: [(&str, Size, Amp, Size, Size); 5] = [
            ("ramp_x",    (200, 100), |x, _| x,                                                              (100, 100), (100, 0)),
            ("two_blobs", (160, 120), |x, _| if x < 50 { 15 } else if (100..130).contains(&x) { 255 } else { 0 }, (120, 120), (10, 0)),
            ("bands_y",   (64, 256),  |_, y| if (40..90).contains(&y) { 63 } else if (180..200).contains(&y) { 255 } else { 0 }, (64, 128), (0, 72)),
            ("both_axes", (200, 150), |x, y| if (x as i32 - 140).pow(2) + (y as i32 - 40).pow(2) < 900 { 255 } else { (x + y) % 8 }, (100, 60), (70, 10)),
            ("diagonal",  (120, 90),  |x, y| if x > y + 40 { 255 } else { 3 },                               (90, 90),  (30, 0)),
        ];
        for (name, (w, h), amp, (ww, wh), want) in cases {
            let img = textured(w, h, amp);
            assert_eq!(entropy_offset(&img, ww, wh).unwrap(), want, "{name}");
        }
    }

    #[test]
    fn ties_trim_the_end() {
        let flat = image(120, 40, |_, _| false);
        assert_eq!(entropy_window(&flat, 1, 1).unwrap(), (0, 0, 40, 40));
        let flat_rgba = Image::filled(40, 120, PixelLayout::Rgba8, &[5, 6, 7, 8]).unwrap();
        assert_eq!(entropy_window(&flat_rgba, 1, 1).unwrap(), (0, 0, 40, 40));
    }

    #[test]
    fn whole_image_and_errors() {
        let img = image(50, 30, |x, y| (x + y) % 3 == 0);
        assert_eq!(entropy_window(&img, 5, 3).unwrap(), (0, 0, 50, 30));
        assert_eq!(
            entropy_window(&img, 0, 3),
            Err(OpsError::InvalidArgument {
                op: OpKind::Entropy,
                name: "target size",
                value: "0x3".into(),
                expected: "at least 1x1",
            })
        );
        assert_eq!(
            entropy_offset(&img, 51, 30),
            Err(OpsError::RectOutside {
                op: OpKind::Entropy,
                rect: [0, 0, 51, 30],
                width: 50,
                height: 30,
            })
        );
    }
}
