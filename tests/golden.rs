//! Golden tests of the pixel pipeline: one line per parameter of the URL dialect.
//!
//! Each line runs a query on a fixture of `testdata/fixtures/` and carries the transform's
//! expected geometry written out by hand from the dialect's rules (source rect, rotation,
//! flip, crop window, resize, canvas, offset: literal numbers, not the planner's), and the
//! effects the query asks for. Each case checks that
//! (a) the plan's geometry and effects are exactly the hand-written ones
//!     (`plans_match_the_hand_written_geometry`),
//! (b) the output, decoded by the `image` crate (not by pixform), has the hand-written
//!     canvas size and matches an independent rendering of the hand-written reference
//!     (`support::reference_render`: `image` crate decode, orientation and Lanczos3, then
//!     blur, unsharp mask, invert, saturation, greyscale and flattening in `f64`) within the
//!     line's measured tolerance; this runs for every case, blessing or not, and
//! (c) the output matches the stored `testdata/golden/<name>.png` (an earlier output of
//!     pixform that passed (b)), so that any change at all is seen.
//!
//! `PIXFORM_BLESS=1 cargo test --test golden` rewrites the stored outputs of every case
//! whose independent check (b) passes (`PIXFORM_BLESS=name,name` only those cases); a case
//! that fails (b) is never blessed. On a mismatch, expected/actual/diff PNGs are written to
//! `<target>/golden-failures/` and named in the failure message.
//!
//! The `crop=entropy` window was computed apart from pixform by
//! `testdata/reference/entropy_window.py` (see `testdata/reference/README.md`).

mod support;

use image::RgbaImage;
use pixform::plan::PixelRect;
use pixform::{render, ImageFormat, Limits};
use support::*;

/// Allowed difference: the mean absolute difference over every channel of every pixel, and
/// the largest difference between the channel means of co-located `block`×`block` blocks
/// (`block` = 1: the largest single-channel difference). All on premultiplied values.
#[derive(Debug, Clone, Copy)]
struct Tol {
    mean: f64,
    max: f64,
    block: u32,
}

const fn px(mean: f64, max: f64) -> Tol {
    Tol {
        mean,
        max,
        block: 1,
    }
}

const fn blocks(mean: f64, max: f64) -> Tol {
    Tol {
        mean,
        max,
        block: 8,
    }
}

// Against the stored output of the same build. Measured: 0 for every case (the codecs and
// the fixed-point resampler and blur are deterministic). The slack is for another CPU's SIMD
// path rounding one step differently in a fixed-point pass (times 3.4 after `sharp=60`).
const RERUN: Tol = px(0.1, 4.0);
// The `turbojpeg` build against outputs stored by the default build, whose JPEG codec is
// libjpeg-turbo's port (the same pixels and bytes) but for 1/8 decodes (jpeg-decoder or the
// DC-only decoder) and CMYK: libjpeg-turbo's IDCT and chroma upsampling for JPEG sources with
// a lossless output. Measured when the default build decoded with jpeg-decoder at every scale
// (so an upper bound now): mean ≤ 1.04, max 21 (the 1/2 DCT-scaled decode).
const TURBO_DECODE: Tol = px(1.3, 26.0);
// ... and for JPEG outputs, or another decode under a lossy encoder. Measured when the default
// build encoded with jpeg-encoder (an upper bound now): mean ≤ 2.56, block max 21.9 (JPEG q20).
const TURBO_LOSSY: Tol = blocks(3.0, 26.0);

