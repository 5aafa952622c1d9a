//! Codec layer: every format and variant decodes to the right size and pixels; orientation,
//! DCT scaling, ICC, limits, header bombs, round trips, truncated and garbage input.

// Table-driven cases are tuples of the case data; naming each tuple type would not help.
#![allow(clippy::type_complexity)]

#[path = "../benches/common/mod.rs"]
mod corpus;
mod support;

use std::borrow::Cow;

use pixform::codec::{
    decode, encode, probe, scaled_size, CodecError, ColorModel, DecodeOptions, EncodeOptions,
};
use pixform::ops::Orientation;
use pixform::{Image, PixelLayout};
use pixform::{ImageFormat, LimitKind, Limits};

/// `img` turned by EXIF orientation `o` (values outside 1..=8 leave it as is).
fn apply_orientation(img: Image, o: u8) -> Image {
    let o = Orientation::from_exif(o).unwrap_or_default();
    o.apply_owned(img).expect("orient")
}

// ---------------------------------------------------------------- helpers

/// A smooth RGB gradient (lossy codecs keep it within a few levels).
fn gradient(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for y in 0..h {
        for x in 0..w {
            v.push((x * 255 / (w - 1).max(1)) as u8);
            v.push((y * 255 / (h - 1).max(1)) as u8);
            v.push(128);
        }
    }
    v
}

/// Adds an alpha channel that ramps along x.
fn with_alpha(rgb: &[u8], w: u32) -> Vec<u8> {
    rgb.chunks_exact(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], ((i as u32 % w) * 255 / (w - 1)) as u8])
        .collect()
}

/// Mean and max absolute difference of two equally long buffers.
fn diff(a: &[u8], b: &[u8]) -> (f64, u8) {
    assert_eq!(a.len(), b.len(), "buffer lengths differ");
    let mut sum = 0u64;
    let mut max = 0u8;
    for (x, y) in a.iter().zip(b) {
        let d = x.abs_diff(*y);
        sum += u64::from(d);
        max = max.max(d);
    }
    (sum as f64 / a.len().max(1) as f64, max)
}

fn assert_close(got: &Image, want: &[u8], mean: f64, max: u8, what: &str) {
    let (m, x) = diff(got.data(), want);
    assert!(
        m <= mean && x <= max,
        "{what}: mean diff {m:.2} (≤ {mean}), max {x} (≤ {max})"
    );
}

fn dec(bytes: &[u8]) -> pixform::codec::Decoded {
    decode(bytes, &Limits::default(), &DecodeOptions::default()).expect("decode")
}

fn jpeg_enc(
    data: &[u8],
    w: u16,
    h: u16,
    color: jpeg_encoder::ColorType,
    progressive: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 95);
    e.set_progressive(progressive);
    e.encode(data, w, h, color).expect("jpeg encode");
    out
}

