//! Resampling of a (fractional) source window to an exact output size, in one pass.
//!
//! Backed by `fast_image_resize`, whose [`fast_image_resize::Resizer::new`] picks the best
//! SIMD extension the CPU has at run time (AVX2, then SSE4.1 on x86-64; NEON on AArch64).
//! Images with alpha are premultiplied before filtering and divided after it (the library's
//! `MulDiv` step), so transparent pixels lend no colour to their neighbours and edges do not
//! darken.

use fast_image_resize as fir;

use super::buffer;
use super::error::{OpKind, OpsError};
use crate::pixels::{Image, PixelLayout};

const OP: OpKind = OpKind::Resize;

/// The resampling filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Filter {
    /// Nearest neighbour: no filtering (pixel art, previews).
    Nearest,
    /// Bilinear (triangle) filter.
    Bilinear,
    /// Catmull-Rom bicubic: sharp, cheaper than Lanczos.
    CatmullRom,
    /// Mitchell-Netravali bicubic: softer, with little ringing.
    Mitchell,
    /// Lanczos with three lobes: the sharpest; the usual choice for photos, both ways.
    #[default]
    Lanczos3,
}

impl Filter {
    fn algorithm(self) -> fir::ResizeAlg {
        use fir::FilterType as F;
        match self {
            Filter::Nearest => fir::ResizeAlg::Nearest,
            Filter::Bilinear => fir::ResizeAlg::Convolution(F::Bilinear),
            Filter::CatmullRom => fir::ResizeAlg::Convolution(F::CatmullRom),
            Filter::Mitchell => fir::ResizeAlg::Convolution(F::Mitchell),
            Filter::Lanczos3 => fir::ResizeAlg::Convolution(F::Lanczos3),
        }
    }
}

/// A rectangle of an image in pixel units; fractional edges are allowed (a pixel covers
/// `[x, x + 1)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceWindow {
    /// Left edge. Default: none (required).
    pub left: f64,
    /// Top edge. Default: none (required).
    pub top: f64,
    /// Width, greater than 0. Default: none (required).
    pub width: f64,
    /// Height, greater than 0. Default: none (required).
    pub height: f64,
}

impl SourceWindow {
    /// The window covering all of a `width`×`height` image.
    pub fn full(width: u32, height: u32) -> Self {
        SourceWindow {
            left: 0.0,
            top: 0.0,
            width: f64::from(width),
            height: f64::from(height),
        }
    }

    fn as_array(self) -> [f64; 4] {
        [self.left, self.top, self.width, self.height]
    }
}

/// Float slack allowed when a window computed in floating point ends a hair past the edge.
const EDGE_SLACK: f64 = 1e-6;

/// The window clamped to the image and the integer pixel box that encloses it, as
/// `(window, [x0, y0, x1, y1])`; an error if it is not finite, empty or outside.
fn checked_window(src: &Image, w: SourceWindow) -> Result<(SourceWindow, [u32; 4]), OpsError> {
    let (iw, ih) = (f64::from(src.width()), f64::from(src.height()));
    let outside = || OpsError::WindowOutside {
        op: OP,
        window: w.as_array(),
        width: src.width(),
        height: src.height(),
    };
    let finite = w.as_array().iter().all(|v| v.is_finite());
    if !finite || w.width <= 0.0 || w.height <= 0.0 {
        return Err(outside());
    }
    let (right, bottom) = (w.left + w.width, w.top + w.height);
    if w.left < -EDGE_SLACK
        || w.top < -EDGE_SLACK
        || right > iw + EDGE_SLACK
        || bottom > ih + EDGE_SLACK
    {
        return Err(outside());
    }
    let left = w.left.clamp(0.0, iw);
    let top = w.top.clamp(0.0, ih);
    let right = right.clamp(left, iw);
    let bottom = bottom.clamp(top, ih);
    if right <= left || bottom <= top {
        return Err(outside());
    }
    // In range [0, image side] after the clamps above, so the casts are exact.
    let bounds = [
        left.floor() as u32,
        top.floor() as u32,
        (right.ceil() as u32).min(src.width()),
        (bottom.ceil() as u32).min(src.height()),
    ];
    let window = SourceWindow {
        left,
        top,
        width: right - left,
        height: bottom - top,
    };
    Ok((window, bounds))
}

