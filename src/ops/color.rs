//! Per-pixel colour effects: `invert`, `sat`, and greyscale for `cs=b-w`.
//!
//! Luma is Rec. 601 on the gamma-encoded values, `Y = 0.299 R + 0.587 G + 0.114 B` (the
//! JPEG/JFIF luma, what most image tools call "greyscale"), in 16.16 fixed point and
//! rounded to nearest. Alpha is never changed.

use crate::pixels::{Image, PixelLayout};

/// Rec. 601 weights in 16.16 fixed point; they sum to exactly 65536, so grey stays grey.
const LUMA_R: u32 = 19_595;
const LUMA_G: u32 = 38_470;
const LUMA_B: u32 = 7_471;

/// Rec. 601 luma of one pixel, rounded.
#[inline(always)]
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((LUMA_R * u32::from(r) + LUMA_G * u32::from(g) + LUMA_B * u32::from(b) + 32_768) >> 16) as u8
}

/// Runs `f` on the RGB part of every pixel.
fn for_each_rgb(img: &mut Image, mut f: impl FnMut(&mut [u8; 3])) {
    match img.layout() {
        PixelLayout::Rgb8 => img.data_mut().as_chunks_mut::<3>().0.iter_mut().for_each(f),
        PixelLayout::Rgba8 => {
            for px in img.data_mut().as_chunks_mut::<4>().0 {
                let mut rgb = [px[0], px[1], px[2]];
                f(&mut rgb);
                px[..3].copy_from_slice(&rgb);
            }
        }
    }
}

/// Replaces each colour channel `c` by `255 − c`; alpha is kept.
pub fn invert(img: &mut Image) {
    match img.layout() {
        // Every byte is a colour channel: one flat loop the compiler vectorises.
        PixelLayout::Rgb8 => img.data_mut().iter_mut().for_each(|c| *c = !*c),
        PixelLayout::Rgba8 => {
            for px in img.data_mut().as_chunks_mut::<4>().0 {
                px[0] = !px[0];
                px[1] = !px[1];
                px[2] = !px[2];
            }
        }
    }
}

/// Sets every pixel to its luma (R = G = B = Y), keeping the layout and alpha.
pub fn greyscale(img: &mut Image) {
    for_each_rgb(img, |p| {
        let y = luma(p[0], p[1], p[2]);
        *p = [y, y, y];
    });
}

/// Scales each pixel's distance from its luma by `1 + sat / 100`: −100 gives greyscale, 0
/// changes nothing, 100 doubles the saturation (clamped to 0–255). Values outside
/// −100..=100 are clamped into it.
pub fn saturate(img: &mut Image, sat: i8) {
    let sat = i32::from(sat.clamp(-100, 100));
    if sat == 0 {
        return;
    }
    if sat == -100 {
        return greyscale(img);
    }
    // 1 + sat/100 in 16.16 fixed point.
    let gain = ((100 + sat) * 65_536 + 50) / 100;
    for_each_rgb(img, |p| {
        let y = i32::from(luma(p[0], p[1], p[2]));
        let scale = |c: u8| (y + (((i32::from(c) - y) * gain + 32_768) >> 16)).clamp(0, 255) as u8;
        *p = [scale(p[0]), scale(p[1]), scale(p[2])];
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(px: &[u8]) -> Image {
        let layout = if px.len() == 4 {
            PixelLayout::Rgba8
        } else {
            PixelLayout::Rgb8
        };
        Image::from_vec(1, 1, layout, px.to_vec()).unwrap()
    }

    fn float_luma(r: u8, g: u8, b: u8) -> f64 {
        0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b)
    }

    #[test]
    fn luma_matches_rec601_everywhere() {
        for r in (0..=255u8).step_by(3) {
            for g in (0..=255u8).step_by(5) {
                for b in (0..=255u8).step_by(7) {
                    let want = float_luma(r, g, b);
                    let got = f64::from(luma(r, g, b));
                    // The 16-bit weights are off by < 1e-5 each: a hair past .5 may round up.
                    assert!((got - want).abs() <= 0.51, "{r},{g},{b}: {got} vs {want}");
                }
            }
        }
        for v in 0..=255u8 {
            assert_eq!(luma(v, v, v), v);
        }
    }

    #[test]
    fn invert_exact() {
        let cases: [(&[u8], &[u8]); 3] = [
            (&[0, 128, 255], &[255, 127, 0]),
            (&[10, 20, 30, 40], &[245, 235, 225, 40]),
            (&[255, 255, 255, 0], &[0, 0, 0, 0]),
        ];
        for (input, want) in cases {
            let mut img = one(input);
            invert(&mut img);
            assert_eq!(img.data(), want);
        }
    }

    #[test]
    fn greyscale_exact() {
        // 0.299·200 + 0.587·100 + 0.114·50 = 124.2 → 124; pure red 76.245 → 76.
        let cases: [(&[u8], &[u8]); 3] = [
            (&[200, 100, 50], &[124, 124, 124]),
            (&[255, 0, 0, 7], &[76, 76, 76, 7]),
            (&[0, 0, 255], &[29, 29, 29]),
        ];
        for (input, want) in cases {
            let mut img = one(input);
            greyscale(&mut img);
            assert_eq!(img.data(), want);
        }
    }

    #[test]
    fn saturate_exact() {
        // Y(200, 100, 50) = 124: each channel's distance from 124 is scaled.
        let cases: [(i8, &[u8], &[u8]); 7] = [
            (0, &[200, 100, 50], &[200, 100, 50]),
            (-100, &[200, 100, 50], &[124, 124, 124]),
            (-50, &[200, 100, 50], &[162, 112, 87]),
            (50, &[200, 100, 50], &[238, 88, 13]),
            (100, &[200, 100, 50], &[255, 76, 0]),
            (100, &[90, 90, 90, 33], &[90, 90, 90, 33]),
            (-128, &[200, 100, 50], &[124, 124, 124]),
        ];
        for (sat, input, want) in cases {
            let mut img = one(input);
            saturate(&mut img, sat);
            assert_eq!(img.data(), want, "sat {sat}");
        }
    }
}