/// Removes every APP14 (Adobe) segment from a JPEG.
fn strip_app14(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF && jpeg[pos + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        if jpeg[pos + 1] != 0xEE {
            out.extend_from_slice(&jpeg[pos..pos + 2 + len]);
        }
        pos += 2 + len;
    }
    out.extend_from_slice(&jpeg[pos..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        out.extend_from_slice(&(c.len() as u16).to_le_bytes());
        out.extend_from_slice(&(!(c.len() as u16)).to_le_bytes());
        out.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// An 8-bit RGB PNG, Adam7-interlaced, written by hand (the `png` encoder does not interlace).
fn interlaced_png(rgb: &[u8], w: u32, h: u32) -> Vec<u8> {
    const PASSES: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in PASSES {
        if x0 >= w || y0 >= h {
            continue;
        }
        for y in (y0..h).step_by(dy as usize) {
            raw.push(0);
            for x in (x0..w).step_by(dx as usize) {
                let i = ((y * w + x) * 3) as usize;
                raw.extend_from_slice(&rgb[i..i + 3]);
            }
        }
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 1]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG through the `png` encoder with any colour type / depth and optional extras.
fn png_enc(
    data: &[u8],
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    extra: impl FnOnce(&mut png::Info<'static>),
) -> Vec<u8> {
    let mut info = png::Info::with_size(w, h);
    info.color_type = color;
    info.bit_depth = depth;
    extra(&mut info);
    let mut out = Vec::new();
    {
        let enc = png::Encoder::with_info(&mut out, info).expect("png info");
        let mut wr = enc.write_header().expect("png header");
        wr.write_image_data(data).expect("png data");
        wr.finish().expect("png finish");
    }
    out
}

/// A GIF with the given logical screen and frames (left, top, w, h, rgba pixels).
fn gif_enc(screen: (u16, u16), frames: &[(u16, u16, u16, u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = gif::Encoder::new(&mut out, screen.0, screen.1, &[]).expect("gif");
        for (left, top, w, h, px) in frames {
            let mut px = px.clone();
            let mut f = gif::Frame::from_rgba_speed(*w, *h, &mut px, 10);
            f.left = *left;
            f.top = *top;
            e.write_frame(&f).expect("gif frame");
        }
    }
    out
}

fn webp_lossy(data: &[u8], w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let e = if alpha {
        webp::Encoder::from_rgba(data, w, h)
    } else {
        webp::Encoder::from_rgb(data, w, h)
    };
    e.encode(95.0).to_vec()
}

fn webp_lossless(data: &[u8], w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let e = if alpha {
        webp::Encoder::from_rgba(data, w, h)
    } else {
        webp::Encoder::from_rgb(data, w, h)
    };
    e.encode_lossless().to_vec()
}

// ---------------------------------------------------------------- decoding

#[test]
fn jpeg_variants_decode() {
    let (w, h) = (37u32, 23u32);
    let rgb = gradient(w, h);
    let grey: Vec<u8> = rgb.chunks_exact(3).map(|p| p[0]).collect();
    let grey_rgb: Vec<u8> = grey.iter().flat_map(|&g| [g, g, g]).collect();
    use jpeg_encoder::ColorType as C;
    let cases: [(&str, Vec<u8>, &Vec<u8>, bool, ColorModel); 3] = [
        (
            "baseline",
            jpeg_enc(&rgb, 37, 23, C::Rgb, false),
            &rgb,
            false,
            ColorModel::YCbCr,
        ),
        (
            "progressive",
            jpeg_enc(&rgb, 37, 23, C::Rgb, true),
            &rgb,
            true,
            ColorModel::YCbCr,
        ),
        (
            "greyscale",
            jpeg_enc(&grey, 37, 23, C::Luma, false),
            &grey_rgb,
            false,
            ColorModel::Grey,
        ),
    ];
    for (name, bytes, want, progressive, model) in cases {
        let info = probe(&bytes, &Limits::default()).expect(name);
        assert_eq!(
            (info.width, info.height, info.progressive, info.color_model),
            (w, h, progressive, model),
            "{name}"
        );
        let d = dec(&bytes);
        assert_eq!(
            (d.image.width(), d.image.height(), d.image.layout()),
            (w, h, PixelLayout::Rgb8),
            "{name}"
        );
        assert_close(&d.image, want, 2.0, 24, name);
    }
}

/// An unknown JFIF major version: libjpeg-turbo warns, every decoder shows the picture.
#[test]
fn jpeg_with_unknown_jfif_version_decodes() {
    let rgb = gradient(37, 23);
    let mut bytes = jpeg_enc(&rgb, 37, 23, jpeg_encoder::ColorType::Rgb, false);
    let jfif = bytes
        .windows(5)
        .position(|w| w == b"JFIF\0")
        .expect("JFIF APP0");
    bytes[jfif + 5] = 2;
    for denom in [1u8, 2] {
        let d = decode(
            &bytes,
            &Limits::default(),
            &DecodeOptions {
                scale_denom: denom,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("1/{denom}: {e}"));
        assert_eq!(
            (d.image.width(), d.image.height()),
            scaled_size(37, 23, denom)
        );
        if denom == 1 {
            assert_close(&d.image, &rgb, 2.0, 24, "JFIF 2.1");
        }
    }
}

#[test]
fn cmyk_jpegs_decode_to_the_right_colours() {
    // Ink amounts (0 = no ink) and the naive RGB they give.
    let inks: [([u8; 4], [u8; 3]); 4] = [
        ([0, 0, 0, 0], [255, 255, 255]),
        ([255, 0, 0, 0], [0, 255, 255]),
        ([0, 200, 200, 0], [255, 55, 55]),
        ([0, 0, 0, 128], [127, 127, 127]),
    ];
    for (ink, rgb) in inks {
        let plane: Vec<u8> = ink.iter().copied().cycle().take(16 * 16 * 4).collect();
        let inverted: Vec<u8> = plane.iter().map(|v| 255 - v).collect();
        let adobe_cmyk = jpeg_enc(&plane, 16, 16, jpeg_encoder::ColorType::Cmyk, false);
        let adobe_ycck = jpeg_enc(&plane, 16, 16, jpeg_encoder::ColorType::CmykAsYcck, false);
        // jpeg-encoder stores 255 − ink (Adobe style); fed inverted ink and stripped of APP14,
        // the file stores plain ink as non-Adobe writers do.
        let plain_cmyk = strip_app14(&jpeg_enc(
            &inverted,
            16,
            16,
            jpeg_encoder::ColorType::Cmyk,
            false,
        ));
        for (name, bytes, model) in [
            ("adobe cmyk", adobe_cmyk, ColorModel::Cmyk),
            ("adobe ycck", adobe_ycck, ColorModel::Ycck),
            ("plain cmyk", plain_cmyk, ColorModel::Cmyk),
        ] {
            assert_eq!(
                probe(&bytes, &Limits::default()).expect(name).color_model,
                model,
                "{name}"
            );
            let want: Vec<u8> = rgb.iter().copied().cycle().take(16 * 16 * 3).collect();
            assert_close(
                &dec(&bytes).image,
                &want,
                3.0,
                8,
                &format!("{name} {ink:?}"),
            );
            let half = decode(
                &bytes,
                &Limits::default(),
                &DecodeOptions {
                    scale_denom: 2,
                    ..Default::default()
                },
            )
            .expect(name);
            assert_eq!(
                (half.image.width(), half.image.height()),
                (8, 8),
                "{name} scaled"
            );
            assert_close(
                &half.image,
                &want[..8 * 8 * 3],
                3.0,
                8,
                &format!("{name} scaled {ink:?}"),
            );
        }
    }
}

#[test]
fn png_variants_decode() {
    let (w, h) = (13u32, 7u32);
    let rgb = gradient(w, h);
    let rgba = with_alpha(&rgb, w);
    let grey: Vec<u8> = rgb.chunks_exact(3).map(|p| p[0]).collect();
    let grey_alpha: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[3]]).collect();
    let expand = |g: &[u8]| -> Vec<u8> { g.iter().flat_map(|&v| [v, v, v]).collect() };
    // 16-bit samples chosen so that truncation and rounding differ: v = 257·k + 200 → k + 1.
    let rgb16: Vec<u8> = rgb
        .iter()
        .flat_map(|&v| (u16::from(v.min(254)) * 257 + 200).to_be_bytes())
        .collect();
    let rgb16_want: Vec<u8> = rgb.iter().map(|&v| v.min(254) + 1).collect();
    // A 4-entry palette, index = (x + y) % 4, entry 3 transparent.
    let palette = [10u8, 20, 30, 200, 100, 0, 0, 255, 0, 90, 90, 90];
    let idx: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| ((x + y) % 4) as u8))
        .collect();
    let pal_rgb: Vec<u8> = idx
        .iter()
        .flat_map(|&i| palette[i as usize * 3..i as usize * 3 + 3].to_vec())
        .collect();
    let pal_rgba: Vec<u8> = idx
        .iter()
        .flat_map(|&i| {
            let p = &palette[i as usize * 3..i as usize * 3 + 3];
            [p[0], p[1], p[2], if i == 3 { 0 } else { 255 }]
        })
        .collect();
    // 1-bit grey: a checkerboard packed MSB first, rows padded to a byte.
    let bits: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w.div_ceil(8)).map(move |byte| {
                (0..8).fold(0u8, |acc, b| {
                    let x = byte * 8 + b;
                    acc | (u8::from(x < w && (x + y) % 2 == 0) << (7 - b))
                })
            })
        })
        .collect();
    let bits_want: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| if (x + y) % 2 == 0 { [255; 3] } else { [0; 3] }))
        .collect();
    use png::{BitDepth as D, ColorType as C};
    let none = |_: &mut png::Info<'static>| {};
    let cases: Vec<(&str, Vec<u8>, PixelLayout, Vec<u8>, bool)> = vec![
        (
            "rgb8",
            png_enc(&rgb, w, h, C::Rgb, D::Eight, none),
            PixelLayout::Rgb8,
            rgb.clone(),
            false,
        ),
        (
            "rgba8",
            png_enc(&rgba, w, h, C::Rgba, D::Eight, none),
            PixelLayout::Rgba8,
            rgba.clone(),
            false,
        ),
        (
            "grey8",
            png_enc(&grey, w, h, C::Grayscale, D::Eight, none),
            PixelLayout::Rgb8,
            expand(&grey),
            false,
        ),
        (
            "grey+alpha",
            png_enc(&grey_alpha, w, h, C::GrayscaleAlpha, D::Eight, none),
            PixelLayout::Rgba8,
            grey_alpha
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            false,
        ),
        (
            "rgb16 rounded",
            png_enc(&rgb16, w, h, C::Rgb, D::Sixteen, none),
            PixelLayout::Rgb8,
            rgb16_want,
            false,
        ),
        (
            "palette",
            png_enc(&idx, w, h, C::Indexed, D::Eight, |i| {
                i.palette = Some(Cow::Owned(palette.to_vec()))
            }),
            PixelLayout::Rgb8,
            pal_rgb,
            false,
        ),
        (
            "palette+tRNS",
            png_enc(&idx, w, h, C::Indexed, D::Eight, |i| {
                i.palette = Some(Cow::Owned(palette.to_vec()));
                i.trns = Some(Cow::Owned(vec![255, 255, 255, 0]));
            }),
            PixelLayout::Rgba8,
            pal_rgba,
            false,
        ),
        (
            "grey1",
            png_enc(&bits, w, h, C::Grayscale, D::One, none),
            PixelLayout::Rgb8,
            bits_want,
            false,
        ),
        (
            "interlaced",
            interlaced_png(&rgb, w, h),
            PixelLayout::Rgb8,
            rgb.clone(),
            true,
        ),
    ];
    for (name, bytes, layout, want, interlaced) in cases {
        let info = probe(&bytes, &Limits::default()).expect(name);
        assert_eq!(
            (info.width, info.height, info.has_alpha, info.progressive),
            (w, h, layout.has_alpha(), interlaced),
            "{name}"
        );
        let d = dec(&bytes);
        assert_eq!(
            (d.image.width(), d.image.height(), d.image.layout()),
            (w, h, layout),
            "{name}"
        );
        assert_eq!(d.image.data(), &want[..], "{name}");
    }
}

