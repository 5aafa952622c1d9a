//! Helpers shared by the pixel-pipeline tests: fixtures, running transforms, decoding outputs
//! with the `image` crate (a decoder independent of pixform's), pixel differences, and an
//! independent re-implementation of a plan's pixel geometry on top of `image::imageops`.

#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageDecoder, ImageReader, Rgba, Rgba32FImage, RgbaImage};
use pixform::params::{ColorSpace, Rotation};
use pixform::plan::{plan, PixelRect, Plan, SourceFacts};
use pixform::{codec, transform, ImageFormat, Limits, Output, TransformOptions, TransformSpec};

/// Path of a file under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// The bytes of `testdata/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = testdata(&format!("fixtures/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a query, failing the test with the parser's message.
pub fn spec(query: &str) -> TransformSpec {
    TransformSpec::from_query(query).unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

/// The plan for `input` (probed header facts) and `query`.
pub fn plan_for(input: &[u8], query: &str) -> Plan {
    let info = codec::probe(input, &Limits::default()).expect("probe");
    let facts = SourceFacts::from(&info);
    plan(&facts, &spec(query), &Limits::default().into())
        .unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

/// Runs `query` on `input` with the given `Accept` formats.
pub fn run_accepting(input: &[u8], query: &str, accept: Vec<ImageFormat>) -> Output {
    transform(
        input,
        &spec(query),
        &TransformOptions::new(Limits::default(), accept),
    )
    .unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

/// Runs `query` on `input` (no `Accept` formats).
pub fn run(input: &[u8], query: &str) -> Output {
    run_accepting(input, query, Vec::new())
}

/// Decodes an output (JPEG, PNG, WebP or GIF; first frame) independently of pixform's codec,
/// as RGBA: JPEG with `jpeg-decoder` (the `image` crate's zune-jpeg mis-decodes some valid
/// files, e.g. optimized-Huffman 4:2:0), everything else with the `image` crate.
pub fn decode_rgba(bytes: &[u8]) -> RgbaImage {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return decode_jpeg_rgba(bytes);
    }
    image::load_from_memory(bytes)
        .unwrap_or_else(|e| panic!("image crate cannot decode the output: {e}"))
        .to_rgba8()
}

fn decode_jpeg_rgba(bytes: &[u8]) -> RgbaImage {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let pixels = d
        .decode()
        .unwrap_or_else(|e| panic!("jpeg-decoder cannot decode the output: {e}"));
    let info = d.info().expect("JPEG info after decoding");
    let rgba: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        other => panic!("unexpected JPEG output pixel format {other:?}"),
    };
    RgbaImage::from_raw(u32::from(info.width), u32::from(info.height), rgba)
        .expect("buffer matches the JPEG size")
}

/// Decodes a source with the `image` crate and turns it upright by its EXIF orientation.
pub fn decode_upright(bytes: &[u8]) -> DynamicImage {
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .expect("guess format")
        .into_decoder()
        .expect("decoder");
    let orientation = decoder.orientation().expect("orientation");
    let mut img = DynamicImage::from_decoder(decoder).expect("decode");
    img.apply_orientation(orientation);
    img
}

/// Per-channel absolute difference of two same-sized images, on premultiplied values (the
/// colour of a transparent pixel does not matter; alpha is compared as is).
#[derive(Debug, Clone, Copy)]
pub struct Diff {
    /// Mean over every channel of every pixel.
    pub mean: f64,
    /// Largest single-channel difference.
    pub max: u8,
}

fn premultiplied(p: &Rgba<u8>) -> [u8; 4] {
    let a = u32::from(p[3]);
    let c = |v: u8| ((u32::from(v) * a + 127) / 255) as u8;
    [c(p[0]), c(p[1]), c(p[2]), p[3]]
}

/// The difference of `a` and `b`, or `None` when their sizes differ.
pub fn diff(a: &RgbaImage, b: &RgbaImage) -> Option<Diff> {
    if a.dimensions() != b.dimensions() {
        return None;
    }
    let mut sum = 0u64;
    let mut max = 0u8;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for (x, y) in premultiplied(p).into_iter().zip(premultiplied(q)) {
            let d = x.abs_diff(y);
            sum += u64::from(d);
            max = max.max(d);
        }
    }
    let n = (a.as_raw().len().max(1)) as f64;
    Some(Diff {
        mean: sum as f64 / n,
        max,
    })
}

/// A picture of the difference: each premultiplied channel's difference (or alpha's, if
/// larger) times 4, opaque.
pub fn diff_image(a: &RgbaImage, b: &RgbaImage) -> RgbaImage {
    RgbaImage::from_fn(a.width(), a.height(), |x, y| {
        let p = a.get_pixel(x, y);
        let q = b.get_pixel(x, y);
        let (p, q) = (premultiplied(p), premultiplied(q));
        let d = |i: usize| {
            p[i].abs_diff(q[i])
                .max(p[3].abs_diff(q[3]))
                .saturating_mul(4)
        };
        Rgba([d(0), d(1), d(2), 255])
    })
}

/// Where mismatching images are written: `<target dir>/golden-failures/`.
pub fn failure_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("golden-failures")
}

