//! Golden tests of the pixel pipeline: one line per parameter of the URL dialect.
//!
//! Each case runs a query on a fixture of `testdata/fixtures/` and checks that
//! (a) the output's size is the plan's (`plan::plan` on the fixture's probed facts),
//! (b) the decoded output (decoded by the `image` crate, not by pixform) matches the reference
//!     `testdata/golden/<name>.png` within the line's tolerance, and, for lines that have one,
//! (c) the output matches an independent rendering of the same plan (full-size decode,
//!     orientation, crop, rotation, Lanczos3 in premultiplied float, canvas, invert/grey/blur
//!     with `image::imageops`), so the references are not only pixform agreeing with itself.
//!
//! `PIXFORM_BLESS=1 cargo test --test golden` rewrites the references from the current
//! outputs. On a mismatch, expected/actual/diff PNGs are written to
//! `<target>/golden-failures/` and named in the failure message.

mod support;

use image::RgbaImage;
use pixform::plan::PixelRect;
use pixform::{render, ImageFormat, Limits};
use support::*;

/// Allowed difference: mean over all channels, and largest single channel.
#[derive(Debug, Clone, Copy)]
struct Tol {
    mean: f64,
    max: u8,
}

/// Lossless output (PNG) re-run: only SIMD-path rounding may differ between machines.
const LOSSLESS: Tol = Tol { mean: 0.5, max: 16 };
/// Lossy output (JPEG/WebP/GIF palette): an encoder update may move artifacts around.
const LOSSY: Tol = Tol { mean: 2.5, max: 64 };
/// Independent rendering from a PNG/GIF/WebP source: two Lanczos3 implementations
/// (fixed-point vs float, different pass order). Measured: mean ≤ 0.15, max ≤ 6.
const INDEP: Tol = Tol { mean: 0.5, max: 16 };
/// Independent rendering from a JPEG source: pixform decodes with DCT-domain downscaling
/// (shrink-on-load, here by 2 or 4) and another decoder; the reference decodes at full size.
/// Measured: mean ≤ 1.4, max ≤ 28.
const INDEP_JPEG: Tol = Tol { mean: 2.0, max: 48 };
/// As [`INDEP_JPEG`] with a 1/8 DCT decode: every 8×8 block becomes one pixel (a box filter),
/// the reference is Lanczos3 at full size. Measured: mean 2.9, max 28.
const INDEP_DCT8: Tol = Tol { mean: 4.0, max: 64 };
/// Independent rendering of a lossy output (JPEG q75/WebP q75): encoder error on top, mostly
/// 4:2:0 chroma on saturated edges (the fig fixture's red bowl on grey: mean 4.7).
const INDEP_LOSSY: Tol = Tol {
    mean: 6.0,
    max: 128,
};
/// The references were rendered with the default build's JPEG codec (jpeg-decoder,
/// jpeg-encoder). With the `turbojpeg` feature libjpeg-turbo decodes JPEG sources and encodes
/// JPEG outputs: another IDCT, chroma upsampling and quantisation rounding, amplified by
/// `sharp`/`sat`. Measured: mean ≤ 3.7, max ≤ 66.
const OTHER_JPEG_CODEC: Tol = Tol { mean: 4.5, max: 96 };

impl Tol {
    fn at_least(self, other: Tol) -> Tol {
        Tol {
            mean: self.mean.max(other.mean),
            max: self.max.max(other.max),
        }
    }
}

struct Case {
    /// Reference file stem in `testdata/golden/`.
    name: &'static str,
    fixture: &'static str,
    query: &'static str,
    /// Against the stored reference.
    golden: Tol,
    /// Against the independent rendering (`None`: no independent check for this line).
    independent: Option<Tol>,
}

const PICOS: &str = "picos-240x160-baseline.jpg";
const SEEDING: &str = "seeding-240x160-progressive.jpg";
const FIG: &str = "fig-240x160-rgb.png";
const MARS: &str = "mars-240x120-rgba.png";
const FRIENDS: &str = "friends-160x240.webp";
const GIF: &str = "picos-120x80-3frames.gif";
const ORIENT1: &str = "fig-96x64-orient1.jpg";
const ORIENT6: &str = "fig-96x64-orient6.jpg";