#[test]
fn webp_variants_decode() {
    let (w, h) = (29u32, 17u32);
    let rgb = gradient(w, h);
    let rgba = with_alpha(&rgb, w);
    let cases: Vec<(&str, Vec<u8>, PixelLayout, &Vec<u8>, f64, u8)> = vec![
        (
            "lossy",
            webp_lossy(&rgb, w, h, false),
            PixelLayout::Rgb8,
            &rgb,
            3.0,
            30,
        ),
        (
            "lossy+alpha",
            webp_lossy(&rgba, w, h, true),
            PixelLayout::Rgba8,
            &rgba,
            3.0,
            30,
        ),
        (
            "lossless",
            webp_lossless(&rgb, w, h, false),
            PixelLayout::Rgb8,
            &rgb,
            0.0,
            0,
        ),
        (
            "lossless+alpha",
            webp_lossless(&rgba, w, h, true),
            PixelLayout::Rgba8,
            &rgba,
            0.0,
            0,
        ),
    ];
    for (name, bytes, layout, want, mean, max) in cases {
        let info = probe(&bytes, &Limits::default()).expect(name);
        assert_eq!(
            (info.width, info.height, info.has_alpha),
            (w, h, layout.has_alpha()),
            "{name}"
        );
        let d = dec(&bytes);
        assert_eq!(
            (d.image.width(), d.image.height(), d.image.layout()),
            (w, h, layout),
            "{name}"
        );
        // Lossy WebP may change the colour of fully transparent pixels: compare visible ones.
        let visible = |data: &[u8]| -> Vec<u8> {
            if layout != PixelLayout::Rgba8 {
                return data.to_vec();
            }
            data.chunks_exact(4)
                .flat_map(|p| {
                    if p[3] == 0 {
                        [0; 4]
                    } else {
                        [p[0], p[1], p[2], p[3]]
                    }
                })
                .collect()
        };
        let got = Image::from_vec(w, h, layout, visible(d.image.data())).unwrap();
        assert_close(&got, &visible(want), mean, max, name);
    }
}

#[test]
fn gif_first_frame_on_the_logical_screen() {
    let red: Vec<u8> = [255u8, 0, 0, 255].repeat(8 * 8);
    let blue: Vec<u8> = [0u8, 0, 255, 255].repeat(8 * 8);
    // Opaque full-screen frame, then a second frame: decode shows the first only.
    let full = gif_enc((8, 8), &[(0, 0, 8, 8, red.clone()), (0, 0, 8, 8, blue)]);
    let info = probe(&full, &Limits::default()).expect("gif");
    assert_eq!(
        (info.width, info.height, info.frames, info.has_alpha),
        (8, 8, 2, false)
    );
    let d = dec(&full);
    assert_eq!(d.image.layout(), PixelLayout::Rgb8);
    assert_eq!(d.image.data(), &[255u8, 0, 0].repeat(64)[..]);
    // A frame that sticks out of the screen on the right and bottom is clipped; the uncovered
    // part of the screen is transparent.
    let off = gif_enc((8, 8), &[(4, 4, 8, 8, red.clone())]);
    let info = probe(&off, &Limits::default()).expect("gif offset");
    assert!(info.has_alpha);
    let d = dec(&off);
    assert_eq!(
        (d.image.width(), d.image.height(), d.image.layout()),
        (8, 8, PixelLayout::Rgba8)
    );
    for y in 0..8 {
        for x in 0..8 {
            let i = (y * 8 + x) * 4;
            let want: [u8; 4] = if x >= 4 && y >= 4 {
                [255, 0, 0, 255]
            } else {
                [0, 0, 0, 0]
            };
            assert_eq!(&d.image.data()[i..i + 4], &want, "({x},{y})");
        }
    }
    // A frame entirely outside the screen: all transparent, no panic.
    let outside = gif_enc((8, 8), &[(100, 100, 8, 8, red.clone())]);
    assert!(dec(&outside).image.data().iter().all(|&v| v == 0));
    // Transparent index.
    let mut holes = red.clone();
    holes[3] = 0;
    let t = gif_enc((8, 8), &[(0, 0, 8, 8, holes)]);
    let d = dec(&t);
    assert_eq!(d.image.layout(), PixelLayout::Rgba8);
    assert_eq!((d.image.data()[3], d.image.data()[7]), (0, 255));
}

// ---------------------------------------------------------------- orientation

/// The 3×2 image `a b c / d e f` with each pixel a distinct value.
fn abc() -> Image {
    Image::from_vec(
        3,
        2,
        PixelLayout::Rgb8,
        (1..=6u8).flat_map(|v| [v, v * 10, v * 20]).collect(),
    )
    .unwrap()
}

fn labels(img: &Image) -> (u32, u32, Vec<u8>) {
    (
        img.width(),
        img.height(),
        img.data().chunks_exact(3).map(|p| p[0]).collect(),
    )
}

