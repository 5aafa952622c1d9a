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

/// The bytes of `testdata/<rel>`.
pub fn read_testdata(rel: &str) -> Vec<u8> {
    let path = testdata(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bytes of `testdata/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    read_testdata(&format!("fixtures/{name}"))
}

/// A reference image, `testdata/reference/<rel>`, as 8-bit RGBA.
pub fn reference_png(rel: &str) -> RgbaImage {
    let path = testdata(&format!("reference/{rel}"));
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

/// A decoded pixform image as 8-bit RGBA (RGB gets opaque alpha).
pub fn image_rgba(img: &pixform::Image) -> RgbaImage {
    let data = match img.layout() {
        pixform::PixelLayout::Rgb8 => img
            .data()
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        pixform::PixelLayout::Rgba8 => img.data().to_vec(),
    };
    RgbaImage::from_raw(img.width(), img.height(), data).expect("buffer matches the size")
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

/// `top` composited over `bottom` (straight alpha, Porter-Duff "over").
fn over(top: Rgba<f32>, bottom: Rgba<f32>) -> Rgba<f32> {
    let a = top[3] + bottom[3] * (1.0 - top[3]);
    if a <= 0.0 {
        return Rgba([0.0; 4]);
    }
    let c = |i: usize| (top[i] * top[3] + bottom[i] * bottom[3] * (1.0 - top[3])) / a;
    Rgba([c(0), c(1), c(2), a])
}

/// Every number of a transform's geometry, in the terms of the operation order of the URL
/// dialect: `rect` on the oriented source, rotation, flip, crop window, resize, canvas.
/// Golden tests write these by hand for each case, so the pixel reference does not take
/// them from the planner under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// `rect` clamped to the oriented source: x, y, width, height.
    pub rect: [u32; 4],
    /// `or`: clockwise degrees (0, 90, 180 or 270).
    pub rotate: u16,
    /// `flip`: (horizontal, vertical), applied after the rotation.
    pub flip: (bool, bool),
    /// The crop window in the rotated and flipped image: x, y, width, height.
    pub window: [u32; 4],
    /// The size the window is resampled to.
    pub resize: [u32; 2],
    /// The output (canvas) size.
    pub canvas: [u32; 2],
    /// Top-left of the resized image on the canvas.
    pub offset: [u32; 2],
}

/// What happens after the geometry: canvas colour, effects, and flattening for outputs
/// without alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finish {
    /// Canvas colour, straight RGBA.
    pub background: [u8; 4],
    /// The colour an output without alpha is composited over (`None`: alpha is kept).
    pub flatten: Option<[u8; 3]>,
    /// Gaussian blur σ in output pixels (0: none).
    pub blur_sigma: f64,
    /// Unsharp-mask amount 0–100 (0: none).
    pub sharpen: u8,
    /// Invert the colour channels.
    pub invert: bool,
    /// Saturation change −100–100.
    pub saturation: i8,
    /// Greyscale (`cs=b-w`).
    pub grey: bool,
}

/// A complete reference rendering: geometry and finish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    /// Where the pixels come from and go.
    pub geometry: Geometry,
    /// Canvas colour, effects and flattening.
    pub finish: Finish,
}

/// Opaque white.
pub const WHITE: [u8; 4] = [255, 255, 255, 255];
/// Fully transparent.
pub const CLEAR: [u8; 4] = [0, 0, 0, 0];

impl Reference {
    /// An opaque output (flattened over white) with no effects, on a white canvas.
    pub const fn new(geometry: Geometry) -> Reference {
        Reference {
            geometry,
            finish: Finish {
                background: WHITE,
                flatten: Some([255, 255, 255]),
                blur_sigma: 0.0,
                sharpen: 0,
                invert: false,
                saturation: 0,
                grey: false,
            },
        }
    }

    /// Canvas colour `rgba`; an opaque one is also what the output is flattened over.
    pub const fn bg(mut self, rgba: [u8; 4]) -> Reference {
        self.finish.background = rgba;
        if rgba[3] == 255 {
            self.finish.flatten = Some([rgba[0], rgba[1], rgba[2]]);
        }
        self
    }

    /// The output keeps its alpha channel.
    pub const fn keep_alpha(mut self) -> Reference {
        self.finish.flatten = None;
        self
    }

    /// Gaussian blur of σ `sigma`.
    pub const fn blur(mut self, sigma: f64) -> Reference {
        self.finish.blur_sigma = sigma;
        self
    }

    /// Unsharp mask of `amount`.
    pub const fn sharpen(mut self, amount: u8) -> Reference {
        self.finish.sharpen = amount;
        self
    }

    /// Inverted colours.
    pub const fn invert(mut self) -> Reference {
        self.finish.invert = true;
        self
    }

    /// Saturation change `sat`.
    pub const fn sat(mut self, sat: i8) -> Reference {
        self.finish.saturation = sat;
        self
    }

    /// Greyscale.
    pub const fn grey(mut self) -> Reference {
        self.finish.grey = true;
        self
    }
}

/// The geometry `plan` computed (for tests that check other things than the planner).
pub fn plan_geometry(plan: &Plan) -> Geometry {
    let r = |p: PixelRect| [p.x, p.y, p.width, p.height];
    Geometry {
        rect: r(plan.rect),
        rotate: match plan.rotation {
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
            _ => 0,
        },
        flip: (
            plan.flip.is_some_and(|f| f.horizontal()),
            plan.flip.is_some_and(|f| f.vertical()),
        ),
        window: r(plan.crop_window),
        resize: [plan.resize.0, plan.resize.1],
        canvas: [plan.width, plan.height],
        offset: [plan.offset.0, plan.offset.1],
    }
}

/// The geometry and effects of `plan`, rendered by [`reference_render`].
///
/// `flatten` is the colour an output without alpha is composited over (`None`: keep alpha).
pub fn independent_render(source: &[u8], plan: &Plan, flatten: Option<[u8; 3]>) -> RgbaImage {
    let reference = Reference {
        geometry: plan_geometry(plan),
        finish: Finish {
            background: plan.background.to_rgba(),
            flatten,
            blur_sigma: f64::from(plan.blur_sigma),
            sharpen: plan.sharpen,
            invert: plan.invert,
            saturation: plan.saturation,
            grey: plan.color_space == ColorSpace::BlackWhite,
        },
    };
    reference_render(source, &reference)
}

/// Straight-alpha RGBA in 0–1, `f64`.
#[derive(Debug, Clone)]
struct FloatImage {
    width: u32,
    height: u32,
    px: Vec<[f64; 4]>,
}

impl FloatImage {
    fn map(&self, f: impl Fn([f64; 4]) -> [f64; 4]) -> FloatImage {
        FloatImage {
            px: self.px.iter().map(|&p| f(p)).collect(),
            ..*self
        }
    }

    fn premultiplied(&self) -> FloatImage {
        self.map(|[r, g, b, a]| [r * a, g * a, b * a, a])
    }

    fn unpremultiplied(&self) -> FloatImage {
        self.map(|[r, g, b, a]| {
            if a > 0.0 {
                [r / a, g / a, b / a, a]
            } else {
                [0.0; 4]
            }
        })
    }
}

/// The normalised weights of a gaussian of σ `sigma`, taps −⌈4σ⌉..=⌈4σ⌉.
fn gaussian_weights(sigma: f64) -> Vec<f64> {
    let radius = (4.0 * sigma).ceil() as i64;
    let raw: Vec<f64> = (-radius..=radius)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / sum).collect()
}

/// A plain separable gaussian of every channel as stored (no alpha handling); pixels past
/// an edge repeat the edge pixel.
fn gaussian_f64(img: &FloatImage, sigma: f64) -> FloatImage {
    let weights = gaussian_weights(sigma);
    let radius = (weights.len() / 2) as i64;
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let pass = |src: &[[f64; 4]], horizontal: bool| -> Vec<[f64; 4]> {
        let mut out = vec![[0.0; 4]; src.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 4];
                for (k, wt) in weights.iter().enumerate() {
                    let d = k as i64 - radius;
                    let (sx, sy) = if horizontal {
                        ((x + d).clamp(0, w - 1), y)
                    } else {
                        (x, (y + d).clamp(0, h - 1))
                    };
                    let p = src[(sy * w + sx) as usize];
                    for c in 0..4 {
                        acc[c] += wt * p[c];
                    }
                }
                out[(y * w + x) as usize] = acc;
            }
        }
        out
    };
    let horizontal = pass(&img.px, true);
    FloatImage {
        px: pass(&horizontal, false),
        ..*img
    }
}

/// Gaussian blur, premultiplied so that transparent pixels lend no colour.
fn blur_f64(img: &FloatImage, sigma: f64) -> FloatImage {
    gaussian_f64(&img.premultiplied(), sigma).unpremultiplied()
}

/// σ of the unsharp mask's blur, as the `sharp` parameter documents it (about one pixel).
pub const SHARPEN_SIGMA: f64 = 1.0;

/// Unsharp mask as `sharp` documents it: `out = src + k·(src − gaussian(src, σ = 1))` with
/// `k = amount / 50`, on premultiplied colour clamped to 0..alpha; alpha is kept.
fn sharpen_f64(img: &FloatImage, amount: u8) -> FloatImage {
    let k = f64::from(amount) / 50.0;
    let pre = img.premultiplied();
    let blurred = gaussian_f64(&pre, SHARPEN_SIGMA);
    let px = pre
        .px
        .iter()
        .zip(&blurred.px)
        .map(|(s, b)| {
            let a = s[3];
            let c = |i: usize| (s[i] + k * (s[i] - b[i])).clamp(0.0, a);
            [c(0), c(1), c(2), a]
        })
        .collect();
    FloatImage { px, ..*img }.unpremultiplied()
}

/// Rec. 601 luma of gamma-encoded values.
fn luma_f64(p: [f64; 4]) -> f64 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

/// Each colour channel's distance from the pixel's luma, scaled by `1 + sat/100`, clamped.
fn saturate_f64(img: &FloatImage, sat: i8) -> FloatImage {
    let gain = 1.0 + f64::from(sat) / 100.0;
    img.map(|p| {
        let y = luma_f64(p);
        let c = |v: f64| (y + (v - y) * gain).clamp(0.0, 1.0);
        [c(p[0]), c(p[1]), c(p[2]), p[3]]
    })
}

/// The oriented source resampled as `g` says and placed on its canvas, in `f64`: full-size
/// decode with the `image` crate, EXIF orientation, `rect`, rotation, flip, crop window,
/// Lanczos3 (`image::imageops`, premultiplied `f32`), composited over the canvas colour.
fn geometry_f64(source: &[u8], g: &Geometry, background: [u8; 4]) -> FloatImage {
    let mut img = decode_upright(source).to_rgba32f();
    premultiply(&mut img);
    let [x, y, w, h] = g.rect;
    let mut img = imageops::crop_imm(&img, x, y, w, h).to_image();
    img = match g.rotate {
        0 => img,
        90 => imageops::rotate90(&img),
        180 => imageops::rotate180(&img),
        270 => imageops::rotate270(&img),
        other => panic!("rotation {other} is not a multiple of 90"),
    };
    if g.flip.0 {
        img = imageops::flip_horizontal(&img);
    }
    if g.flip.1 {
        img = imageops::flip_vertical(&img);
    }
    let [x, y, w, h] = g.window;
    assert!(
        x + w <= img.width() && y + h <= img.height(),
        "window {:?} outside the {}x{} image",
        g.window,
        img.width(),
        img.height()
    );
    let img = imageops::crop_imm(&img, x, y, w, h).to_image();
    let [rw, rh] = g.resize;
    let mut img = imageops::resize(&img, rw, rh, FilterType::Lanczos3);
    for p in img.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = c.clamp(0.0, 1.0);
        }
    }
    unpremultiply(&mut img);

    let [cw, ch] = g.canvas;
    let [ox, oy] = g.offset;
    assert!(
        ox + rw <= cw && oy + rh <= ch,
        "image {rw}x{rh} at ({ox}, {oy}) outside the {cw}x{ch} canvas"
    );
    let bg = Rgba(background.map(|c| f32::from(c) / 255.0));
    let mut canvas = Rgba32FImage::from_pixel(cw, ch, bg);
    for (x, y, p) in img.enumerate_pixels() {
        let q = canvas.get_pixel_mut(x + ox, y + oy);
        *q = over(*p, *q);
    }
    FloatImage {
        width: cw,
        height: ch,
        px: canvas.pixels().map(|p| p.0.map(f64::from)).collect(),
    }
}

/// The reference rendering of `r` on `source`, independent of pixform's code: geometry as
/// [`Geometry`] gives it, then in `f64` the effects in the dialect's order (blur, sharpen,
/// invert, saturation, greyscale) and flattening, rounded once at the end.
pub fn reference_render(source: &[u8], r: &Reference) -> RgbaImage {
    let f = &r.finish;
    let mut img = geometry_f64(source, &r.geometry, f.background);
    if f.blur_sigma > 0.0 {
        img = blur_f64(&img, f.blur_sigma);
    }
    if f.sharpen > 0 {
        img = sharpen_f64(&img, f.sharpen);
    }
    if f.invert {
        img = img.map(|[r, g, b, a]| [1.0 - r, 1.0 - g, 1.0 - b, a]);
    }
    if f.saturation != 0 {
        img = saturate_f64(&img, f.saturation);
    }
    if f.grey {
        img = img.map(|p| {
            let y = luma_f64(p);
            [y, y, y, p[3]]
        });
    }
    if let Some(bg) = f.flatten {
        let bg = bg.map(|c| f64::from(c) / 255.0);
        img = img.map(|[r, g, b, a]| {
            let c = |v: f64, b: f64| v * a + b * (1.0 - a);
            [c(r, bg[0]), c(g, bg[1]), c(b, bg[2]), 1.0]
        });
    }
    let q = |v: f64| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    RgbaImage::from_fn(img.width, img.height, |x, y| {
        let p = img.px[(y * img.width + x) as usize];
        Rgba(p.map(q))
    })
}

/// Largest difference between the means of any channel over co-located `n`×`n` blocks
/// (aligned at the origin; partial blocks at the right and bottom edges), on premultiplied
/// values; `None` when the sizes differ. Lossy codecs move error around inside a block
/// (JPEG's 8×8 DCT, 4:2:0 chroma, palette dithering) but keep its average.
pub fn block_max_diff(a: &RgbaImage, b: &RgbaImage, n: u32) -> Option<f64> {
    if a.dimensions() != b.dimensions() || n == 0 {
        return None;
    }
    let (w, h) = a.dimensions();
    let mut max = 0.0f64;
    for by in (0..h).step_by(n as usize) {
        for bx in (0..w).step_by(n as usize) {
            let mut sum = [0i64; 4];
            let mut count = 0i64;
            for y in by..(by + n).min(h) {
                for x in bx..(bx + n).min(w) {
                    let (p, q) = (
                        premultiplied(a.get_pixel(x, y)),
                        premultiplied(b.get_pixel(x, y)),
                    );
                    for c in 0..4 {
                        sum[c] += i64::from(p[c]) - i64::from(q[c]);
                    }
                    count += 1;
                }
            }
            for s in sum {
                max = max.max((s as f64 / count as f64).abs());
            }
        }
    }
    Some(max)
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

/// Overwrites the values of `tag` in the first directory of a classic TIFF (either byte
/// order), keeping the entry's type; with `count`, its count too (the values then stay where
/// they were, which is how a hostile file declares more than it holds). Panics when the tag
/// is missing or the new values do not fit where the old ones were.
pub fn patch_tiff_tag(bytes: &mut [u8], tag: u16, count: Option<u32>, values: &[u32]) {
    let little = bytes.starts_with(b"II");
    let rd16 = |b: &[u8], at: usize| {
        let v = [b[at], b[at + 1]];
        if little {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        }
    };
    let rd32 = |b: &[u8], at: usize| {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if little {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        }
    };
    let ifd = rd32(bytes, 4) as usize;
    let entries = usize::from(rd16(bytes, ifd));
    let entry = (0..entries)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&at| rd16(bytes, at) == tag)
        .unwrap_or_else(|| panic!("no tag {tag}"));
    let typ = rd16(bytes, entry + 2);
    let old_count = rd32(bytes, entry + 4) as usize;
    let size = match typ {
        3 => 2,
        4 => 4,
        1 | 7 => 1,
        other => panic!("tag {tag} has type {other}"),
    };
    assert!(values.len() <= old_count, "tag {tag}: values do not fit");
    let at = if old_count * size <= 4 {
        entry + 8
    } else {
        rd32(bytes, entry + 8) as usize
    };
    for (i, &v) in values.iter().enumerate() {
        let p = at + i * size;
        match size {
            1 => bytes[p] = u8::try_from(v).expect("byte value"),
            2 => {
                let v = u16::try_from(v).expect("short value");
                let b = if little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                };
                bytes[p..p + 2].copy_from_slice(&b);
            }
            _ => {
                let b = if little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                };
                bytes[p..p + 4].copy_from_slice(&b);
            }
        }
    }
    if let Some(n) = count {
        let b = if little {
            n.to_le_bytes()
        } else {
            n.to_be_bytes()
        };
        bytes[entry + 4..entry + 8].copy_from_slice(&b);
    }
}