// Against the independent rendering, in the default and the `turbojpeg` build. Each says
// what was measured (the larger of the two builds).
//
// Lossless output from a PNG/WebP/GIF source: two Lanczos3 implementations (fixed-point
// vs float, different pass order). Measured: mean ≤ 0.14, max 5.
const INDEP: Tol = px(0.25, 7.0);
// Lossless output from a JPEG source: pixform decodes with DCT-domain downscaling
// (shrink-on-load by 2 or 4) with another decoder; the reference decodes at full size.
// Measured: mean ≤ 0.64, max 12 (libjpeg-turbo: mean ≤ 0.92, max 12).
const INDEP_JPEG: Tol = px(1.1, 16.0);
// A 1/8 DCT decode: every 8×8 block becomes one pixel (a box filter), the reference is
// Lanczos3 at full size. Measured: mean 2.53, max 23.
const INDEP_DCT8: Tol = px(3.0, 28.0);
// Blur: pixform's fixed-point gaussian (⌈3σ⌉ taps) vs an `f64` one (⌈4σ⌉ taps).
// Measured: mean 0.09, max 1.
const INDEP_BLUR: Tol = px(0.2, 3.0);
// `sharp=60` (k = 1.2) multiplies the resamplers' difference by up to 1 + 2k = 3.4, and
// pixform rounds to 8 bits before sharpening. Measured: mean 0.73, max 8.
const INDEP_SHARP: Tol = px(1.0, 12.0);
// `sat=60` on a JPEG source scales the chroma part of the resize difference by 1.6.
// Measured: mean 0.40, max 6.
const INDEP_SAT: Tol = px(0.6, 9.0);
// Lossy outputs: the encoder moves error around inside blocks (JPEG's 8×8 DCT and 4:2:0
// chroma, VP8's transforms, palette dithering; per pixel up to 98 at q20 on the fig
// fixture's red bowl) but keeps block averages, so the max is over 8×8 block means; the
// mean stays per pixel.
// JPEG q75. Measured: mean ≤ 4.74, block max 11.0.
const JPEG_Q75: Tol = blocks(5.5, 14.0);
// JPEG q90 from an alpha source flattened over white. Measured: mean 1.61, block max 3.8.
const JPEG_Q90: Tol = blocks(2.0, 6.0);
// JPEG q20. Measured: mean 7.13, block max 21.2.
const JPEG_Q20: Tol = blocks(8.5, 25.0);
// WebP q75 (lossy VP8, 4:2:0). Measured: mean 3.06, block max 4.7.
const WEBP_Q75: Tol = blocks(3.6, 7.0);
// WebP q90 with alpha. Measured: mean 1.16, block max 3.6.
const WEBP_Q90: Tol = blocks(1.5, 6.0);
// GIF: NeuQuant 256-colour palette. Measured: mean ≤ 2.89, block max 11.8.
const GIF_PALETTE: Tol = blocks(3.5, 15.0);

struct Case {
    /// File stem of the stored output in `testdata/golden/`.
    name: &'static str,
    fixture: &'static str,
    query: &'static str,
    /// Against the independent rendering of `reference`.
    independent: Tol,
    /// The expected geometry and effects, written by hand.
    reference: Reference,
}

const PICOS: &str = "picos-240x160-baseline.jpg";
const SEEDING: &str = "seeding-240x160-progressive.jpg";
const FIG: &str = "fig-240x160-rgb.png";
const MARS: &str = "mars-240x120-rgba.png";
const FRIENDS: &str = "friends-160x240.webp";
const GIF: &str = "picos-120x80-3frames.gif";
const ORIENT1: &str = "fig-96x64-orient1.jpg";
/// Stored 64×96 with EXIF orientation 6: 96×64 upright.
const ORIENT6: &str = "fig-96x64-orient6.jpg";

const N: (bool, bool) = (false, false);
const H: (bool, bool) = (true, false);
const V: (bool, bool) = (false, true);
const HV: (bool, bool) = (true, true);

/// Geometry: `rect` (x, y, w, h) on the upright source, `or`, `flip`, crop window (x, y, w,
/// h) after rotation and flip, resize (w, h), canvas (w, h), offset (x, y) on the canvas.
const fn g(
    rect: [u32; 4],
    rotate: u16,
    flip: (bool, bool),
    window: [u32; 4],
    resize: [u32; 2],
    canvas: [u32; 2],
    offset: [u32; 2],
) -> Reference {
    Reference::new(Geometry {
        rect,
        rotate,
        flip,
        window,
        resize,
        canvas,
        offset,
    })
}

const fn case(
    name: &'static str,
    fixture: &'static str,
    query: &'static str,
    independent: Tol,
    reference: Reference,
) -> Case {
    Case {
        name,
        fixture,
        query,
        independent,
        reference,
    }
}