fn pixel_type(layout: PixelLayout) -> fir::PixelType {
    match layout {
        PixelLayout::Rgb8 => fir::PixelType::U8x3,
        PixelLayout::Rgba8 => fir::PixelType::U8x4,
    }
}

fn backend(e: impl std::fmt::Display) -> OpsError {
    OpsError::Backend {
        op: OP,
        message: e.to_string(),
    }
}

/// Resamples `window` of `src` to exactly `dst_width`×`dst_height` (the aspect ratio is the
/// caller's business), crop and scale in one pass. Pixels outside the window's enclosing
/// pixel box never contribute: the filter clamps at the window, as if it had been cropped
/// first. A window equal to the whole image at the same size returns a copy untouched.
///
/// Errors: [`OpsError::WindowOutside`] for a window that is not inside the image,
/// [`OpsError::EmptySize`] / [`OpsError::TooLarge`] for the output size.
pub fn resize(
    src: &Image,
    window: SourceWindow,
    dst_width: u32,
    dst_height: u32,
    filter: Filter,
) -> Result<Image, OpsError> {
    let full = SourceWindow::full(src.width(), src.height());
    if window == full && (dst_width, dst_height) == (src.width(), src.height()) {
        return Ok(src.clone());
    }
    Resizer::new().resize_reusing(src, window, dst_width, dst_height, filter, Vec::new())
}

/// A resizer that keeps its scratch buffers between calls, for batch work: reuse one per
/// thread, and hand each finished output's buffer back (via [`Image::into_vec`]) to
/// [`Resizer::resize_reusing`] so steady-state resizing allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Resizer {
    inner: fir::Resizer,
}

impl Resizer {
    /// A resizer using the best SIMD extension this CPU supports.
    pub fn new() -> Self {
        Resizer {
            inner: fir::Resizer::new(),
        }
    }

    /// Like [`resize`], writing into `buffer` (any length; it is grown or truncated and its
    /// contents are overwritten) so its allocation is reused.
    pub fn resize_reusing(
        &mut self,
        src: &Image,
        window: SourceWindow,
        dst_width: u32,
        dst_height: u32,
        filter: Filter,
        buffer: Vec<u8>,
    ) -> Result<Image, OpsError> {
        let layout = src.layout();
        let (window, [x0, y0, x1, y1]) = checked_window(src, window)?;
        let mut data = buffer::resize_buffer(OP, buffer, dst_width, dst_height, layout)?;
        let whole = window == SourceWindow::full(src.width(), src.height());
        if whole && (dst_width, dst_height) == (src.width(), src.height()) {
            data.copy_from_slice(src.data());
            return buffer::image_from(OP, dst_width, dst_height, layout, data);
        }
        let pt = pixel_type(layout);
        let full = fir::images::ImageRef::new(src.width(), src.height(), src.data(), pt)
            .map_err(backend)?;
        // Narrowing the view to the window's pixel box keeps the filter from reading (and the
        // alpha premultiplication from touching) anything outside the window.
        let view =
            fir::images::CroppedImage::new(&full, x0, y0, x1 - x0, y1 - y0).map_err(backend)?;
        let (vw, vh) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let left = window.left - f64::from(x0);
        let top = window.top - f64::from(y0);
        let options = fir::ResizeOptions::new()
            .resize_alg(filter.algorithm())
            .crop(
                left,
                top,
                window.width.min(vw - left),
                window.height.min(vh - top),
            )
            .use_alpha(layout.has_alpha());
        let mut dst = fir::images::Image::from_slice_u8(dst_width, dst_height, &mut data, pt)
            .map_err(backend)?;
        self.inner
            .resize(&view, &mut dst, &options)
            .map_err(backend)?;
        buffer::image_from(OP, dst_width, dst_height, layout, data)
    }