/// Writes expected, actual and diff PNGs for a failed comparison and returns their paths.
pub fn write_failure(name: &str, expected: &RgbaImage, actual: &RgbaImage) -> String {
    let dir = failure_dir();
    std::fs::create_dir_all(&dir).expect("create failure dir");
    let e = dir.join(format!("{name}.expected.png"));
    let a = dir.join(format!("{name}.actual.png"));
    expected.save(&e).expect("write expected");
    actual.save(&a).expect("write actual");
    let mut names = format!("{} {}", e.display(), a.display());
    if expected.dimensions() == actual.dimensions() {
        let d = dir.join(format!("{name}.diff.png"));
        diff_image(expected, actual).save(&d).expect("write diff");
        names.push_str(&format!(" {}", d.display()));
    }
    names
}

fn premultiply(img: &mut Rgba32FImage) {
    for p in img.pixels_mut() {
        let a = p[3];
        p[0] *= a;
        p[1] *= a;
        p[2] *= a;
    }
}

fn unpremultiply(img: &mut Rgba32FImage) {
    for p in img.pixels_mut() {
        let a = p[3];
        if a > 0.0 {
            p[0] /= a;
            p[1] /= a;
            p[2] /= a;
        } else {
            *p = Rgba([0.0; 4]);
        }
    }
}

fn crop(img: &Rgba32FImage, r: PixelRect) -> Rgba32FImage {
    imageops::crop_imm(img, r.x, r.y, r.width, r.height).to_image()
}

/// `top` composited over `bottom` (straight alpha, Porter-Duff "over").
fn over(top: Rgba<f32>, bottom: Rgba<f32>) -> Rgba<f32> {
    let a = top[3] + bottom[3] * (1.0 - top[3]);
    if a <= 0.0 {
        return Rgba([0.0; 4]);
    }
    let c = |i: usize| (top[i] * top[3] + bottom[i] * bottom[3] * (1.0 - top[3])) / a;
    Rgba([c(0), c(1), c(2), a])
}

/// The geometry of `plan` and its `invert`/`cs=b-w`/`blur` effects, computed a second way:
/// full-size decode with the `image` crate, orientation, `rect`, rotation, flip, crop window,
/// Lanczos3 resize in premultiplied floating point, canvas and flattening.
///
/// `flatten` is the colour an output without alpha is composited over (`None`: keep alpha).
pub fn independent_render(source: &[u8], plan: &Plan, flatten: Option<[u8; 3]>) -> RgbaImage {
    let mut img = decode_upright(source).to_rgba32f();
    premultiply(&mut img);
    let mut img = crop(&img, plan.rect);
    img = match plan.rotation {
        Rotation::R90 => imageops::rotate90(&img),
        Rotation::R180 => imageops::rotate180(&img),
        Rotation::R270 => imageops::rotate270(&img),
        _ => img,
    };
    if plan.flip.is_some_and(|f| f.horizontal()) {
        img = imageops::flip_horizontal(&img);
    }
    if plan.flip.is_some_and(|f| f.vertical()) {
        img = imageops::flip_vertical(&img);
    }
    let img = crop(&img, plan.crop_window);
    let (rw, rh) = plan.resize;
    let mut img = imageops::resize(&img, rw, rh, FilterType::Lanczos3);
    for p in img.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = c.clamp(0.0, 1.0);
        }
    }
    unpremultiply(&mut img);

    let bg = plan.background.to_rgba().map(|c| f32::from(c) / 255.0);
    let (ox, oy) = plan.offset;
    let mut canvas = Rgba32FImage::from_pixel(plan.width, plan.height, Rgba(bg));
    for (x, y, p) in img.enumerate_pixels() {
        let q = canvas.get_pixel_mut(x + ox, y + oy);
        *q = over(*p, *q);
    }

    if plan.blur_sigma > 0.0 {
        premultiply(&mut canvas);
        canvas = imageops::blur(&canvas, plan.blur_sigma);
        unpremultiply(&mut canvas);
    }
    let mut out = DynamicImage::ImageRgba32F(canvas).to_rgba8();
    for p in out.pixels_mut() {
        if plan.invert {
            for c in &mut p.0[..3] {
                *c = 255 - *c;
            }
        }
        if plan.color_space == ColorSpace::BlackWhite {
            let y = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            let y = y.round() as u8;
            p.0 = [y, y, y, p[3]];
        }
        if let Some(bg) = flatten {
            let a = u32::from(p[3]);
            for (c, b) in p.0[..3].iter_mut().zip(bg) {
                *c = ((u32::from(*c) * a + u32::from(b) * (255 - a) + 127) / 255) as u8;
            }
            p[3] = 255;
        }
    }
    out
}

/// Shannon entropy (bits) of the Rec. 601 luma histogram of a window of `img`.
pub fn luma_entropy(img: &RgbaImage, r: PixelRect) -> f64 {
    let mut hist = [0u64; 256];
    for y in r.y..r.y + r.height {
        for x in r.x..r.x + r.width {
            let p = img.get_pixel(x, y);
            let l = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            hist[l.round() as usize] += 1;
        }
    }
    let n = f64::from(r.width * r.height);
    hist.iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}