/// 240×160 and 96×64 sources untouched by rect/or/flip.
const FULL240: [u32; 4] = [0, 0, 240, 160];
const FULL96: [u32; 4] = [0, 0, 96, 64];

// Sizes round half up: 160·100/240 = 66.7 → 67. `pad` takes 2·pad off the box for the
// image, and clip-type outputs are the image plus the padding.
#[rustfmt::skip]
const CASES: &[Case] = &[
    // w / h / fit (7 modes).
    case("w",                  FIG,     "w=100&fm=png",                                  INDEP,      g(FULL240, 0, N, FULL240, [100, 67], [100, 67], [0, 0])),
    case("h_jpeg_shrink",      PICOS,   "h=50&fm=png",                                   INDEP_JPEG, g(FULL240, 0, N, FULL240, [75, 50], [75, 50], [0, 0])),
    // min(100/240, 100/160) = 100/240.
    case("fit_clip",           FIG,     "w=100&h=100&fit=clip&fm=png",                   INDEP,      g(FULL240, 0, N, FULL240, [100, 67], [100, 67], [0, 0])),
    case("fit_clip_upscale",   ORIENT1, "w=150&fm=png",                                  INDEP_JPEG, g(FULL96, 0, N, FULL96, [150, 100], [150, 100], [0, 0])),
    // min(400/240, 100/160) = 100/160: 150×100, no upscale.
    case("fit_max",            FIG,     "w=400&h=100&fit=max&fm=png",                    INDEP,      g(FULL240, 0, N, FULL240, [150, 100], [150, 100], [0, 0])),
    // 400×267 would upscale: the source size.
    case("fit_max_no_upscale", ORIENT1, "w=400&fit=max&fm=png",                          INDEP_JPEG, g(FULL96, 0, N, FULL96, [96, 64], [96, 64], [0, 0])),
    case("fit_scale",          FIG,     "w=100&h=100&fit=scale&fm=png",                  INDEP,      g(FULL240, 0, N, FULL240, [100, 100], [100, 100], [0, 0])),
    // Largest 1:1 window 160×160, centred: x = 80/2.
    case("fit_crop",           PICOS,   "w=80&h=80&fit=crop&fm=png",                     INDEP_JPEG, g(FULL240, 0, N, [40, 0, 160, 160], [80, 80], [80, 80], [0, 0])),
    // Largest 2:1 window 240×120 (y = 40/2), smaller than 400×200: kept at that size.
    case("fit_min",            FIG,     "w=400&h=200&fit=min&fm=png",                    INDEP,      g(FULL240, 0, N, [0, 20, 240, 120], [240, 120], [240, 120], [0, 0])),
    // Largest 3:4 window 120×160 (x = 120/2), larger than 60×80: scaled down.
    case("fit_min_downscale",  FIG,     "w=60&h=80&fit=min&fm=png",                      INDEP,      g(FULL240, 0, N, [60, 0, 120, 160], [60, 80], [60, 80], [0, 0])),
    // Clip into 120×120 gives 120×80, centred: y = 40/2.
    case("fit_fill",           FIG,     "w=120&h=120&fit=fill&bg=336699&fm=png",         INDEP,      g(FULL240, 0, N, FULL240, [120, 80], [120, 120], [0, 20]).bg([0x33, 0x66, 0x99, 255])),
    // Clip would upscale to 120×80: kept at 96×64, centred at ((120−96)/2, (100−64)/2);
    // a translucent ARGB bg keeps alpha.
    case("fit_fillmax_argb",   ORIENT1, "w=120&h=100&fit=fillmax&bg=8000ff00&fm=png",    INDEP_JPEG, g(FULL96, 0, N, FULL96, [96, 64], [120, 100], [12, 18]).bg([0, 255, 0, 0x80]).keep_alpha()),
    // crop anchors, focal point, entropy. A 3:5 window in 240×160 is 96×160.
    case("crop_left",          PICOS,   "w=60&h=100&fit=crop&crop=left&fm=png",          INDEP_JPEG, g(FULL240, 0, N, [0, 0, 96, 160], [60, 100], [60, 100], [0, 0])),
    case("crop_right",         PICOS,   "w=60&h=100&fit=crop&crop=right&fm=png",         INDEP_JPEG, g(FULL240, 0, N, [144, 0, 96, 160], [60, 100], [60, 100], [0, 0])),
    // A 3:1 window is 240×80.
    case("crop_top",           FIG,     "w=120&h=40&fit=crop&crop=top&fm=png",           INDEP,      g(FULL240, 0, N, [0, 0, 240, 80], [120, 40], [120, 40], [0, 0])),
    case("crop_bottom_right",  FIG,     "w=120&h=40&fit=crop&crop=bottom,right&fm=png",  INDEP,      g(FULL240, 0, N, [0, 80, 240, 80], [120, 40], [120, 40], [0, 0])),
    // 120×160 centred on 0.8·240 = 192: x = 132, clamped to 240 − 120.
    case("crop_focalpoint",    FIG,     "w=60&h=80&fit=crop&crop=focalpoint&fp-x=0.8&fp-y=0.2&fm=png", INDEP, g(FULL240, 0, N, [120, 0, 120, 160], [60, 80], [60, 80], [0, 0])),
    // x = 24 by testdata/reference/entropy_window.py.
    case("crop_entropy",       PICOS,   "w=60&h=100&fit=crop&crop=entropy&fm=png",       INDEP_JPEG, g(FULL240, 0, N, [24, 0, 96, 160], [60, 100], [60, 100], [0, 0])),
    // rect, or, flip (and their composition with the EXIF orientation).
    case("rect",               FIG,     "rect=40,20,120,100&fm=png",                     INDEP,      g([40, 20, 120, 100], 0, N, [0, 0, 120, 100], [120, 100], [120, 100], [0, 0])),
    case("rect_resized",       FIG,     "rect=40,20,120,100&w=60&fm=png",                INDEP,      g([40, 20, 120, 100], 0, N, [0, 0, 120, 100], [60, 50], [60, 50], [0, 0])),
    // Clamped to the image: 240 − 200 by 160 − 100.
    case("rect_clamped",       FIG,     "rect=200,100,100,100&fm=png",                   INDEP,      g([200, 100, 40, 60], 0, N, [0, 0, 40, 60], [40, 60], [40, 60], [0, 0])),
    // Rotated 160×240; w=60 → 240·60/160 = 90.
    case("or_90",              PICOS,   "or=90&w=60&fm=png",                             INDEP_JPEG, g(FULL240, 90, N, [0, 0, 160, 240], [60, 90], [60, 90], [0, 0])),
    case("or_180",             PICOS,   "or=180&w=80&fm=png",                            INDEP_JPEG, g(FULL240, 180, N, FULL240, [80, 53], [80, 53], [0, 0])),
    // Rotated 160×240; h=80 → 160·80/240 = 53.3.
    case("or_270",             FIG,     "or=270&h=80&fm=png",                            INDEP,      g(FULL240, 270, N, [0, 0, 160, 240], [53, 80], [53, 80], [0, 0])),
    case("flip_h",             FIG,     "flip=h&w=80&fm=png",                            INDEP,      g(FULL240, 0, H, FULL240, [80, 53], [80, 53], [0, 0])),
    case("flip_v",             FIG,     "flip=v&w=80&fm=png",                            INDEP,      g(FULL240, 0, V, FULL240, [80, 53], [80, 53], [0, 0])),
    case("flip_hv",            FIG,     "flip=hv&w=80&fm=png",                           INDEP,      g(FULL240, 0, HV, FULL240, [80, 53], [80, 53], [0, 0])),
    // rect 160×120, rotated 120×160; the 1:1 window 120×120 at the top.
    case("rect_or_flip_crop",  FIG,     "rect=20,10,160,120&or=90&flip=h&w=60&h=60&fit=crop&crop=top&fm=png", INDEP, g([20, 10, 160, 120], 90, H, [0, 0, 120, 120], [60, 60], [60, 60], [0, 0])),
    // Upright 96×64, rotated 64×96; w=40 → 96·40/64 = 60.
    case("exif6_or_flip",      ORIENT6, "or=90&flip=v&w=40&fm=png",                      INDEP_JPEG, g(FULL96, 90, V, [0, 0, 64, 96], [40, 60], [40, 60], [0, 0])),
    // bg, pad. No w/h: the canvas grows by 8 on every side.
    case("bg_pad",             ORIENT1, "pad=8&bg=ff336699&fm=png",                      INDEP_JPEG, g(FULL96, 0, N, FULL96, [96, 64], [112, 80], [8, 8]).bg([0x33, 0x66, 0x99, 255])),
    // The image gets 100 − 20 = 80 wide (160·80/240 = 53.3), plus 10 on every side.
    case("pad_w",              FIG,     "w=100&pad=10&fm=png",                           INDEP,      g(FULL240, 0, N, FULL240, [80, 53], [100, 73], [10, 10])),
    // 120·80/240 = 40; transparent padding (alpha source, no bg).
    case("pad_alpha",          MARS,    "w=100&pad=10&fm=png",                           INDEP,      g([0, 0, 240, 120], 0, N, [0, 0, 240, 120], [80, 40], [100, 60], [10, 10]).bg(CLEAR).keep_alpha()),
    // dpr 2: w = 80, pad = 8; the image gets 64 wide (64·64/96 = 42.7).
    case("pad_dpr",            ORIENT1, "w=40&pad=4&dpr=2&fm=png",                       INDEP_JPEG, g(FULL96, 0, N, FULL96, [64, 43], [80, 59], [8, 8])),
    // Effects. blur=30: σ = 3; sharp=60: k = 1.2.
    case("blur",               FIG,     "w=120&blur=30&fm=png",                          INDEP_BLUR, g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).blur(3.0)),
    case("sharp",              PICOS,   "w=120&sharp=60&fm=png",                         INDEP_SHARP, g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).sharpen(60)),
    case("sharpen_alias",      PICOS,   "w=120&sharpen=60&fm=png",                       INDEP_SHARP, g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).sharpen(60)),
    case("invert",             FIG,     "w=120&invert=true&fm=png",                      INDEP,      g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).invert()),
    case("sat_up",             PICOS,   "w=120&sat=60&fm=png",                           INDEP_SAT,  g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).sat(60)),
    case("sat_grey",           FIG,     "w=120&sat=-100&fm=png",                         INDEP,      g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).sat(-100)),
    case("cs_bw",              FIG,     "w=120&cs=b-w&fm=png",                           INDEP,      g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0]).grey()),
    // dpr: w = 100; 40·1.5 = 60.
    case("dpr_w",              FIG,     "w=50&dpr=2&fm=png",                             INDEP,      g(FULL240, 0, N, FULL240, [100, 67], [100, 67], [0, 0])),
    case("dpr_crop",           PICOS,   "w=40&h=40&fit=crop&dpr=1.5&fm=png",             INDEP_JPEG, g(FULL240, 0, N, [40, 0, 160, 160], [60, 60], [60, 60], [0, 0])),
    // min-*/max-* with fit=crop. h=80 completes to 120×80, max-w makes it 50×80: a
    // 100×160 window, x = 140/2.
    case("crop_max_w",         FIG,     "h=80&fit=crop&max-w=50&fm=png",                 INDEP,      g(FULL240, 0, N, [70, 0, 100, 160], [50, 80], [50, 80], [0, 0])),
    // 60×40 has the source's aspect: the whole image.
    case("crop_min_w",         FIG,     "w=40&h=40&fit=crop&min-w=60&fm=png",            INDEP,      g(FULL240, 0, N, FULL240, [60, 40], [60, 40], [0, 0])),
    // w=80 completes to 80×53; min-h 70 then max-h 60 (max wins): 80×60, a 213×160
    // window (160·4/3 = 213.3), x = 27/2.
    case("crop_min_h_max_h",   FIG,     "w=80&fit=crop&min-h=70&max-h=60&fm=png",        INDEP,      g(FULL240, 0, N, [13, 0, 213, 160], [80, 60], [80, 60], [0, 0])),
    // Formats and quality.
    case("source_format_jpeg", PICOS,   "w=120",                                         JPEG_Q75,   g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0])),
    case("fm_jpg",             FIG,     "w=120&fm=jpg",                                  JPEG_Q75,   g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0])),
    case("fm_pjpg",            FIG,     "w=120&fm=pjpg",                                 JPEG_Q75,   g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0])),
    case("fm_jpg_q20",         FIG,     "w=120&fm=jpg&q=20",                             JPEG_Q20,   g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0])),
    case("fm_webp",            PICOS,   "w=120&fm=webp",                                 WEBP_Q75,   g(FULL240, 0, N, FULL240, [120, 80], [120, 80], [0, 0])),
    case("fm_webp_alpha",      MARS,    "w=120&fm=webp&q=90",                            WEBP_Q90,   g([0, 0, 240, 120], 0, N, [0, 0, 240, 120], [120, 60], [120, 60], [0, 0]).bg(CLEAR).keep_alpha()),
    // JPEG has no alpha: flattened over white.
    case("fm_jpg_from_alpha",  MARS,    "w=120&fm=jpg&q=90",                             JPEG_Q90,   g([0, 0, 240, 120], 0, N, [0, 0, 240, 120], [120, 60], [120, 60], [0, 0])),
    case("fm_gif",             FIG,     "w=80&fm=gif",                                   GIF_PALETTE, g(FULL240, 0, N, FULL240, [80, 53], [80, 53], [0, 0])),
    case("progressive_source", SEEDING, "w=100&fm=png",                                  INDEP_JPEG, g(FULL240, 0, N, FULL240, [100, 67], [100, 67], [0, 0])),
    case("progressive_dc",     SEEDING, "w=24&fm=png",                                   INDEP_DCT8, g(FULL240, 0, N, FULL240, [24, 16], [24, 16], [0, 0])),
    case("webp_source",        FRIENDS, "w=80&fm=png",                                   INDEP,      g([0, 0, 160, 240], 0, N, [0, 0, 160, 240], [80, 120], [80, 120], [0, 0])),
    // frame=1 on an animated GIF (120×80); the output format follows the source.
    case("gif_frame1",         GIF,     "frame=1&fm=png",                                INDEP,      g([0, 0, 120, 80], 0, N, [0, 0, 120, 80], [120, 80], [120, 80], [0, 0])),
    case("gif_frame1_resized", GIF,     "frame=1&w=60",                                  GIF_PALETTE, g([0, 0, 120, 80], 0, N, [0, 0, 120, 80], [60, 40], [60, 40], [0, 0])),
];

