//! Gaussian blur (`blur=n` gives σ = n / 10 output pixels).
//!
//! Three paths, chosen by σ, all built on `libblur` with clamped edges (the border pixel
//! repeats, so borders neither darken nor wrap):
//!
//! * σ ≤ [`EXACT_MAX_SIGMA`]: a true separable gaussian (fixed-point, kernel radius ⌈3σ⌉);
//!   cost grows with σ (≈ 4–5 ms at σ = 5 on 1200×675).
//! * σ ≤ [`APPROX_MAX_SIGMA`]: `libblur`'s third-order recursive approximation (three
//!   running boxes, constant cost ≈ 6 ms on 1200×675 whatever σ). Three boxes of width r
//!   have the variance of a gaussian of σ = r / 2, so r = 2σ; it stays within a few levels
//!   of the true gaussian (see the tests).
//! * larger σ: the same on an area-averaged copy about σ / 64 times smaller, scaled back
//!   up bilinearly (cheaper still, and as close: the result has no detail left to lose).
//!   One difference at the border: the clamp replicates the average of the last few
//!   pixels rather than the very last one.
//!
//! Images with alpha are blurred premultiplied, so transparent pixels lend no colour.

use libblur::{
    AnisotropicRadius, BlurImage, BlurImageMut, ConvolutionMode, EdgeMode, FastBlurChannels,
    GaussianBlurParams, ThreadingPolicy,
};

use super::error::{OpKind, OpsError};
use super::{alpha, buffer};
use crate::pixels::{Image, PixelLayout};

const OP: OpKind = OpKind::Blur;

/// Largest σ blurred with the exact gaussian kernel; above it the approximation is faster.
pub(crate) const EXACT_MAX_SIGMA: f32 = 16.0;

/// Largest σ blurred with the recursive approximation at full size; its radius (2σ) stays
/// below 150, where `libblur` switches to slower 64-bit accumulators.
pub(crate) const APPROX_MAX_SIGMA: f32 = 64.0;

/// Largest σ accepted (`blur=2000` is σ = 200; this leaves room for a device-pixel ratio).
pub(crate) const MAX_SIGMA: f32 = 600.0;

fn backend(e: impl std::fmt::Display) -> OpsError {
    OpsError::Backend {
        op: OP,
        message: e.to_string(),
    }
}

fn channels(layout: PixelLayout) -> FastBlurChannels {
    match layout {
        PixelLayout::Rgb8 => FastBlurChannels::Channels3,
        PixelLayout::Rgba8 => FastBlurChannels::Channels4,
    }
}

fn check_sigma(op: OpKind, sigma: f32) -> Result<(), OpsError> {
    if sigma.is_finite() && (0.0..=MAX_SIGMA).contains(&sigma) {
        Ok(())
    } else {
        Err(OpsError::InvalidArgument {
            op,
            name: "sigma",
            value: sigma.to_string(),
            expected: "finite, from 0 to 600",
        })
    }
}

/// Blurs `img` with a gaussian of standard deviation `sigma` pixels; σ = 0 returns a copy.
///
/// Errors: [`OpsError::InvalidArgument`] for a σ that is not finite or outside 0–600.
pub fn blur(img: &Image, sigma: f32) -> Result<Image, OpsError> {
    check_sigma(OP, sigma)?;
    if sigma == 0.0 {
        return Ok(img.clone());
    }
    let (w, h, layout) = (img.width(), img.height(), img.layout());
    let mut out = buffer::zeroed(OP, w, h, layout)?;
    if sigma <= EXACT_MAX_SIGMA {
        if layout.has_alpha() {
            let mut pre = buffer::zeroed(OP, w, h, layout)?;
            alpha::premultiply_into(OP, img.data(), &mut pre, w, h)?;
            gaussian(&pre, &mut out, w, h, layout, sigma)?;
        } else {
            gaussian(img.data(), &mut out, w, h, layout, sigma)?;
        }
    } else {
        if layout.has_alpha() {
            alpha::premultiply_into(OP, img.data(), &mut out, w, h)?;
        } else {
            out.copy_from_slice(img.data());
        }
        approximate_in_place(&mut out, w, h, layout, sigma)?;
    }
    if layout.has_alpha() {
        alpha::unpremultiply(OP, &mut out, w, h)?;
    }
    buffer::image_from(OP, w, h, layout, out)
}