#[test]
fn apply_orientation_table() {
    // a=1 b=2 c=3 d=4 e=5 f=6, row-major output.
    let cases: [(u8, (u32, u32), [u8; 6]); 9] = [
        (1, (3, 2), [1, 2, 3, 4, 5, 6]),
        (2, (3, 2), [3, 2, 1, 6, 5, 4]),
        (3, (3, 2), [6, 5, 4, 3, 2, 1]),
        (4, (3, 2), [4, 5, 6, 1, 2, 3]),
        (5, (2, 3), [1, 4, 2, 5, 3, 6]),
        (6, (2, 3), [4, 1, 5, 2, 6, 3]),
        (7, (2, 3), [6, 3, 5, 2, 4, 1]),
        (8, (2, 3), [3, 6, 2, 5, 1, 4]),
        (0, (3, 2), [1, 2, 3, 4, 5, 6]),
    ];
    for (o, size, want) in cases {
        let got = labels(&apply_orientation(abc(), o));
        assert_eq!(got, (size.0, size.1, want.to_vec()), "orientation {o}");
    }
}

#[test]
fn apply_orientation_across_tiles_matches_naive() {
    let (w, h) = (131u32, 70u32);
    let data: Vec<u8> = (0..w * h * 4)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let img = Image::from_vec(w, h, PixelLayout::Rgba8, data.clone()).unwrap();
    let px = |x: u32, y: u32| &data[((y * w + x) * 4) as usize..((y * w + x) * 4 + 4) as usize];
    for o in 5..=8u8 {
        let out = apply_orientation(img.clone(), o);
        assert_eq!((out.width(), out.height()), (h, w));
        for oy in 0..w {
            for ox in 0..h {
                let (sx, sy) = match o {
                    5 => (oy, ox),
                    6 => (oy, h - 1 - ox),
                    7 => (w - 1 - oy, h - 1 - ox),
                    _ => (w - 1 - oy, ox),
                };
                let i = ((oy * h + ox) * 4) as usize;
                assert_eq!(&out.data()[i..i + 4], px(sx, sy), "o={o} ({ox},{oy})");
            }
        }
    }
}