fn is_jpeg(fixture: &str) -> bool {
    fixture.ends_with(".jpg")
}

/// The tolerance against the stored output, which the default build made.
fn golden_tolerance(case: &Case, output: ImageFormat) -> Tol {
    let other_jpeg_codec =
        cfg!(feature = "turbojpeg") && (is_jpeg(case.fixture) || output == ImageFormat::Jpeg);
    match (other_jpeg_codec, output) {
        (false, _) => RERUN,
        (true, ImageFormat::Png) => TURBO_DECODE,
        (true, _) => TURBO_LOSSY,
    }
}

/// Whether `PIXFORM_BLESS` asks to rewrite this case's stored output: `1` for all, or a
/// comma-separated list of case names.
fn blessing(name: &str) -> bool {
    match std::env::var("PIXFORM_BLESS") {
        Ok(v) if v == "1" => true,
        Ok(v) => v.split(',').any(|n| n.trim() == name),
        Err(_) => false,
    }
}

/// Runs one case; returns a failure description.
fn check(case: &Case) -> Result<(), String> {
    let input = fixture(case.fixture);
    let out = run(&input, case.query);
    let actual = decode_rgba(&out.bytes);
    let what = format!("{} ({} ? {})", case.name, case.fixture, case.query);

    let want = (
        case.reference.geometry.canvas[0],
        case.reference.geometry.canvas[1],
    );
    if (out.width, out.height) != want || actual.dimensions() != want {
        return Err(format!(
            "{what}: output {:?}, decoded {:?}, expected {want:?}",
            (out.width, out.height),
            actual.dimensions()
        ));
    }

    // Always, so that blessing cannot store a regression.
    let reference = reference_render(&input, &case.reference);
    compare(
        &format!("{}.independent", case.name),
        &format!("{what} vs independent rendering"),
        &reference,
        &actual,
        case.independent,
    )?;

    let stored_path = testdata(&format!("golden/{}.png", case.name));
    if blessing(case.name) {
        let has_alpha = actual.pixels().any(|p| p[3] != 255);
        let stored = if has_alpha {
            image::DynamicImage::ImageRgba8(actual.clone())
        } else {
            image::DynamicImage::ImageRgb8(
                image::DynamicImage::ImageRgba8(actual.clone()).to_rgb8(),
            )
        };
        stored
            .save(&stored_path)
            .map_err(|e| format!("{what}: writing {}: {e}", stored_path.display()))?;
    }
    let stored = image::open(&stored_path)
        .map_err(|e| {
            format!(
                "{what}: no stored output {} ({e}); run PIXFORM_BLESS={} cargo test --test golden",
                stored_path.display(),
                case.name
            )
        })?
        .to_rgba8();
    compare(
        case.name,
        &what,
        &stored,
        &actual,
        golden_tolerance(case, out.format),
    )
}