/// Exact separable gaussian of `src` into `dst` (both `w`×`h` in `layout`, no alpha
/// handling).
pub(crate) fn gaussian(
    src: &[u8],
    dst: &mut [u8],
    w: u32,
    h: u32,
    layout: PixelLayout,
    sigma: f32,
) -> Result<(), OpsError> {
    // ⌈3σ⌉ keeps 99.7 % of the weight; σ ≤ 16 bounds the kernel at 97 taps.
    let radius = (3.0 * sigma.min(EXACT_MAX_SIGMA)).ceil() as u32;
    let src = BlurImage::borrow(src, w, h, channels(layout));
    let mut dst = BlurImageMut::borrow(dst, w, h, channels(layout));
    libblur::gaussian_blur(
        &src,
        &mut dst,
        GaussianBlurParams::new(2 * radius + 1, f64::from(sigma)),
        EdgeMode::Clamp.as_2d(),
        ThreadingPolicy::Single,
        ConvolutionMode::FixedPoint,
    )
    .map_err(backend)
}

/// The constant-time gaussian approximation, in place (no alpha handling).
fn approximate_in_place(
    buf: &mut [u8],
    w: u32,
    h: u32,
    layout: PixelLayout,
    sigma: f32,
) -> Result<(), OpsError> {
    if sigma > APPROX_MAX_SIGMA {
        return downscaled_in_place(buf, w, h, layout, sigma);
    }
    let radius = AnisotropicRadius::new(approx_radius(f64::from(sigma)));
    recursive_gaussian(buf, w, h, layout, radius)
}

/// Three running boxes of width r have the variance of a gaussian of σ = r / 2.
fn approx_radius(sigma: f64) -> u32 {
    ((2.0 * sigma).round() as u32).clamp(1, 2 * APPROX_MAX_SIGMA as u32)
}

fn recursive_gaussian(
    buf: &mut [u8],
    w: u32,
    h: u32,
    layout: PixelLayout,
    radius: AnisotropicRadius,
) -> Result<(), OpsError> {
    libblur::fast_gaussian_next(
        &mut BlurImageMut::borrow(buf, w, h, channels(layout)),
        radius,
        ThreadingPolicy::Single,
        EdgeMode::Clamp.as_2d(),
    )
    .map_err(backend)
}