    /// The SIMD extension this resizer runs with.
    pub fn cpu_extensions(&self) -> fir::CpuExtensions {
        self.inner.cpu_extensions()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, layout: PixelLayout) -> Image {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let px = [(x * 7 + y) as u8, (y * 5) as u8, (x ^ y) as u8, 200];
                data.extend_from_slice(&px[..layout.channels()]);
            }
        }
        Image::from_vec(w, h, layout, data).unwrap()
    }

    #[test]
    fn output_has_requested_size() {
        let cases: [(u32, u32, SourceWindow, u32, u32); 5] = [
            (64, 48, SourceWindow::full(64, 48), 16, 12),
            (64, 48, SourceWindow::full(64, 48), 100, 75),
            (64, 48, SourceWindow::full(64, 48), 64, 1),
            (
                64,
                48,
                SourceWindow {
                    left: 3.25,
                    top: 1.5,
                    width: 40.5,
                    height: 30.75,
                },
                10,
                9,
            ),
            (5, 5, SourceWindow::full(5, 5), 1, 1),
        ];
        for layout in [PixelLayout::Rgb8, PixelLayout::Rgba8] {
            for (w, h, win, dw, dh) in cases {
                let out = resize(&gradient(w, h, layout), win, dw, dh, Filter::Lanczos3).unwrap();
                assert_eq!((out.width(), out.height(), out.layout()), (dw, dh, layout));
                assert_eq!(
                    out.data().len(),
                    dw as usize * dh as usize * layout.channels()
                );
            }
        }
    }

    #[test]
    fn identity_is_an_exact_copy() {
        let src = gradient(31, 17, PixelLayout::Rgba8);
        let out = resize(&src, SourceWindow::full(31, 17), 31, 17, Filter::default()).unwrap();
        assert_eq!(out, src);
    }

    #[test]
    fn integer_window_at_same_size_is_a_crop() {
        let src = gradient(30, 20, PixelLayout::Rgb8);
        let win = SourceWindow {
            left: 4.0,
            top: 3.0,
            width: 10.0,
            height: 8.0,
        };
        let out = resize(&src, win, 10, 8, Filter::Lanczos3).unwrap();
        let expected = super::super::crop::crop(&src, 4, 3, 10, 8).unwrap();
        assert_eq!(out, expected);
    }

    #[test]
    fn flat_image_stays_flat() {
        let src = Image::filled(90, 60, PixelLayout::Rgb8, &[10, 128, 250]).unwrap();
        for filter in [
            Filter::Nearest,
            Filter::Bilinear,
            Filter::CatmullRom,
            Filter::Mitchell,
            Filter::Lanczos3,
        ] {
            for (dw, dh) in [(13, 7), (200, 150)] {
                let out = resize(&src, SourceWindow::full(90, 60), dw, dh, filter).unwrap();
                assert!(
                    out.data().chunks_exact(3).all(|p| p == [10, 128, 250]),
                    "{filter:?} {dw}x{dh}"
                );
            }
        }
    }

    #[test]
    fn pixels_outside_the_window_do_not_bleed_in() {
        // Left half black, right half white; a window over the white half must stay white.
        let mut data = Vec::new();
        for _y in 0..40 {
            for x in 0..80 {
                data.extend_from_slice(if x < 40 { &[0, 0, 0] } else { &[255, 255, 255] });
            }
        }
        let src = Image::from_vec(80, 40, PixelLayout::Rgb8, data).unwrap();
        let win = SourceWindow {
            left: 40.0,
            top: 0.0,
            width: 40.0,
            height: 40.0,
        };
        let out = resize(&src, win, 7, 7, Filter::Lanczos3).unwrap();
        assert!(out.data().iter().all(|&v| v == 255));
    }

    #[test]
    fn transparent_neighbours_cause_no_dark_fringe() {
        // Half-transparent red next to fully transparent black.
        let mut data = Vec::new();
        for _y in 0..32 {
            for x in 0..64 {
                data.extend_from_slice(if x < 32 {
                    &[255, 0, 0, 128]
                } else {
                    &[0, 0, 0, 0]
                });
            }
        }
        let src = Image::from_vec(64, 32, PixelLayout::Rgba8, data).unwrap();
        let out = resize(&src, SourceWindow::full(64, 32), 20, 10, Filter::Lanczos3).unwrap();
        let mut partial = 0;
        for p in out.data().chunks_exact(4) {
            if p[3] >= 8 {
                assert!(p[0] >= 245 && p[1] <= 6 && p[2] <= 6, "fringe pixel {p:?}");
            }
            if (8..=125).contains(&p[3]) {
                partial += 1;
            }
        }
        assert!(partial > 0, "the edge must be resampled");
    }

    #[test]
    fn downscale_averages() {
        // A 2x2 checker of 0/200 averages to ~100 when halved with a box-like filter.
        let mut data = Vec::new();
        for y in 0..16u32 {
            for x in 0..16u32 {
                let v = if (x + y) % 2 == 0 { 0 } else { 200 };
                data.extend_from_slice(&[v, v, v]);
            }
        }
        let src = Image::from_vec(16, 16, PixelLayout::Rgb8, data).unwrap();
        let out = resize(&src, SourceWindow::full(16, 16), 8, 8, Filter::Bilinear).unwrap();
        assert!(
            out.data().iter().all(|&v| (98..=102).contains(&v)),
            "{:?}",
            out.data()
        );
    }

    #[test]
    fn bad_windows_and_sizes_are_errors() {
        let src = gradient(10, 10, PixelLayout::Rgb8);
        let win = |left, top, width, height| SourceWindow {
            left,
            top,
            width,
            height,
        };
        let windows = [
            win(-1.0, 0.0, 5.0, 5.0),
            win(0.0, 0.0, 10.5, 5.0),
            win(0.0, 0.0, 0.0, 5.0),
            win(f64::NAN, 0.0, 5.0, 5.0),
            win(0.0, 9.0, 5.0, f64::INFINITY),
        ];
        for w in windows {
            let err = resize(&src, w, 4, 4, Filter::Lanczos3).unwrap_err();
            assert!(matches!(err, OpsError::WindowOutside { .. }), "{w:?}");
            assert_eq!(err.http_status(), 500);
        }
        let full = SourceWindow::full(10, 10);
        let err = resize(&src, full, 0, 4, Filter::Lanczos3).unwrap_err();
        assert!(matches!(err, OpsError::EmptySize { .. }));
        let err = resize(&src, full, u32::MAX, u32::MAX, Filter::Lanczos3).unwrap_err();
        assert_eq!(err.http_status(), 422);
    }

    #[test]
    fn window_a_hair_past_the_edge_is_clamped() {
        let src = gradient(10, 10, PixelLayout::Rgb8);
        let win = SourceWindow {
            left: 0.1 + 0.2,
            top: 0.0,
            width: 10.0 - 0.3 + 1e-9,
            height: 10.0,
        };
        let out = resize(&src, win, 3, 3, Filter::Lanczos3).unwrap();
        let inside = SourceWindow {
            width: 10.0 - (0.1 + 0.2),
            ..win
        };
        let want = resize(&src, inside, 3, 3, Filter::Lanczos3).unwrap();
        assert_eq!((out.width(), out.height()), (3, 3));
        assert!(
            out.data() == want.data(),
            "{:?} != {:?}",
            out.data(),
            want.data()
        );
        // A real overshoot (well past float noise) is still refused, naming the window.
        let past = SourceWindow {
            width: 10.0 - 0.3 + 1e-3,
            ..win
        };
        assert_eq!(
            resize(&src, past, 3, 3, Filter::Lanczos3).unwrap_err(),
            OpsError::WindowOutside {
                op: OpKind::Resize,
                window: [past.left, past.top, past.width, past.height],
                width: 10,
                height: 10,
            }
        );
    }

    #[test]
    fn reusing_a_buffer_matches_a_fresh_resize() {
        let src = gradient(50, 40, PixelLayout::Rgba8);
        let full = SourceWindow::full(50, 40);
        let fresh = resize(&src, full, 20, 16, Filter::Lanczos3).unwrap();
        let mut r = Resizer::new();
        let first = r
            .resize_reusing(&src, full, 30, 30, Filter::Lanczos3, Vec::new())
            .unwrap();
        let again = r
            .resize_reusing(&src, full, 20, 16, Filter::Lanczos3, first.into_vec())
            .unwrap();
        assert_eq!(again, fresh);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn uses_avx2_when_the_cpu_has_it() {
        if std::arch::is_x86_feature_detected!("avx2") {
            assert_eq!(Resizer::new().cpu_extensions(), fir::CpuExtensions::Avx2);
        }
    }
}