fn compare(
    file_stem: &str,
    what: &str,
    expected: &RgbaImage,
    actual: &RgbaImage,
    tol: Tol,
) -> Result<(), String> {
    let found = diff(expected, actual).zip(block_max_diff(expected, actual, tol.block));
    if std::env::var_os("PIXFORM_GOLDEN_VERBOSE").is_some() {
        if let Some((d, b)) = found {
            eprintln!(
                "{file_stem:32} mean {:.3} max {} block{} max {b:.2}",
                d.mean, d.max, tol.block
            );
        }
    }
    match found {
        Some((d, block_max)) if d.mean <= tol.mean && block_max <= tol.max => Ok(()),
        found => {
            let files = write_failure(file_stem, expected, actual);
            Err(format!(
                "{what}: (mean, max) {:?} exceeds {tol:?} (expected {:?}, actual {:?}); see {files}",
                found.map(|(d, b)| (d.mean, b)),
                expected.dimensions(),
                actual.dimensions()
            ))
        }
    }
}

#[test]
fn golden_cases() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// The planner computes exactly the hand-written geometry and effects of every case (for
/// `crop=entropy`, the window the renderer placed).
#[test]
fn plans_match_the_hand_written_geometry() {
    let mut failures = Vec::new();
    for case in CASES {
        let input = fixture(case.fixture);
        let planned = plan_for(&input, case.query);
        let executed = if planned.entropy_crop {
            let info = pixform::codec::probe(&input, &Limits::default()).expect("probe");
            render(&input, &info, &planned, &Limits::default())
                .expect("render")
                .plan
        } else {
            planned
        };
        let f = &case.reference.finish;
        let got = (
            plan_geometry(&executed),
            executed.background.to_rgba(),
            executed.has_alpha,
            f64::from(executed.blur_sigma),
            executed.sharpen,
            executed.invert,
            executed.saturation,
            executed.color_space == pixform::params::ColorSpace::BlackWhite,
        );
        let want = (
            case.reference.geometry,
            f.background,
            f.flatten.is_none(),
            f.blur_sigma,
            f.sharpen,
            f.invert,
            f.saturation,
            f.grey,
        );
        if got != want {
            failures.push(format!(
                "{} ({}):\n  planned  {got:?}\n  expected {want:?}",
                case.name, case.query
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_names_are_unique_and_every_stored_output_has_a_case() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate golden case names");
    let dir = testdata("golden");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/golden") {
        let path = entry.expect("dir entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if names.binary_search(&stem).is_err() {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "stored outputs without a case: {stale:?}");
}

/// Where the crop window of each anchor lands, on the 240×160 fixture (independent of the
/// planner's code: the window is as large as possible with the box's aspect).
#[test]
fn crop_anchor_windows() {
    #[rustfmt::skip]
    let cases: &[(&str, PixelRect)] = &[
        ("w=60&h=100&fit=crop",                          rect(72, 0, 96, 160)),
        ("w=60&h=100&fit=crop&crop=left",                rect(0, 0, 96, 160)),
        ("w=60&h=100&fit=crop&crop=right",               rect(144, 0, 96, 160)),
        ("w=60&h=100&fit=crop&crop=top,left",            rect(0, 0, 96, 160)),
        ("w=120&h=40&fit=crop&crop=top",                 rect(0, 0, 240, 80)),
        ("w=120&h=40&fit=crop&crop=bottom",              rect(0, 80, 240, 80)),
        ("w=120&h=40&fit=crop&crop=bottom,right",        rect(0, 80, 240, 80)),
        ("w=120&h=40&fit=crop",                          rect(0, 40, 240, 80)),
        // fp-x·W − 48 = 144, the right edge; fp-y is irrelevant (full height).
        ("w=60&h=100&fit=crop&crop=focalpoint&fp-x=0.8", rect(144, 0, 96, 160)),
        // 0.95·240 − 48 = 180 → clamped to 144.
        ("w=60&h=100&fit=crop&crop=focalpoint&fp-x=0.95", rect(144, 0, 96, 160)),
        // 0.3·240 − 48 = 24.
        ("w=60&h=100&fit=crop&crop=focalpoint&fp-x=0.3", rect(24, 0, 96, 160)),
        // 0.2·160 − 40 < 0 → 0.
        ("w=120&h=40&fit=crop&crop=focalpoint&fp-y=0.2", rect(0, 0, 240, 80)),
    ];
    let input = fixture(FIG);
    for &(query, expected) in cases {
        assert_eq!(plan_for(&input, query).crop_window, expected, "{query}");
    }
}

fn rect(x: u32, y: u32, width: u32, height: u32) -> PixelRect {
    PixelRect {
        x,
        y,
        width,
        height,
    }
}

/// `crop=entropy` places its window where the detail is: more luma entropy than the centred
/// window (the picos fixture has flat sky and grass on the left, rock detail right of centre).
#[test]
fn entropy_window_has_more_detail_than_centre() {
    let input = fixture(PICOS);
    let query = "w=60&h=100&fit=crop&crop=entropy&fm=png";
    let planned = plan_for(&input, query);
    let info = pixform::codec::probe(&input, &Limits::default()).expect("probe");
    let placed = render(&input, &info, &planned, &Limits::default())
        .expect("render")
        .plan
        .crop_window;
    let full = decode_upright(&input).to_rgba8();
    let centre = planned.crop_window;
    assert_eq!((placed.width, placed.height), (centre.width, centre.height));
    assert_ne!(placed, centre, "the entropy window should move off centre");
    let (e_placed, e_centre) = (luma_entropy(&full, placed), luma_entropy(&full, centre));
    assert!(
        e_placed > e_centre,
        "entropy {e_placed} at {placed:?} not above {e_centre} at the centre {centre:?}"
    );
}

/// `fm=avif` (no AVIF decoder among the test dependencies): the container says AVIF and its
/// `ispe` box carries the size (160·64/240 = 42.7 → 43).
#[test]
fn avif_output_has_planned_size() {
    let input = fixture(FIG);
    let out = run(&input, "w=64&fm=avif");
    assert_eq!(out.format, ImageFormat::Avif);
    assert_eq!(out.bytes.get(4..12), Some(&b"ftypavif"[..]));
    let at = out
        .bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("ispe box");
    let be = |o: usize| u32::from_be_bytes(out.bytes[o..o + 4].try_into().expect("4 bytes"));
    assert_eq!((be(at + 8), be(at + 12)), (64, 43));
    assert_eq!((out.width, out.height), (64, 43));
}

/// `pixform plan --source WxH` prints every case's hand-written output size.
#[test]
fn cli_plan_prints_every_case_size() {
    let exe = env!("CARGO_BIN_EXE_pixform");
    for case in CASES {
        let input = fixture(case.fixture);
        let info = pixform::codec::probe(&input, &Limits::default()).expect("probe");
        let mut cmd = std::process::Command::new(exe);
        cmd.args([
            "plan",
            "--source",
            &format!("{}x{}", info.width, info.height),
        ])
        .args(["--format", info.format.extension(), case.query]);
        if info.has_alpha {
            cmd.arg("--alpha");
        }
        let out = cmd.output().expect("run pixform plan");
        assert!(out.status.success(), "{}: {:?}", case.name, out);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let [w, h] = case.reference.geometry.canvas;
        assert_eq!(
            (json["width"].as_u64(), json["height"].as_u64()),
            (Some(u64::from(w)), Some(u64::from(h))),
            "{}",
            case.name
        );
    }
}