const fn case(
    name: &'static str,
    fixture: &'static str,
    query: &'static str,
    golden: Tol,
    independent: Option<Tol>,
) -> Case {
    Case {
        name,
        fixture,
        query,
        golden,
        independent,
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // w / h / fit (7 modes).
    case("w",                  FIG,     "w=100&fm=png",                                     LOSSLESS, Some(INDEP)),
    case("h_jpeg_shrink",      PICOS,   "h=50&fm=png",                                      LOSSLESS, Some(INDEP_JPEG)),
    case("fit_clip",           FIG,     "w=100&h=100&fit=clip&fm=png",                      LOSSLESS, Some(INDEP)),
    case("fit_clip_upscale",   ORIENT1, "w=150&fm=png",                                     LOSSLESS, Some(INDEP_JPEG)),
    case("fit_max",            FIG,     "w=400&h=100&fit=max&fm=png",                       LOSSLESS, Some(INDEP)),
    case("fit_max_no_upscale", ORIENT1, "w=400&fit=max&fm=png",                             LOSSLESS, Some(INDEP_JPEG)),
    case("fit_scale",          FIG,     "w=100&h=100&fit=scale&fm=png",                     LOSSLESS, Some(INDEP)),
    case("fit_crop",           PICOS,   "w=80&h=80&fit=crop&fm=png",                        LOSSLESS, Some(INDEP_JPEG)),
    case("fit_min",            FIG,     "w=400&h=200&fit=min&fm=png",                       LOSSLESS, Some(INDEP)),
    case("fit_min_downscale",  FIG,     "w=60&h=80&fit=min&fm=png",                         LOSSLESS, Some(INDEP)),
    case("fit_fill",           FIG,     "w=120&h=120&fit=fill&bg=336699&fm=png",            LOSSLESS, Some(INDEP)),
    case("fit_fillmax_argb",   ORIENT1, "w=120&h=100&fit=fillmax&bg=8000ff00&fm=png",       LOSSLESS, Some(INDEP_JPEG)),
    // crop anchors, focal point, entropy.
    case("crop_left",          PICOS,   "w=60&h=100&fit=crop&crop=left&fm=png",             LOSSLESS, Some(INDEP_JPEG)),
    case("crop_right",         PICOS,   "w=60&h=100&fit=crop&crop=right&fm=png",            LOSSLESS, Some(INDEP_JPEG)),
    case("crop_top",           FIG,     "w=120&h=40&fit=crop&crop=top&fm=png",              LOSSLESS, Some(INDEP)),
    case("crop_bottom_right",  FIG,     "w=120&h=40&fit=crop&crop=bottom,right&fm=png",     LOSSLESS, Some(INDEP)),
    case("crop_focalpoint",    FIG,     "w=60&h=80&fit=crop&crop=focalpoint&fp-x=0.8&fp-y=0.2&fm=png", LOSSLESS, Some(INDEP)),
    case("crop_entropy",       PICOS,   "w=60&h=100&fit=crop&crop=entropy&fm=png",          LOSSLESS, Some(INDEP_JPEG)),
    // rect, or, flip (and their composition with the EXIF orientation).
    case("rect",               FIG,     "rect=40,20,120,100&fm=png",                        LOSSLESS, Some(INDEP)),
    case("rect_resized",       FIG,     "rect=40,20,120,100&w=60&fm=png",                   LOSSLESS, Some(INDEP)),
    case("rect_clamped",       FIG,     "rect=200,100,100,100&fm=png",                      LOSSLESS, Some(INDEP)),
    case("or_90",              PICOS,   "or=90&w=60&fm=png",                                LOSSLESS, Some(INDEP_JPEG)),
    case("or_180",             PICOS,   "or=180&w=80&fm=png",                               LOSSLESS, Some(INDEP_JPEG)),
    case("or_270",             FIG,     "or=270&h=80&fm=png",                               LOSSLESS, Some(INDEP)),
    case("flip_h",             FIG,     "flip=h&w=80&fm=png",                               LOSSLESS, Some(INDEP)),
    case("flip_v",             FIG,     "flip=v&w=80&fm=png",                               LOSSLESS, Some(INDEP)),
    case("flip_hv",            FIG,     "flip=hv&w=80&fm=png",                              LOSSLESS, Some(INDEP)),
    case("rect_or_flip_crop",  FIG,     "rect=20,10,160,120&or=90&flip=h&w=60&h=60&fit=crop&crop=top&fm=png", LOSSLESS, Some(INDEP)),
    case("exif6_or_flip",      ORIENT6, "or=90&flip=v&w=40&fm=png",                         LOSSLESS, Some(INDEP_JPEG)),
    // bg, pad.
    case("bg_pad",             ORIENT1, "pad=8&bg=ff336699&fm=png",                         LOSSLESS, Some(INDEP_JPEG)),
    case("pad_w",              FIG,     "w=100&pad=10&fm=png",                              LOSSLESS, Some(INDEP)),
    case("pad_alpha",          MARS,    "w=100&pad=10&fm=png",                              LOSSLESS, Some(INDEP)),
    case("pad_dpr",            ORIENT1, "w=40&pad=4&dpr=2&fm=png",                          LOSSLESS, Some(INDEP_JPEG)),
    // Effects.
    case("blur",               FIG,     "w=120&blur=30&fm=png",                             LOSSLESS, Some(INDEP)),
    case("sharp",              PICOS,   "w=120&sharp=60&fm=png",                            LOSSLESS, None),
    case("sharpen_alias",      PICOS,   "w=120&sharpen=60&fm=png",                          LOSSLESS, None),
    case("invert",             FIG,     "w=120&invert=true&fm=png",                         LOSSLESS, Some(INDEP)),
    case("sat_up",             PICOS,   "w=120&sat=60&fm=png",                              LOSSLESS, None),
    case("sat_grey",           FIG,     "w=120&sat=-100&fm=png",                            LOSSLESS, None),
    case("cs_bw",              FIG,     "w=120&cs=b-w&fm=png",                              LOSSLESS, Some(INDEP)),
    // dpr.
    case("dpr_w",              FIG,     "w=50&dpr=2&fm=png",                                LOSSLESS, Some(INDEP)),
    case("dpr_crop",           PICOS,   "w=40&h=40&fit=crop&dpr=1.5&fm=png",                LOSSLESS, Some(INDEP_JPEG)),
    // min-*/max-* with fit=crop.
    case("crop_max_w",         FIG,     "h=80&fit=crop&max-w=50&fm=png",                    LOSSLESS, Some(INDEP)),
    case("crop_min_w",         FIG,     "w=40&h=40&fit=crop&min-w=60&fm=png",               LOSSLESS, Some(INDEP)),
    case("crop_min_h_max_h",   FIG,     "w=80&fit=crop&min-h=70&max-h=60&fm=png",           LOSSLESS, Some(INDEP)),
    // Formats and quality.
    case("source_format_jpeg", PICOS,   "w=120",                                            LOSSY,    Some(INDEP_LOSSY)),
    case("fm_jpg",             FIG,     "w=120&fm=jpg",                                     LOSSY,    Some(INDEP_LOSSY)),
    case("fm_pjpg",            FIG,     "w=120&fm=pjpg",                                    LOSSY,    Some(INDEP_LOSSY)),
    case("fm_jpg_q20",         FIG,     "w=120&fm=jpg&q=20",                                LOSSY,    None),
    case("fm_webp",            PICOS,   "w=120&fm=webp",                                    LOSSY,    Some(INDEP_LOSSY)),
    case("fm_webp_alpha",      MARS,    "w=120&fm=webp&q=90",                               LOSSY,    None),
    case("fm_jpg_from_alpha",  MARS,    "w=120&fm=jpg&q=90",                                LOSSY,    Some(INDEP_LOSSY)),
    case("fm_gif",             FIG,     "w=80&fm=gif",                                      LOSSY,    None),
    case("progressive_source", SEEDING, "w=100&fm=png",                                     LOSSY,    Some(INDEP_JPEG)),
    case("progressive_dc",     SEEDING, "w=24&fm=png",                                      LOSSY,    Some(INDEP_DCT8)),
    case("webp_source",        FRIENDS, "w=80&fm=png",                                      LOSSLESS, Some(INDEP)),
    // frame=1 on an animated GIF.
    case("gif_frame1",         GIF,     "frame=1&fm=png",                                   LOSSLESS, Some(INDEP)),
    case("gif_frame1_resized", GIF,     "frame=1&w=60",                                     LOSSY,    None),
];

fn blessing() -> bool {
    std::env::var_os("PIXFORM_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Runs one case; returns a failure description.
fn check(case: &Case) -> Result<(), String> {
    let input = fixture(case.fixture);
    let planned = plan_for(&input, case.query);
    let out = run(&input, case.query);
    let actual = decode_rgba(&out.bytes);
    let what = format!("{} ({} ? {})", case.name, case.fixture, case.query);

    let sizes = [
        (out.width, out.height),
        actual.dimensions(),
        (planned.width, planned.height),
    ];
    if sizes[0] != sizes[2] || sizes[1] != sizes[2] {
        return Err(format!(
            "{what}: output {:?}, decoded {:?}, planned {:?}",
            sizes[0], sizes[1], sizes[2]
        ));
    }

    let reference_path = testdata(&format!("golden/{}.png", case.name));
    if blessing() {
        std::fs::create_dir_all(reference_path.parent().expect("golden dir")).expect("mkdir");
        let has_alpha = actual.pixels().any(|p| p[3] != 255);
        let stored = if has_alpha {
            image::DynamicImage::ImageRgba8(actual.clone())
        } else {
            image::DynamicImage::ImageRgb8(
                image::DynamicImage::ImageRgba8(actual.clone()).to_rgb8(),
            )
        };
        stored
            .save(&reference_path)
            .map_err(|e| format!("{what}: writing {}: {e}", reference_path.display()))?;
    }
    let expected = image::open(&reference_path)
        .map_err(|e| {
            format!(
                "{what}: no reference {} ({e}); run PIXFORM_BLESS=1 cargo test --test golden",
                reference_path.display()
            )
        })?
        .to_rgba8();
    let jpeg_involved = case.fixture.ends_with(".jpg") || out.format == ImageFormat::Jpeg;
    let golden = if cfg!(feature = "turbojpeg") && jpeg_involved {
        case.golden.at_least(OTHER_JPEG_CODEC)
    } else {
        case.golden
    };
    compare(case.name, &what, &expected, &actual, golden)?;

    if let Some(tol) = case.independent {
        // Entropy placement happens at execution: take the placed window from the renderer.
        let executed = if planned.entropy_crop {
            let info =
                pixform::codec::probe(&input, &Limits::default()).map_err(|e| e.to_string())?;
            render(&input, &info, &planned, &Limits::default())
                .map_err(|e| e.to_string())?
                .plan
        } else {
            planned.clone()
        };
        let flatten = (!out.format.supports_alpha() || !executed.has_alpha).then(|| {
            let bg = executed.background;
            if bg.is_opaque() {
                [bg.r, bg.g, bg.b]
            } else {
                [255, 255, 255]
            }
        });
        let reference = independent_render(&input, &executed, flatten);
        compare(
            &format!("{}.independent", case.name),
            &format!("{what} vs independent rendering"),
            &reference,
            &actual,
            tol,
        )?;
    }
    Ok(())
}

fn compare(
    file_stem: &str,
    what: &str,
    expected: &RgbaImage,
    actual: &RgbaImage,
    tol: Tol,
) -> Result<(), String> {
    let found = diff(expected, actual);
    if std::env::var_os("PIXFORM_GOLDEN_VERBOSE").is_some() {
        eprintln!("{file_stem:32} {found:?}");
    }
    match found {
        Some(d) if d.mean <= tol.mean && d.max <= tol.max => Ok(()),
        found => {
            let files = write_failure(file_stem, expected, actual);
            Err(format!(
                "{what}: {found:?} exceeds {tol:?} (expected {:?}, actual {:?}); see {files}",
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

#[test]
fn case_names_are_unique_and_every_reference_has_a_case() {
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
    assert!(stale.is_empty(), "references without a case: {stale:?}");
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
/// `ispe` box carries the planned size.
#[test]
fn avif_output_has_planned_size() {
    let input = fixture(FIG);
    let query = "w=64&fm=avif";
    let out = run(&input, query);
    let planned = plan_for(&input, query);
    assert_eq!(out.format, ImageFormat::Avif);
    assert_eq!(out.bytes.get(4..12), Some(&b"ftypavif"[..]));
    let at = out
        .bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("ispe box");
    let be = |o: usize| u32::from_be_bytes(out.bytes[o..o + 4].try_into().expect("4 bytes"));
    assert_eq!((be(at + 8), be(at + 12)), (planned.width, planned.height));
    assert_eq!((out.width, out.height), (64, 43));
}

/// Every case's output size (checked equal to `plan::plan` above) is also what
/// `pixform plan --source WxH` prints.
#[test]
fn cli_plan_prints_every_case_size() {
    let exe = env!("CARGO_BIN_EXE_pixform");
    for case in CASES {
        let input = fixture(case.fixture);
        let info = pixform::codec::probe(&input, &Limits::default()).expect("probe");
        let planned = plan_for(&input, case.query);
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
        assert_eq!(
            (json["width"].as_u64(), json["height"].as_u64()),
            (
                Some(u64::from(planned.width)),
                Some(u64::from(planned.height))
            ),
            "{}",
            case.name
        );
    }
}
