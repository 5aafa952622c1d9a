//! Canvases, backgrounds and alpha: placing an image on a filled canvas (`fit=fill`, `pad`,
//! `bg`), flattening alpha onto a colour (for formats without alpha), and layout changes.
//!
//! Compositing is straight-alpha "over": with `a_s`, `a_b` in 0–1,
//! `a = a_s + a_b·(1 − a_s)` and `c = (c_s·a_s + c_b·a_b·(1 − a_s)) / a`, done in integers
//! and rounded to nearest. Fully opaque and fully transparent pixels are copied exactly.

use super::buffer;
use super::error::{OpKind, OpsError};
use crate::pixels::{Image, PixelLayout};

const OP: OpKind = OpKind::Canvas;

/// A straight-alpha colour: `[r, g, b, a]`, `a = 255` opaque.
pub type Rgba = [u8; 4];

/// Rounded `n / 255` for `n` ≤ 255·255.
#[inline(always)]
fn div255(n: u32) -> u32 {
    (n + 128 + ((n + 128) >> 8)) >> 8
}

/// One pixel of `src` over the opaque colour `bg`.
#[inline(always)]
fn over_opaque(src: &[u8; 4], bg: [u8; 3]) -> [u8; 3] {
    let a = u32::from(src[3]);
    let ia = 255 - a;
    let mix = |s: u8, b: u8| div255(u32::from(s) * a + u32::from(b) * ia) as u8;
    [mix(src[0], bg[0]), mix(src[1], bg[1]), mix(src[2], bg[2])]
}

/// One pixel of `src` over `bg`, both straight alpha of any opacity.
#[inline(always)]
fn over(src: &[u8; 4], bg: &[u8; 4]) -> [u8; 4] {
    let sa = u32::from(src[3]);
    if sa == 255 {
        return *src;
    }
    // Background weight, scaled by 255: a_b·(1 − a_s)·255².
    let bw = u32::from(bg[3]) * (255 - sa);
    let sw = sa * 255;
    let total = sw + bw; // a·255², at most 255²
    if total == 0 {
        return [bg[0], bg[1], bg[2], 0];
    }
    let mix = |s: u8, b: u8| ((u32::from(s) * sw + u32::from(b) * bw + total / 2) / total) as u8;
    [
        mix(src[0], bg[0]),
        mix(src[1], bg[1]),
        mix(src[2], bg[2]),
        div255(total) as u8,
    ]
}

/// Places `img` with its top-left corner at (`offset_x`, `offset_y`) — negative or beyond
/// the edge is allowed; what falls outside is cut off — on a `canvas_width`×`canvas_height`
/// canvas filled with `background`, compositing it over the background.
///
/// The result is [`PixelLayout::Rgba8`] when the background is not opaque and
/// [`PixelLayout::Rgb8`] when it is (anything over an opaque colour is opaque).
///
/// Errors: [`OpsError::EmptySize`] / [`OpsError::TooLarge`] for the canvas size.
pub fn place(
    img: &Image,
    canvas_width: u32,
    canvas_height: u32,
    offset_x: i64,
    offset_y: i64,
    background: Rgba,
) -> Result<Image, OpsError> {
    let layout = if background[3] == 255 {
        PixelLayout::Rgb8
    } else {
        PixelLayout::Rgba8
    };
    let mut data = buffer::with_capacity(OP, canvas_width, canvas_height, layout)?;
    // One row pixel by pixel, then whole-row copies (memcpy) for the rest.
    let fill = &background[..layout.channels()];
    for _ in 0..canvas_width {
        data.extend_from_slice(fill);
    }
    let row_len = data.len();
    for _ in 1..canvas_height {
        data.extend_from_within(..row_len);
    }
    // The part of the image that lands on the canvas, in image and canvas coordinates.
    let span = |offset: i64, len: u32, canvas: u32| -> Option<(usize, usize, usize)> {
        let start = offset.max(0);
        let end = (offset + i64::from(len)).min(i64::from(canvas));
        (end > start).then(|| {
            let skip = usize::try_from(start - offset).unwrap_or(0);
            let at = usize::try_from(start).unwrap_or(0);
            let n = usize::try_from(end - start).unwrap_or(0);
            (skip, at, n)
        })
    };
    let (Some((sx, cx, nx)), Some((sy, cy, ny))) = (
        span(offset_x, img.width(), canvas_width),
        span(offset_y, img.height(), canvas_height),
    ) else {
        return buffer::image_from(OP, canvas_width, canvas_height, layout, data);
    };
    let src_ch = img.layout().channels();
    let dst_ch = layout.channels();
    let src_rows = img
        .data()
        .chunks_exact(img.stride())
        .skip(sy)
        .take(ny)
        .map(|row| row.get(sx * src_ch..(sx + nx) * src_ch).unwrap_or_default());
    let canvas_stride = canvas_width as usize * dst_ch;
    let dst_rows = data
        .chunks_exact_mut(canvas_stride)
        .skip(cy)
        .take(ny)
        .filter_map(|row| row.get_mut(cx * dst_ch..(cx + nx) * dst_ch));
    let bg3 = [background[0], background[1], background[2]];
    for (s, d) in src_rows.zip(dst_rows) {
        match (img.layout(), layout) {
            (PixelLayout::Rgb8, PixelLayout::Rgb8) => d.copy_from_slice(s),
            (PixelLayout::Rgb8, PixelLayout::Rgba8) => {
                let (s, _) = s.as_chunks::<3>();
                let (d, _) = d.as_chunks_mut::<4>();
                for (d, s) in d.iter_mut().zip(s) {
                    *d = [s[0], s[1], s[2], 255];
                }
            }
            (PixelLayout::Rgba8, PixelLayout::Rgb8) => {
                let (s, _) = s.as_chunks::<4>();
                let (d, _) = d.as_chunks_mut::<3>();
                for (d, s) in d.iter_mut().zip(s) {
                    *d = over_opaque(s, bg3);
                }
            }
            (PixelLayout::Rgba8, PixelLayout::Rgba8) => {
                let (s, _) = s.as_chunks::<4>();
                let (d, _) = d.as_chunks_mut::<4>();
                for (d, s) in d.iter_mut().zip(s) {
                    *d = over(s, &background);
                }
            }
        }
    }
    buffer::image_from(OP, canvas_width, canvas_height, layout, data)
}