/// Very wide blurs: area-average down by about σ / [`APPROX_MAX_SIGMA`], blur the small image,
/// and scale back up bilinearly. The result is so smooth that the small grid loses nothing;
/// the variance the two resamplings add (box s²/12 + triangle s²/6 for a scale s) is taken
/// off the small blur.
fn downscaled_in_place(
    buf: &mut [u8],
    w: u32,
    h: u32,
    layout: PixelLayout,
    sigma: f32,
) -> Result<(), OpsError> {
    use fast_image_resize as fir;
    let factor = (sigma / APPROX_MAX_SIGMA).ceil().max(2.0);
    let small_side = |side: u32| ((side as f32 / factor).ceil() as u32).max(1);
    let (sw, sh) = (small_side(w), small_side(h));
    let pt = match layout {
        PixelLayout::Rgb8 => fir::PixelType::U8x3,
        PixelLayout::Rgba8 => fir::PixelType::U8x4,
    };
    let mut small = buffer::zeroed(OP, sw, sh, layout)?;
    let mut resizer = fir::Resizer::new();
    // Alpha is premultiplied already (or absent): no second premultiplication.
    let down = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Box))
        .use_alpha(false);
    let up = down.resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Bilinear));
    {
        let src = fir::images::ImageRef::new(w, h, buf, pt).map_err(backend)?;
        let mut dst = fir::images::Image::from_slice_u8(sw, sh, &mut small, pt).map_err(backend)?;
        resizer.resize(&src, &mut dst, &down).map_err(backend)?;
    }
    let sigma = f64::from(sigma);
    let small_radius = |scale: f64| {
        let s2 = (sigma / scale).powi(2) - 0.25;
        approx_radius(s2.max(0.25).sqrt())
    };
    let radius = AnisotropicRadius::create(
        small_radius(f64::from(w) / f64::from(sw)),
        small_radius(f64::from(h) / f64::from(sh)),
    );
    recursive_gaussian(&mut small, sw, sh, layout, radius)?;
    let src = fir::images::ImageRef::new(sw, sh, &small, pt).map_err(backend)?;
    let mut dst = fir::images::Image::from_slice_u8(w, h, buf, pt).map_err(backend)?;
    resizer.resize(&src, &mut dst, &up).map_err(backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One clamped-edge gaussian pass over `n` samples.
    fn reference_1d(v: &[f64], n: usize, k: &[f64], r: isize) -> Vec<f64> {
        // prefix[i] = k[0] + … + k[i-1]: the weight that falls past an edge, in one lookup.
        let mut prefix = vec![0.0];
        for w in k {
            prefix.push(prefix.last().unwrap() + w);
        }
        let total = prefix[k.len()];
        (0..n as isize)
            .map(|x| {
                let lo = (x - r).max(0);
                let hi = (x + r).min(n as isize - 1);
                let inside: f64 = (lo..=hi)
                    .map(|i| k[(i - x + r) as usize] * v[i as usize])
                    .sum();
                let left = prefix[(lo - x + r) as usize];
                let right = total - prefix[(hi - x + r + 1) as usize];
                (inside + left * v[0] + right * v[n - 1]) / total
            })
            .collect()
    }

    /// Reference gaussian of a single-channel image in f64, clamped edges, radius ⌈4σ⌉.
    fn reference(src: &[u8], w: usize, h: usize, sigma: f64) -> Vec<f64> {
        let r = (4.0 * sigma).ceil() as isize;
        let k: Vec<f64> = (-r..=r)
            .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
            .collect();
        let mut rows = Vec::with_capacity(w * h);
        for row in src.chunks_exact(w) {
            let v: Vec<f64> = row.iter().map(|&p| f64::from(p)).collect();
            rows.extend(reference_1d(&v, w, &k, r));
        }
        let mut out = vec![0.0; w * h];
        for x in 0..w {
            let column: Vec<f64> = (0..h).map(|y| rows[y * w + x]).collect();
            for (y, value) in reference_1d(&column, h, &k, r).into_iter().enumerate() {
                out[y * w + x] = value;
            }
        }
        out
    }

    /// Blocks of 30/220 with pseudo-random noise: edges, flats and texture. Sides that are
    /// multiples of 20 end on whole blocks: a lone odd column at the border would be
    /// replicated outwards by the exact clamp but averaged by the downscaled path.
    fn test_image(w: u32, h: u32) -> Image {
        let mut seed = 1u32;
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let base: u8 = if (x / 20 + y / 20) % 2 == 0 { 30 } else { 220 };
                let v = base ^ (seed >> 28) as u8;
                data.extend_from_slice(&[v, 255 - v, v / 2]);
            }
        }
        Image::from_vec(w, h, PixelLayout::Rgb8, data).unwrap()
    }

    /// (max, mean) absolute difference of channel 0 from the reference.
    fn error_vs_reference(img: &Image, sigma: f32) -> (f64, f64) {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let red: Vec<u8> = img.data().chunks_exact(3).map(|p| p[0]).collect();
        let want = reference(&red, w, h, f64::from(sigma));
        let got = blur(img, sigma).unwrap();
        let diffs: Vec<f64> = got
            .data()
            .chunks_exact(3)
            .zip(&want)
            .map(|(p, r)| (f64::from(p[0]) - r).abs())
            .collect();
        let max = diffs.iter().copied().fold(0.0, f64::max);
        (max, diffs.iter().sum::<f64>() / diffs.len() as f64)
    }

    #[test]
    fn close_to_a_true_gaussian() {
        // (sigma, max error, mean error): the exact kernel, then the approximation.
        let cases: [(f32, f64, f64); 7] = [
            (0.7, 2.0, 0.5),
            (5.0, 2.0, 0.5),
            (16.0, 2.0, 0.6),
            (20.0, 4.5, 0.6),
            (64.0, 2.0, 0.5),
            (65.0, 2.5, 0.6),
            (200.0, 3.5, 1.0),
        ];
        let img = test_image(300, 160);
        for (sigma, max, mean) in cases {
            let (got_max, got_mean) = error_vs_reference(&img, sigma);
            assert!(
                got_max <= max && got_mean <= mean,
                "σ {sigma}: max {got_max}, mean {got_mean}"
            );
        }
    }

    #[test]
    fn flat_images_stay_flat() {
        for (layout, px) in [
            (PixelLayout::Rgb8, &[12u8, 200, 99][..]),
            (PixelLayout::Rgba8, &[12, 200, 99, 255][..]),
            (PixelLayout::Rgba8, &[250, 3, 128, 77][..]),
        ] {
            let img = Image::filled(64, 40, layout, px).unwrap();
            // What shows once composited: colour weighted by alpha.
            let visible = |p: &[u8]| -> Vec<f64> {
                let a = p.get(3).map_or(1.0, |&a| f64::from(a) / 255.0);
                p.iter()
                    .take(3)
                    .map(|&c| f64::from(c) * a)
                    .chain(p.get(3).map(|&a| f64::from(a)))
                    .collect()
            };
            let want = visible(px);
            for sigma in [0.5, 3.0, 16.0, 40.0, 200.0] {
                let out = blur(&img, sigma).unwrap();
                for p in out.data().chunks_exact(px.len()) {
                    let close = visible(p)
                        .iter()
                        .zip(&want)
                        .all(|(a, b)| (a - b).abs() <= 1.0);
                    assert!(close, "σ {sigma} {layout:?}: {p:?} vs {px:?}");
                }
            }
        }
    }

    #[test]
    fn transparent_pixels_lend_no_colour() {
        // Opaque green next to transparent red: the blur must not turn the green reddish.
        let mut data = Vec::new();
        for _y in 0..20 {
            for x in 0..40 {
                data.extend_from_slice(if x < 20 {
                    &[0, 255, 0, 255]
                } else {
                    &[255, 0, 0, 0]
                });
            }
        }
        let img = Image::from_vec(40, 20, PixelLayout::Rgba8, data).unwrap();
        for sigma in [3.0, 30.0] {
            let out = blur(&img, sigma).unwrap();
            for p in out.data().chunks_exact(4).filter(|p| p[3] >= 16) {
                assert!(p[0] <= 8 && p[1] >= 245, "σ {sigma}: {p:?}");
            }
        }
    }

    #[test]
    fn tiny_images_and_zero_sigma() {
        for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 2)] {
            let img = test_image(w, h);
            for sigma in [1.0, 16.0, 100.0, 600.0] {
                let out = blur(&img, sigma).unwrap();
                assert_eq!((out.width(), out.height()), (w, h));
            }
            assert_eq!(blur(&img, 0.0).unwrap(), img);
        }
    }

    #[test]
    fn bad_sigmas_are_errors() {
        let img = test_image(4, 4);
        for sigma in [-1.0, f32::NAN, f32::INFINITY, 600.5] {
            let err = blur(&img, sigma).unwrap_err();
            assert!(
                matches!(err, OpsError::InvalidArgument { name: "sigma", .. }),
                "{sigma}"
            );
        }
    }
}
