//! Unsharp-mask sharpening (`sharp=0..100`).
//!
//! `out = src + k · (src − gaussian(src, σ))`, per colour channel, with
//! σ = [`SHARPEN_SIGMA`] (a radius of about one pixel: it lifts fine detail, not halos) and
//! `k = amount / 50`: `sharp=0` leaves the image untouched, `sharp=50` adds the detail once
//! more (100 %), `sharp=100` twice (200 %). The combine runs in 8.8 fixed point; alpha is
//! kept, and translucent pixels are sharpened premultiplied (clamped to their alpha) so
//! transparent neighbours lend no colour.

use super::error::{OpKind, OpsError};
use super::{alpha, blur, buffer};
use crate::pixels::{Image, PixelLayout};

const OP: OpKind = OpKind::Sharpen;

/// σ of the blur the mask subtracts, in pixels.
pub(crate) const SHARPEN_SIGMA: f32 = 1.0;

/// Largest `amount`.
pub(crate) const MAX_AMOUNT: u8 = 100;

/// `k` in 8.8 fixed point: amount / 50 · 256, rounded.
fn gain_q8(amount: u8) -> i32 {
    (i32::from(amount) * 512 + 50) / 100
}

/// `s + k·(s − b)`, rounded, clamped to `0..=max`.
#[inline(always)]
fn unsharp(s: u8, b: u8, k: i32, max: u8) -> u8 {
    let s = i32::from(s);
    let v = s + (((s - i32::from(b)) * k + 128) >> 8);
    v.clamp(0, i32::from(max)) as u8
}

/// Sharpens `img` by `amount` (0–100, see the module docs for the mapping); 0 returns a copy.
///
/// Errors: [`OpsError::InvalidArgument`] for an amount above 100.
pub fn sharpen(img: &Image, amount: u8) -> Result<Image, OpsError> {
    if amount > MAX_AMOUNT {
        return Err(OpsError::InvalidArgument {
            op: OP,
            name: "amount",
            value: amount.to_string(),
            expected: "from 0 to 100",
        });
    }
    if amount == 0 {
        return Ok(img.clone());
    }
    let k = gain_q8(amount);
    let (w, h, layout) = (img.width(), img.height(), img.layout());
    let mut blurred = buffer::zeroed(OP, w, h, layout)?;
    match layout {
        PixelLayout::Rgb8 => {
            blur::gaussian(img.data(), &mut blurred, w, h, layout, SHARPEN_SIGMA)?;
            // The blurred copy becomes the output: each byte depends only on itself and src.
            for (b, &s) in blurred.iter_mut().zip(img.data()) {
                *b = unsharp(s, *b, k, 255);
            }
            buffer::image_from(OP, w, h, layout, blurred)
        }
        PixelLayout::Rgba8 => {
            let mut pre = buffer::zeroed(OP, w, h, layout)?;
            alpha::premultiply_into(OP, img.data(), &mut pre, w, h)?;
            blur::gaussian(&pre, &mut blurred, w, h, layout, SHARPEN_SIGMA)?;
            let (pre_px, _) = pre.as_chunks_mut::<4>();
            let (blur_px, _) = blurred.as_chunks::<4>();
            for (p, b) in pre_px.iter_mut().zip(blur_px) {
                let a = p[3];
                // Premultiplied colour above its alpha is not a colour; clamp to it.
                *p = [
                    unsharp(p[0], b[0], k, a),
                    unsharp(p[1], b[1], k, a),
                    unsharp(p[2], b[2], k, a),
                    a,
                ];
            }
            alpha::unpremultiply(OP, &mut pre, w, h)?;
            buffer::image_from(OP, w, h, layout, pre)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Left half `lo`, right half `hi`, `w`×4, grey.
    fn edge(w: u32, lo: u8, hi: u8) -> Image {
        let mut data = Vec::new();
        for _y in 0..4 {
            for x in 0..w {
                let v = if x < w / 2 { lo } else { hi };
                data.extend_from_slice(&[v, v, v]);
            }
        }
        Image::from_vec(w, 4, PixelLayout::Rgb8, data).unwrap()
    }

    #[test]
    fn gain_mapping() {
        let cases: [(u8, i32); 5] = [(0, 0), (1, 5), (25, 128), (50, 256), (100, 512)];
        for (amount, q8) in cases {
            assert_eq!(gain_q8(amount), q8, "{amount}");
        }
    }

    #[test]
    fn flat_images_are_unchanged() {
        for (layout, px) in [
            (PixelLayout::Rgb8, &[12u8, 200, 99][..]),
            (PixelLayout::Rgba8, &[12, 200, 99, 255][..]),
        ] {
            let img = Image::filled(33, 21, layout, px).unwrap();
            for amount in [1, 50, 100] {
                assert_eq!(sharpen(&img, amount).unwrap(), img, "{layout:?} {amount}");
            }
        }
    }

    #[test]
    fn an_edge_gains_contrast() {
        let img = edge(20, 100, 150);
        let row =
            |img: &Image| -> Vec<u8> { img.data()[..60].chunks_exact(3).map(|p| p[0]).collect() };
        let mut last_dark = 100;
        let mut last_bright = 150;
        for amount in [20, 50, 100] {
            let out = row(&sharpen(&img, amount).unwrap());
            // Far from the edge nothing changes; beside it the dark side darkens and the
            // bright side brightens, more with a larger amount.
            assert_eq!((out[0], out[19]), (100, 150), "{amount}: {out:?}");
            assert!(
                out[9] < last_dark && out[10] > last_bright,
                "{amount}: {out:?}"
            );
            (last_dark, last_bright) = (out[9], out[10]);
        }
        // sharp=50 (k = 1): the pixel beside the edge moves by exactly what the blur took.
        let blurred = super::super::blur::blur(&img, SHARPEN_SIGMA).unwrap();
        let b = row(&blurred)[9];
        assert_eq!(row(&sharpen(&img, 50).unwrap())[9], 100 - (b - 100));
    }

    #[test]
    fn zero_is_a_copy_and_over_100_is_an_error() {
        let img = edge(8, 0, 255);
        assert_eq!(sharpen(&img, 0).unwrap(), img);
        assert!(matches!(
            sharpen(&img, 101),
            Err(OpsError::InvalidArgument { name: "amount", .. })
        ));
    }

    #[test]
    fn alpha_is_kept_and_colour_clamped() {
        let mut data = Vec::new();
        for x in 0..10 {
            data.extend_from_slice(if x < 5 {
                &[0, 0, 0, 255]
            } else {
                &[255, 255, 255, 128]
            });
        }
        let img = Image::from_vec(10, 1, PixelLayout::Rgba8, data).unwrap();
        let out = sharpen(&img, 100).unwrap();
        for (o, i) in out.data().chunks_exact(4).zip(img.data().chunks_exact(4)) {
            assert_eq!(o[3], i[3]);
        }
        // The translucent white beside the edge gets no brighter than white.
        assert_eq!(&out.data()[20..24], &[255, 255, 255, 128]);
    }
}