/// `img` composited over the opaque colour `background`, as [`PixelLayout::Rgb8`]: what a
/// format without alpha (JPEG) gets. Transparent pixels become exactly the background.
/// An Rgb8 image is returned as a copy.
pub fn flatten(img: &Image, background: [u8; 3]) -> Result<Image, OpsError> {
    if img.layout() == PixelLayout::Rgb8 {
        return Ok(img.clone());
    }
    let mut data = buffer::with_capacity(OP, img.width(), img.height(), PixelLayout::Rgb8)?;
    let (src, _) = img.data().as_chunks::<4>();
    for s in src {
        data.extend_from_slice(&over_opaque(s, background));
    }
    buffer::image_from(OP, img.width(), img.height(), PixelLayout::Rgb8, data)
}

/// `img` as [`PixelLayout::Rgba8`] (opaque alpha added); an Rgba8 image is returned as a copy.
pub fn to_rgba(img: &Image) -> Result<Image, OpsError> {
    if img.layout() == PixelLayout::Rgba8 {
        return Ok(img.clone());
    }
    let mut data = buffer::with_capacity(OP, img.width(), img.height(), PixelLayout::Rgba8)?;
    let (src, _) = img.data().as_chunks::<3>();
    for s in src {
        data.extend_from_slice(&[s[0], s[1], s[2], 255]);
    }
    buffer::image_from(OP, img.width(), img.height(), PixelLayout::Rgba8, data)
}

/// `img` as [`PixelLayout::Rgb8`] with the alpha channel dropped, for images known to be
/// opaque (see [`is_opaque`]); to composite translucent pixels use [`flatten`]. An Rgb8
/// image is returned as a copy.
pub fn to_rgb(img: &Image) -> Result<Image, OpsError> {
    if img.layout() == PixelLayout::Rgb8 {
        return Ok(img.clone());
    }
    let mut data = buffer::with_capacity(OP, img.width(), img.height(), PixelLayout::Rgb8)?;
    let (src, _) = img.data().as_chunks::<4>();
    for s in src {
        data.extend_from_slice(&[s[0], s[1], s[2]]);
    }
    buffer::image_from(OP, img.width(), img.height(), PixelLayout::Rgb8, data)
}