/// EXIF block with only an orientation entry (big-endian TIFF).
fn exif_orientation(o: u16) -> Vec<u8> {
    let mut v = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    v.extend_from_slice(&o.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    v
}

#[test]
fn every_exif_orientation_decodes_to_the_same_upright_image() {
    let upright = abc();
    // The inverse of each orientation (6 and 8 undo each other, the rest are involutions).
    let inverse = |o: u8| match o {
        6 => 8,
        8 => 6,
        o => o,
    };
    for o in 1..=8u8 {
        let stored = apply_orientation(upright.clone(), inverse(o));
        let bytes = png_enc(
            stored.data(),
            stored.width(),
            stored.height(),
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            |i| i.exif_metadata = Some(Cow::Owned(exif_orientation(u16::from(o)))),
        );
        let info = probe(&bytes, &Limits::default()).expect("probe");
        assert_eq!(
            (info.orientation.exif(), info.width, info.height),
            (o, 3, 2),
            "orientation {o}"
        );
        let d = dec(&bytes);
        assert_eq!(d.orientation.exif(), o);
        assert_eq!(
            apply_orientation(d.image, d.orientation.exif()),
            upright,
            "orientation {o}"
        );
    }
    // An invalid orientation value is ignored.
    let bytes = png_enc(
        upright.data(),
        3,
        2,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        |i| i.exif_metadata = Some(Cow::Owned(exif_orientation(42))),
    );
    assert_eq!(
        probe(&bytes, &Limits::default()).unwrap().orientation,
        Orientation::Identity
    );
}

// ---------------------------------------------------------------- JPEG DCT scaling

#[test]
fn scaled_jpeg_sizes_are_ceil_w_over_d() {
    let sizes = [
        (1u32, 1u32),
        (2, 2),
        (7, 3),
        (17, 9),
        (64, 64),
        (100, 1),
        (1, 100),
        (33, 65),
        (250, 13),
    ];
    for (w, h) in sizes {
        let bytes = jpeg_enc(
            &gradient(w, h),
            w as u16,
            h as u16,
            jpeg_encoder::ColorType::Rgb,
            false,
        );
        for d in [1u8, 2, 4, 8] {
            let got = decode(
                &bytes,
                &Limits::default(),
                &DecodeOptions {
                    scale_denom: d,
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("{w}x{h} /{d}: {e}"));
            let want = (w.div_ceil(u32::from(d)), h.div_ceil(u32::from(d)));
            assert_eq!(
                (got.image.width(), got.image.height()),
                want,
                "{w}x{h} /{d}"
            );
            assert_eq!(scaled_size(w, h, d), want);
        }
    }
    // Other formats ignore the factor.
    let png = png_enc(
        &gradient(9, 9),
        9,
        9,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        |_| {},
    );
    let d = decode(
        &png,
        &Limits::default(),
        &DecodeOptions {
            scale_denom: 4,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((d.image.width(), d.image.height()), (9, 9));
}

#[test]
fn scaled_jpeg_keeps_the_picture() {
    let (w, h) = (64u32, 48u32);
    let rgb = gradient(w, h);
    let bytes = jpeg_enc(&rgb, 64, 48, jpeg_encoder::ColorType::Rgb, false);
    let d = decode(
        &bytes,
        &Limits::default(),
        &DecodeOptions {
            scale_denom: 4,
            ..Default::default()
        },
    )
    .unwrap();
    // Compare with the 4×4 block means of the source.
    let mut want = Vec::new();
    for by in 0..12 {
        for bx in 0..16 {
            for c in 0..3 {
                let mut s = 0u32;
                for y in 0..4 {
                    for x in 0..4 {
                        s += u32::from(rgb[(((by * 4 + y) * 64 + bx * 4 + x) * 3 + c) as usize]);
                    }
                }
                want.push((s / 16) as u8);
            }
        }
    }
    assert_close(&d.image, &want, 2.0, 12, "1/4 scale");
}

/// j7 (benches/corpus/LICENSES.md): stored 2056×3088 with EXIF Orientation=6, displayed
/// 3088×2056.
#[test]
fn corpus_orientation_6_probe() {
    let bytes = corpus::corpus_file("j7-aitzgorri-orient6-2056x3088-baseline.jpg");
    let info = probe(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        (
            info.orientation.exif(),
            info.stored_width,
            info.stored_height,
            info.width,
            info.height
        ),
        (6, 2056, 3088, 3088, 2056)
    );
    let d = decode(
        &bytes,
        &Limits::default(),
        &DecodeOptions {
            scale_denom: 8,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (d.image.width(), d.image.height(), d.orientation.exif()),
        (257, 386, 6)
    );
    let upright = apply_orientation(d.image, d.orientation.exif());
    assert_eq!((upright.width(), upright.height()), (386, 257));
}

// ---------------------------------------------------------------- ICC

#[test]
fn icc_profiles_are_converted_or_kept() {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let px = [200u8, 100, 50].repeat(4 * 4);
    let bytes = png_enc(&px, 4, 4, png::ColorType::Rgb, png::BitDepth::Eight, |i| {
        i.icc_profile = Some(Cow::Owned(p3.clone()))
    });
    assert!(probe(&bytes, &Limits::default()).unwrap().has_icc);
    // Display-P3 (200, 100, 50) is sRGB ≈ (216, 93, 31) (P3→sRGB matrix by hand).
    let d = dec(&bytes);
    assert_eq!(d.icc_profile, None);
    let want = [216u8, 93, 31].repeat(16);
    assert_close(&d.image, &want, 2.0, 3, "P3 → sRGB");
    let kept = decode(
        &bytes,
        &Limits::default(),
        &DecodeOptions {
            to_srgb: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(kept.image.data(), &px[..]);
    assert_eq!(kept.icc_profile.as_deref(), Some(&p3[..]));
    // An sRGB profile changes nothing.
    let srgb = moxcms::ColorProfile::new_srgb().encode().unwrap();
    let bytes = png_enc(&px, 4, 4, png::ColorType::Rgb, png::BitDepth::Eight, |i| {
        i.icc_profile = Some(Cow::Owned(srgb))
    });
    assert_eq!(dec(&bytes).image.data(), &px[..]);
    // A broken profile is ignored.
    let bytes = png_enc(&px, 4, 4, png::ColorType::Rgb, png::BitDepth::Eight, |i| {
        i.icc_profile = Some(Cow::Owned(vec![1, 2, 3, 4, 5, 6, 7, 8]))
    });
    assert_eq!(dec(&bytes).image.data(), &px[..]);
}

// ---------------------------------------------------------------- encoding

/// Decodes `bytes` outside pixform's decode path (no colour management, orientation or
/// compositing of pixform's): jpeg-decoder called directly for JPEG (zune-jpeg, the other
/// candidate, misreads jpeg-encoder's optimized-Huffman files: mean error 116), libwebp for WebP
/// (pixform reads WebP with image-webp), and the `image` crate's PNG and GIF readers. Returns
/// the layout, size and pixels.
fn independent_decode(format: ImageFormat, bytes: &[u8]) -> (PixelLayout, u32, u32, Vec<u8>) {
    match format {
        ImageFormat::Jpeg => {
            let mut d = jpeg_decoder::Decoder::new(bytes);
            let px = d.decode().expect("jpeg-decoder decode");
            let info = d.info().expect("jpeg-decoder info");
            assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
            (PixelLayout::Rgb8, info.width.into(), info.height.into(), px)
        }
        ImageFormat::Webp => {
            let img = webp::Decoder::new(bytes).decode().expect("libwebp decode");
            let layout = if img.is_alpha() {
                PixelLayout::Rgba8
            } else {
                PixelLayout::Rgb8
            };
            (layout, img.width(), img.height(), img.to_vec())
        }
        ImageFormat::Png | ImageFormat::Gif => {
            let fmt = if format == ImageFormat::Png {
                image::ImageFormat::Png
            } else {
                image::ImageFormat::Gif
            };
            let img = image::load_from_memory_with_format(bytes, fmt).expect("image decode");
            let (w, h) = (img.width(), img.height());
            if img.color().has_alpha() {
                (PixelLayout::Rgba8, w, h, img.into_rgba8().into_raw())
            } else {
                (PixelLayout::Rgb8, w, h, img.into_rgb8().into_raw())
            }
        }
        other => panic!("no independent decoder for {other}"),
    }
}

#[test]
fn encode_decode_round_trips() {
    let (w, h) = (40u32, 30u32);
    let rgb = Image::from_vec(w, h, PixelLayout::Rgb8, gradient(w, h)).unwrap();
    let rgba = Image::from_vec(w, h, PixelLayout::Rgba8, with_alpha(rgb.data(), w)).unwrap();
    // (format, source, progressive, mean and max difference allowed after an independent
    // decode). The image crate's GIF reader gives RGBA for every GIF: the GIF case compares
    // its colour channels and checks that alpha is opaque.
    // Measured mean/max: JPEG 2.05/9, WebP RGB 1.72/9, WebP RGBA 1.33/32 (libwebp's lossy
    // alpha), GIF 9.3/56 (1200 colours through a 256-entry NeuQuant palette).
    let cases: Vec<(ImageFormat, &Image, bool, f64, u8)> = vec![
        (ImageFormat::Jpeg, &rgb, false, 2.5, 12),
        (ImageFormat::Jpeg, &rgb, true, 2.5, 12),
        (ImageFormat::Png, &rgb, false, 0.0, 0),
        (ImageFormat::Png, &rgba, false, 0.0, 0),
        (ImageFormat::Webp, &rgb, false, 2.0, 12),
        (ImageFormat::Webp, &rgba, false, 1.6, 40),
        (ImageFormat::Gif, &rgb, false, 10.0, 64),
    ];
    for (format, img, progressive, mean, max) in cases {
        let what = format!("{format} {:?} progressive={progressive}", img.layout());
        let opts = EncodeOptions {
            quality: 90,
            progressive,
            icc_profile: None,
        };
        let bytes = encode(img, format, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
        let info = probe(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            (
                info.format,
                info.width,
                info.height,
                info.progressive,
                info.has_icc,
                info.orientation.exif()
            ),
            (format, w, h, progressive, false, 1),
            "{what}"
        );
        let (layout, dw, dh, mut px) = independent_decode(format, &bytes);
        if format == ImageFormat::Gif {
            assert_eq!(layout, PixelLayout::Rgba8, "{what}");
            assert!(px.iter().skip(3).step_by(4).all(|&a| a == 255), "{what}");
            px = px
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
        } else {
            assert_eq!(layout, img.layout(), "{what}");
        }
        assert_eq!((dw, dh), (w, h), "{what}");
        let (m, x) = diff(&px, img.data());
        assert!(
            m <= mean && x <= max,
            "{what}: mean diff {m:.2} (≤ {mean}), max {x} (≤ {max})"
        );
        // pixform reads its own output as the independent decoder does (measured: identical
        // pixels; libjpeg-turbo's upsampling, with the `turbojpeg` feature, may differ slightly).
        let own = dec(&bytes);
        assert_eq!(own.image.layout(), img.layout(), "{what}");
        let (m, x) = diff(own.image.data(), img.data());
        assert!(m <= mean && x <= max, "{what}: own decode {m:.2} {x}");
        let (m, x) = diff(own.image.data(), &px);
        assert!(
            m <= 0.5 && x <= 4,
            "{what}: own vs independent decode {m:.2} {x}"
        );
    }
}

#[test]
fn gif_encode_keeps_alpha_as_transparent_index() {
    let mut px = [10u8, 200, 30, 255].repeat(6 * 6);
    for a in px.iter_mut().skip(3).step_by(4).take(6) {
        *a = 20;
    }
    let img = Image::from_vec(6, 6, PixelLayout::Rgba8, px).unwrap();
    let bytes = encode(&img, ImageFormat::Gif, &EncodeOptions::default()).unwrap();
    let d = dec(&bytes);
    assert_eq!(d.image.layout(), PixelLayout::Rgba8);
    let alphas: Vec<u8> = d.image.data().iter().skip(3).step_by(4).copied().collect();
    assert_eq!(alphas, [vec![0u8; 6], vec![255u8; 30]].concat());
}

#[cfg(feature = "avif")]
#[test]
fn avif_encodes() {
    let img = Image::from_vec(16, 16, PixelLayout::Rgb8, gradient(16, 16)).unwrap();
    let bytes = encode(&img, ImageFormat::Avif, &EncodeOptions::default()).unwrap();
    assert_eq!(&bytes[4..12], b"ftypavif");
    // The header is read (ravif writes 10-bit AV1); the pixels are decoded with the
    // `avif-decode` feature (a round trip close to the source), else 415 naming it.
    let info = probe(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        (info.format, info.width, info.height, info.bit_depth),
        (ImageFormat::Avif, 16, 16, 10)
    );
    let got = decode(&bytes, &Limits::default(), &DecodeOptions::default());
    if cfg!(feature = "avif-decode") {
        let d = got.expect("decodes");
        assert_eq!(
            (d.image.width(), d.image.height(), d.image.layout()),
            (16, 16, PixelLayout::Rgb8)
        );
        let mean = d
            .image
            .data()
            .iter()
            .zip(img.data())
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / img.data().len() as f64;
        assert!(mean < 3.0, "mean {mean}");
    } else {
        let e = got.unwrap_err();
        assert_eq!(e.http_status(), 415);
        assert!(e.to_string().contains("`avif-decode`"), "{e}");
    }
}

#[test]
fn icc_profile_is_embedded_only_when_given() {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let img = Image::from_vec(8, 8, PixelLayout::Rgb8, gradient(8, 8)).unwrap();
    let img_a = Image::from_vec(8, 8, PixelLayout::Rgba8, with_alpha(img.data(), 8)).unwrap();
    for (format, image) in [
        (ImageFormat::Jpeg, &img),
        (ImageFormat::Png, &img),
        (ImageFormat::Webp, &img),
        (ImageFormat::Webp, &img_a),
    ] {
        let plain = encode(image, format, &EncodeOptions::default()).unwrap();
        assert!(
            !probe(&plain, &Limits::default()).unwrap().has_icc,
            "{format}"
        );
        let opts = EncodeOptions {
            icc_profile: Some(p3.clone()),
            ..Default::default()
        };
        let tagged = encode(image, format, &opts).unwrap();
        let info = probe(&tagged, &Limits::default()).unwrap();
        assert!(info.has_icc, "{format}");
        assert_eq!(info.has_alpha, image.layout().has_alpha(), "{format}");
        let kept = decode(
            &tagged,
            &Limits::default(),
            &DecodeOptions {
                to_srgb: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(kept.icc_profile.as_deref(), Some(&p3[..]), "{format}");
        assert_eq!(kept.image.layout(), image.layout(), "{format}");
    }
}

#[test]
fn encode_rejects_sizes_the_format_cannot_hold() {
    let wide = Image::filled(16_384, 1, PixelLayout::Rgb8, &[0, 0, 0]).unwrap();
    let e = encode(&wide, ImageFormat::Webp, &EncodeOptions::default()).unwrap_err();
    assert_eq!(
        e,
        CodecError::TooLargeForFormat {
            format: ImageFormat::Webp,
            width: 16_384,
            height: 1,
            max_side: 16_383
        }
    );
    assert_eq!(e.http_status(), 422);
}

// ---------------------------------------------------------------- limits

/// Header bombs: a header claiming 65535×65535 and a tiny body.
fn bombs() -> Vec<(&'static str, Vec<u8>)> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 65_535u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&65_535u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&[0, 1, 2, 3]));
    png_chunk(&mut png, b"IEND", &[]);

    let small = jpeg_enc(&gradient(8, 8), 8, 8, jpeg_encoder::ColorType::Rgb, false);
    let mut jpeg = small.clone();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);

    let mut gif = gif_enc((8, 8), &[(0, 0, 8, 8, [1u8, 2, 3, 255].repeat(64))]);
    gif[6..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);

    // WebP sides stop at 16 384 (14-bit VP8L fields), and the bitstream must match the VP8X
    // canvas: both claim 16 384 × 16 384 over an 8×8 image's data.
    let lossless = webp_lossless(&gradient(8, 8), 8, 8, false);
    let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\xff\x3f\0\xff\x3f\0".to_vec();
    webp.extend_from_slice(&lossless[12..]);
    let riff = (webp.len() - 8) as u32;
    webp[4..8].copy_from_slice(&riff.to_le_bytes());
    // VP8L data: signature 0x2f, then (width − 1) | (height − 1) << 14 | alpha << 28, LE.
    let vp8l = 30 + 8;
    assert_eq!(webp[vp8l], 0x2f);
    let bits = u32::from_le_bytes(webp[vp8l + 1..vp8l + 5].try_into().unwrap());
    let bits = 16_383 | (16_383 << 14) | (bits & (0xF << 28));
    webp[vp8l + 1..vp8l + 5].copy_from_slice(&bits.to_le_bytes());
    vec![("png", png), ("jpeg", jpeg), ("gif", gif), ("webp", webp)]
}

#[test]
fn header_bombs_hit_the_pixel_limit_before_decoding() {
    for (name, bytes) in bombs() {
        let side: u64 = if name == "webp" { 16_384 } else { 65_535 };
        let want = CodecError::LimitExceeded {
            format: probe_format(name),
            limit: LimitKind::MaxSourcePixels,
            value: side * side,
            max: pixform::DEFAULT_MAX_SOURCE_PIXELS,
        };
        assert_eq!(
            probe(&bytes, &Limits::default()).unwrap_err(),
            want,
            "{name}"
        );
        let e = decode(&bytes, &Limits::default(), &DecodeOptions::default()).unwrap_err();
        assert_eq!(e, want, "{name}");
        assert_eq!(e.http_status(), 413);
    }
}

fn probe_format(name: &str) -> ImageFormat {
    match name {
        "png" => ImageFormat::Png,
        "jpeg" => ImageFormat::Jpeg,
        "gif" => ImageFormat::Gif,
        _ => ImageFormat::Webp,
    }
}

#[test]
fn limits_are_checked_from_the_header() {
    let jpeg = jpeg_enc(
        &gradient(40, 20),
        40,
        20,
        jpeg_encoder::ColorType::Rgb,
        false,
    );
    let anim = gif_enc((4, 4), &vec![(0, 0, 4, 4, [9u8, 9, 9, 255].repeat(16)); 3]);
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let tagged = png_enc(
        &gradient(4, 4),
        4,
        4,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        |i| i.icc_profile = Some(Cow::Owned(p3.clone())),
    );
    let mut tight = Limits::default();
    tight.max_source_width = 39;
    let mut tall = Limits::default();
    tall.max_source_height = 19;
    let mut area = Limits::default();
    area.max_source_pixels = 799;
    let mut bytes = Limits::default();
    bytes.max_input_bytes = 100;
    let mut frames = Limits::default();
    frames.max_frames = 2;
    let mut frame_px = Limits::default();
    frame_px.max_total_frame_pixels = 47;
    let mut meta = Limits::default();
    meta.max_metadata_bytes = 64;
    let f = |format, limit, value, max| CodecError::LimitExceeded {
        format,
        limit,
        value,
        max,
    };
    let cases: Vec<(&str, &[u8], Limits, CodecError)> = vec![
        (
            "width",
            &jpeg,
            tight,
            f(ImageFormat::Jpeg, LimitKind::MaxSourceWidth, 40, 39),
        ),
        (
            "height",
            &jpeg,
            tall,
            f(ImageFormat::Jpeg, LimitKind::MaxSourceHeight, 20, 19),
        ),
        (
            "area",
            &jpeg,
            area,
            f(ImageFormat::Jpeg, LimitKind::MaxSourcePixels, 800, 799),
        ),
        (
            "input",
            &jpeg,
            bytes,
            CodecError::InputTooLarge {
                bytes: jpeg.len() as u64,
                max: 100,
            },
        ),
        (
            "frames",
            &anim,
            frames,
            f(ImageFormat::Gif, LimitKind::MaxFrames, 3, 2),
        ),
        (
            "frame pixels",
            &anim,
            frame_px,
            f(ImageFormat::Gif, LimitKind::MaxTotalFramePixels, 48, 47),
        ),
    ];
    for (name, data, limits, want) in cases {
        assert_eq!(probe(data, &limits).unwrap_err(), want, "{name}");
        assert_eq!(
            decode(data, &limits, &DecodeOptions::default()).unwrap_err(),
            want,
            "{name}"
        );
        assert_eq!(want.http_status(), 413);
    }
    match probe(&tagged, &meta).unwrap_err() {
        CodecError::LimitExceeded {
            limit: LimitKind::MaxMetadataBytes,
            max: 64,
            ..
        } => {}
        other => panic!("metadata: {other:?}"),
    }
}

#[test]
fn unknown_and_unsupported_formats() {
    let cases: [(&[u8], u16); 4] = [
        (b"", 415),
        (b"hello world, not an image", 415),
        // An AVIF `ftyp` box cut short: the container is recognised, the box is corrupt.
        (b"\0\0\0\x1cftypavif\0\0\0\0", 422),
        (b"BM\x36\0\0\0\0\0", 415),
    ];
    for (bytes, status) in cases {
        assert_eq!(
            probe(bytes, &Limits::default()).unwrap_err().http_status(),
            status,
            "{bytes:?}"
        );
    }
    assert_eq!(
        probe(b"hello world", &Limits::default()).unwrap_err(),
        CodecError::UnknownFormat {
            leading_bytes: "68656c6c6f20776f".into()
        }
    );
}

// ---------------------------------------------------------------- robustness

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let (w, h) = (19u32, 11u32);
    let rgb = gradient(w, h);
    let rgba = with_alpha(&rgb, w);
    let cmyk: Vec<u8> = rgba.iter().map(|v| v / 2).collect();
    vec![
        (
            "jpeg",
            jpeg_enc(&rgb, 19, 11, jpeg_encoder::ColorType::Rgb, false),
        ),
        (
            "pjpeg",
            jpeg_enc(&rgb, 19, 11, jpeg_encoder::ColorType::Rgb, true),
        ),
        (
            "cmyk jpeg",
            jpeg_enc(&cmyk, 19, 11, jpeg_encoder::ColorType::Cmyk, false),
        ),
        (
            "png",
            png_enc(
                &rgba,
                w,
                h,
                png::ColorType::Rgba,
                png::BitDepth::Eight,
                |_| {},
            ),
        ),
        ("interlaced png", interlaced_png(&rgb, w, h)),
        ("gif", gif_enc((19, 11), &[(0, 0, 19, 11, rgba.clone())])),
        (
            "animated gif",
            gif_enc(
                (19, 11),
                &[
                    (0, 0, 19, 11, rgba.clone()),
                    (2, 2, 9, 5, rgba[..180].to_vec()),
                ],
            ),
        ),
        ("webp lossy", webp_lossy(&rgba, w, h, true)),
        ("webp lossless", webp_lossless(&rgb, w, h, false)),
        ("tiff lzw", tiff("rgb8-lzw.tif")),
        ("tiff 16-bit deflate", tiff("rgb16-deflate-predictor.tif")),
        ("tiff big-endian tiles", tiff("rgb8-tiled-bigendian.tif")),
        ("tiff cmyk", tiff("cmyk8-lzw.tif")),
        ("tiff grey alpha", tiff("greya8-lzw.tif")),
        ("tiff associated alpha", tiff("rgba8-associated.tif")),
        ("tiff palette", tiff("palette8-lzw.tif")),
    ]
}

/// A fixture of `testdata/tiff/` (made by `testdata/make_tiff.py`).
fn tiff(name: &str) -> Vec<u8> {
    support::read_testdata(&format!("tiff/{name}"))
}

#[test]
fn truncated_input_is_an_error_not_a_panic() {
    for (name, bytes) in samples() {
        assert!(
            decode(&bytes, &Limits::default(), &DecodeOptions::default()).is_ok(),
            "{name} whole"
        );
        if name == "animated gif" {
            // Only the first frame is decoded: a cut after it is a shorter, valid animation.
            continue;
        }
        // A GIF without its trailer byte, a PNG without its IEND chunk or a WebP without the
        // padding byte of an odd-sized last chunk has all its pixels (browsers show them);
        // every other prefix must fail.
        let tolerated = match name {
            "gif" => 1,
            n if n.contains("webp") => {
                usize::from(bytes.len() % 2 == 0 && bytes[bytes.len() - 1] == 0)
            }
            n if n.contains("png") => 12,
            _ => 0,
        };
        for cut in 0..bytes.len() - tolerated {
            for denom in [1u8, 4] {
                let r = decode(
                    &bytes[..cut],
                    &Limits::default(),
                    &DecodeOptions {
                        scale_denom: denom,
                        ..Default::default()
                    },
                );
                let e = r.err().unwrap_or_else(|| {
                    panic!("{name}: prefix of {cut}/{} bytes decoded", bytes.len())
                });
                assert!(
                    matches!(e.http_status(), 415 | 422),
                    "{name} cut {cut}: {e}"
                );
            }
        }
    }
}

/// The format a file's leading bytes name, by the signatures of the formats (JPEG SOI + marker,
/// PNG signature, GIF87a/GIF89a, RIFF….WEBP, TIFF and BigTIFF in both byte orders), written
/// out here.
fn signature(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\xff\xd8\xff") {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(ImageFormat::Webp)
    } else if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"]
        .iter()
        .any(|m| bytes.starts_with(*m))
    {
        Some(ImageFormat::Tiff)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        // The major brand (the tests put no AVIF or HEIC brand among the compatible ones).
        match bytes.get(8..12) {
            Some(b"avif" | b"avis") => Some(ImageFormat::Avif),
            Some(b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1") => {
                Some(ImageFormat::Heic)
            }
            _ => None,
        }
    } else {
        None
    }
}

/// What any input, valid or not, must give: without a known signature `UnknownFormat`; with
/// one, either an image of the size the header declares (DCT-scaled for JPEG) with the header's
/// orientation, or a typed error of that format. A header error is the same from `probe` and
/// `decode`. Returns whether an image came out.
fn check_outcome(bytes: &[u8], denom: u8, what: &str) -> bool {
    let limits = Limits::default();
    let opts = DecodeOptions {
        scale_denom: denom,
        ..Default::default()
    };
    let probed = probe(bytes, &limits);
    let decoded = decode(bytes, &limits, &opts);
    let Some(format) = signature(bytes) else {
        for r in [probed.err(), decoded.err()] {
            assert!(
                matches!(r, Some(CodecError::UnknownFormat { .. })),
                "{what}: {r:?}"
            );
        }
        return false;
    };
    let of_format = |e: &CodecError| match e {
        CodecError::Corrupt { format: f, .. }
        | CodecError::Unsupported { format: f, .. }
        | CodecError::LimitExceeded { format: f, .. } => *f == format,
        _ => false,
    };
    match (probed, decoded) {
        (Err(p), Err(d)) => {
            assert!(of_format(&p), "{what}: probe {p:?}");
            assert_eq!(p.to_string(), d.to_string(), "{what}");
            false
        }
        (Err(p), Ok(_)) => panic!("{what}: probe failed ({p}) but decode succeeded"),
        (Ok(_), Err(d)) => {
            // The header passed: only the data can be wrong.
            let data_error = match &d {
                CodecError::Corrupt { format: f, .. }
                | CodecError::Unsupported { format: f, .. } => *f == format,
                _ => false,
            };
            assert!(data_error, "{what}: decode {d:?}");
            false
        }
        (Ok(info), Ok(d)) => {
            assert_eq!(info.format, format, "{what}");
            let (w, h) = if format == ImageFormat::Jpeg {
                scaled_size(info.stored_width, info.stored_height, denom)
            } else {
                (info.stored_width, info.stored_height)
            };
            let channels = match d.image.layout() {
                PixelLayout::Rgb8 => 3,
                PixelLayout::Rgba8 => 4,
            };
            assert_eq!(
                (
                    d.image.width(),
                    d.image.height(),
                    d.image.data().len(),
                    d.orientation
                ),
                (w, h, (w * h * channels) as usize, info.orientation),
                "{what}"
            );
            true
        }
    }
}

#[test]
fn garbage_and_bit_flips_give_typed_errors_or_consistent_images() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let magics: [&[u8]; 8] = [
        b"II*\0",
        b"MM\0*",
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"RIFF\0\0\0\0WEBPVP8L",
        b"RIFF\0\0\0\0WEBPVP8X",
        b"\0\0\0\x18ftypheic",
    ];
    for magic in magics {
        for len in [0usize, 1, 7, 30, 200, 2000] {
            let mut bytes = magic.to_vec();
            bytes.extend((0..len).map(|_| next() as u8));
            let what = format!("{:?} + {len} random bytes", String::from_utf8_lossy(magic));
            // Random bytes after a signature never make a whole image.
            assert!(!check_outcome(&bytes, 1, &what), "{what}: decoded");
        }
    }
    for (name, bytes) in samples() {
        assert!(check_outcome(&bytes, 1, name), "{name}: intact file");
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                let i = (next() as usize) % b.len();
                b[i] ^= 1 << (next() % 8);
            }
            for denom in [1u8, 2] {
                check_outcome(&b, denom, &format!("{name} with flipped bits, 1/{denom}"));
            }
        }
    }
}

/// Every byte of a TIFF's header and of its last 300 bytes (the directory and the arrays it
/// points to, in every fixture) set to 0, 255 and two flipped values: each mutant probes and
/// decodes to a typed error or an image of its header's size, never a panic.
#[test]
fn tiff_directory_mutations_give_typed_errors_or_consistent_images() {
    for name in [
        "rgb8-lzw.tif",
        "rgb16-deflate-predictor.tif",
        "rgb8-tiled-bigendian.tif",
        "greya8-lzw.tif",
        "rgba8-associated.tif",
        "grey8-miniswhite.tif",
        "palette8-lzw.tif",
    ] {
        let bytes = tiff(name);
        let tail = bytes.len().saturating_sub(300);
        let (mut images, mut errors) = (0, 0);
        for i in (0..8).chain(tail..bytes.len()) {
            for value in [0, 0xFF, bytes[i] ^ 0x01, bytes[i] ^ 0x80] {
                let mut b = bytes.clone();
                b[i] = value;
                if check_outcome(&b, 1, &format!("{name}: byte {i} = {value:#04x}")) {
                    images += 1;
                } else {
                    errors += 1;
                }
            }
        }
        // Both outcomes occur: the sweep reaches the checks and leaves harmless bytes alone.
        assert!(
            images > 0 && errors > 0,
            "{name}: {images} images, {errors} errors"
        );
    }
}