/// Whether every pixel is fully opaque (always true for Rgb8).
pub fn is_opaque(img: &Image) -> bool {
    match img.layout() {
        PixelLayout::Rgb8 => true,
        PixelLayout::Rgba8 => img.data().as_chunks::<4>().0.iter().all(|p| p[3] == 255),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, layout: PixelLayout, px: &[u8]) -> Image {
        Image::filled(w, h, layout, px).unwrap()
    }

    #[test]
    fn div255_rounds_to_nearest() {
        for n in 0..=(255 * 255) {
            assert_eq!(div255(n), (n as f64 / 255.0).round() as u32, "{n}");
        }
    }

    #[test]
    fn over_matches_float_math() {
        for sa in (0..=255u8).step_by(5) {
            for ba in (0..=255u8).step_by(15) {
                let (s, b) = ([250, 10, 128, sa], [0, 200, 64, ba]);
                let got = over(&s, &b);
                let (fs, fb) = (f64::from(sa) / 255.0, f64::from(ba) / 255.0);
                let fa = fs + fb * (1.0 - fs);
                assert!(
                    (f64::from(got[3]) - fa * 255.0).abs() <= 0.51,
                    "{s:?} over {b:?}: {got:?}"
                );
                if got[3] > 0 {
                    for c in 0..3 {
                        let want = (f64::from(s[c]) * fs + f64::from(b[c]) * fb * (1.0 - fs)) / fa;
                        assert!(
                            (f64::from(got[c]) - want).abs() <= 0.51,
                            "{s:?} over {b:?}: {got:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn place_positions_and_clips() {
        // 2x2 red on a 4x3 blue canvas; '.' = background, 'r' = image.
        let red = img(2, 2, PixelLayout::Rgb8, &[255, 0, 0]);
        let cases: [(i64, i64, [&str; 3]); 4] = [
            (0, 0, ["rr..", "rr..", "...."]),
            (1, 1, ["....", ".rr.", ".rr."]),
            (-1, 2, ["....", "....", "r..."]),
            (4, 0, ["....", "....", "...."]),
        ];
        for (x, y, rows) in cases {
            let out = place(&red, 4, 3, x, y, [0, 0, 255, 255]).unwrap();
            assert_eq!(
                (out.width(), out.height(), out.layout()),
                (4, 3, PixelLayout::Rgb8)
            );
            let mut expected = Vec::new();
            for row in rows {
                for c in row.bytes() {
                    expected.extend_from_slice(if c == b'r' {
                        &[255, 0, 0]
                    } else {
                        &[0, 0, 255]
                    });
                }
            }
            assert_eq!(out.data(), &expected[..], "offset {x},{y}");
        }
    }

    #[test]
    fn place_layouts_and_blending() {
        let half_red = img(1, 1, PixelLayout::Rgba8, &[255, 0, 0, 128]);
        let cases: [(&Image, Rgba, PixelLayout, &[u8]); 5] = [
            // Over opaque white: half red, half white.
            (
                &half_red,
                [255, 255, 255, 255],
                PixelLayout::Rgb8,
                &[255, 127, 127],
            ),
            // Over transparent: the pixel unchanged.
            (
                &half_red,
                [255, 255, 255, 0],
                PixelLayout::Rgba8,
                &[255, 0, 0, 128],
            ),
            // Over half-transparent blue: a = 0.5 + 0.5·0.5 = 0.75.
            (
                &half_red,
                [0, 0, 255, 128],
                PixelLayout::Rgba8,
                &[170, 0, 85, 192],
            ),
            (
                &img(1, 1, PixelLayout::Rgb8, &[9, 8, 7]),
                [0, 0, 0, 0],
                PixelLayout::Rgba8,
                &[9, 8, 7, 255],
            ),
            (
                &img(1, 1, PixelLayout::Rgba8, &[9, 8, 7, 0]),
                [1, 2, 3, 255],
                PixelLayout::Rgb8,
                &[1, 2, 3],
            ),
        ];
        for (src, bg, layout, px) in cases {
            let out = place(src, 1, 1, 0, 0, bg).unwrap();
            assert_eq!((out.layout(), out.data()), (layout, px), "bg {bg:?}");
        }
    }

    #[test]
    fn place_rejects_empty_canvas() {
        let one = img(1, 1, PixelLayout::Rgb8, &[0, 0, 0]);
        assert!(matches!(
            place(&one, 0, 5, 0, 0, [0; 4]),
            Err(OpsError::EmptySize { .. })
        ));
    }

    #[test]
    fn flatten_makes_transparent_the_background() {
        let src = Image::from_vec(
            3,
            1,
            PixelLayout::Rgba8,
            vec![0, 0, 0, 0, 10, 20, 30, 255, 200, 100, 0, 51],
        )
        .unwrap();
        let out = flatten(&src, [255, 255, 255]).unwrap();
        assert_eq!(out.layout(), PixelLayout::Rgb8);
        // 51/255 = 0.2: 0.2·200 + 0.8·255 = 244, 0.2·100 + 0.8·255 = 224, 0.8·255 = 204.
        assert_eq!(out.data(), &[255, 255, 255, 10, 20, 30, 244, 224, 204]);
        let rgb = img(2, 2, PixelLayout::Rgb8, &[1, 2, 3]);
        assert_eq!(flatten(&rgb, [0, 0, 0]).unwrap(), rgb);
    }

    #[test]
    fn layout_conversions() {
        let rgb = Image::from_vec(2, 1, PixelLayout::Rgb8, vec![1, 2, 3, 4, 5, 6]).unwrap();
        let rgba = to_rgba(&rgb).unwrap();
        assert_eq!(rgba.data(), &[1, 2, 3, 255, 4, 5, 6, 255]);
        assert!(is_opaque(&rgba));
        assert_eq!(to_rgb(&rgba).unwrap(), rgb);
        let translucent = Image::from_vec(1, 1, PixelLayout::Rgba8, vec![1, 2, 3, 254]).unwrap();
        assert!(!is_opaque(&translucent));
        assert!(is_opaque(&rgb));
    }
}
