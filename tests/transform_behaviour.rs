//! Behaviour of `pixform::transform` that a reference image cannot show: orientation
//! invariance, colour fidelity, alpha flattening without fringes, format negotiation,
//! download headers, JSON facts, ICC handling, `dlRaw`, and the CLI.

mod support;

use std::io::Cursor;

use image::{ImageFormat as ImgFormat, Rgb, RgbImage, Rgba, RgbaImage};
use pixform::codec::{self, EncodeOptions};
use pixform::ImageFormat;
use pixform::{Image, PixelLayout};
use support::*;

const PICOS: &str = "picos-240x160-baseline.jpg";
const FIG: &str = "fig-240x160-rgb.png";
const MARS: &str = "mars-240x120-rgba.png";

fn png_bytes(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImgFormat::Png).expect("encode png");
    out.into_inner()
}

/// The eight EXIF orientations of one picture all come out as the same upright image, at
/// full size and through a shrink-on-load resize, and match the `image` crate's reading.
#[test]
fn exif_orientations_give_the_same_upright_image() {
    for query in [
        "fm=png",
        "w=48&fm=png",
        "w=40&h=40&fit=crop&crop=left&fm=png",
    ] {
        let upright = decode_rgba(&run(&fixture("fig-96x64-orient1.jpg"), query).bytes);
        for o in 1..=8 {
            let name = format!("fig-96x64-orient{o}.jpg");
            let input = fixture(&name);
            let out = run(&input, query);
            let planned = plan_for(&input, query);
            assert_eq!((out.width, out.height), (planned.width, planned.height));
            let got = decode_rgba(&out.bytes);
            let d = diff(&upright, &got).unwrap_or_else(|| panic!("{name} {query}: size"));
            // The eight files hold differently quantised DCT blocks of the same pixels.
            assert!(
                d.mean <= 1.5 && d.max <= 24,
                "{name} {query}: {d:?}; see {}",
                write_failure(&format!("orient{o}"), &upright, &got)
            );
            let reference = independent_render(&input, &planned, None);
            let d = diff(&reference, &got).expect("size");
            assert!(d.mean <= 3.0, "{name} {query} vs image crate: {d:?}");
        }
    }
}

/// A flat colour stays within ±2 per channel through resizing, effects and every encoder;
/// lossy WebP within ±5 at q75 and ±3 at q90 (VP8 quantises each macroblock's chroma DC
/// separately: saturated colours come back uneven — libwebp's own decoder shows the same
/// ±5 at q75 on the cyan — while greys come back exact).
#[test]
fn flat_colour_survives_resize_and_encoding() {
    for colour in [
        [200u8, 120, 40],
        [30, 200, 230],
        [128, 128, 128],
        [250, 250, 250],
    ] {
        let src = png_bytes(&image::DynamicImage::ImageRgb8(RgbImage::from_pixel(
            64,
            48,
            Rgb(colour),
        )));
        for query in [
            "w=37&fm=png",
            "w=37&fm=jpg",
            "w=37&fm=pjpg",
            "w=37&fm=webp",
            "w=37&fm=webp&q=90",
            "w=37&fm=gif",
            "w=100&fm=png",
            "w=37&h=20&fit=crop&fm=jpg",
            "blur=20&fm=png",
            "sharp=100&w=50&fm=png",
            "rect=3,5,50,30&or=90&dpr=1.5&w=17&fm=jpg",
        ] {
            let out = run(&src, query);
            let tolerance = match (out.format, query.contains("q=90")) {
                (ImageFormat::Webp, false) => 5,
                (ImageFormat::Webp, true) => 3,
                _ => 2,
            };
            let got = decode_rgba(&out.bytes);
            let planned = plan_for(&src, query);
            assert_eq!(got.dimensions(), (planned.width, planned.height), "{query}");
            for (x, y, p) in got.enumerate_pixels() {
                for c in 0..3 {
                    assert!(
                        p[c].abs_diff(colour[c]) <= tolerance && p[3] == 255,
                        "{colour:?} {query}: pixel ({x},{y}) is {p:?}"
                    );
                }
            }
        }
    }
}

/// A light disc on a transparent background whose hidden colour is black. Resizing without
/// premultiplied alpha, or flattening badly, shows a dark ring at the edge.
fn disc_on_transparent_black() -> RgbaImage {
    RgbaImage::from_fn(64, 64, |x, y| {
        let (dx, dy) = (f64::from(x) - 31.5, f64::from(y) - 31.5);
        if dx.hypot(dy) < 20.0 {
            Rgba([250, 210, 170, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    })
}

/// Transparent PNG → JPEG: composited over white with no dark fringe. No pixel is darker
/// than both colours it lies between (the disc's and white), beyond Lanczos ringing and JPEG
/// noise; and the result matches an independent composite-over-white rendering.
#[test]
fn transparent_png_to_jpeg_has_no_dark_fringe() {
    let src = png_bytes(&image::DynamicImage::ImageRgba8(disc_on_transparent_black()));
    for query in ["w=40&fm=jpg&q=95", "w=23&fm=jpg&q=95", "w=40&fm=png&bg=fff"] {
        let lossy = !query.contains("fm=png");
        let out = run(&src, query);
        let got = decode_rgba(&out.bytes);
        let fg = [250u8, 210, 170];
        let luma = |p: [u8; 3]| {
            0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
        };
        for (x, y, p) in got.enumerate_pixels() {
            let rgb = [p[0], p[1], p[2]];
            // Every pixel lies between the disc and white, whose darker end is the disc; a
            // black fringe at 50 % coverage would have about half the disc's luma (~110).
            // Allowed: Lanczos ringing, and for JPEG the encoder's ringing at the edge
            // (libjpeg at q95 darkens the same pixels by 8 luma levels; 4:2:0 chroma shifts
            // single channels there, so JPEG is held to luma only).
            let slack = if out.format == ImageFormat::Png {
                3.0
            } else {
                12.0
            };
            assert!(
                luma(rgb) + slack >= luma(fg),
                "{query}: pixel ({x},{y}) {p:?} is darker than the disc {fg:?}"
            );
            if out.format == ImageFormat::Png {
                for c in 0..3 {
                    assert!(
                        u16::from(p[c]) + 12 >= u16::from(fg[c]),
                        "{query}: pixel ({x},{y}) {p:?} is darker than the disc {fg:?}"
                    );
                }
            }
        }
        let planned = plan_for(&src, query);
        let reference = independent_render(&src, &planned, Some([255, 255, 255]));
        let d = diff(&reference, &got).expect("size");
        // JPEG: 4:2:0 chroma at the disc's edge (mean 1.8 at 23 px wide).
        let limit = if lossy { 2.5 } else { 0.5 };
        assert!(d.mean <= limit, "{query}: {d:?} vs composite over white");
    }
}

/// An explicit opaque `bg` fills the transparent areas of an image with alpha, like the
/// padding (imgix: "colors the background of padded or transparent images").
#[test]
fn opaque_bg_fills_transparency() {
    let src = fixture(MARS);
    for query in ["w=120&bg=336699&fm=png", "w=120&bg=336699&fm=webp&q=100"] {
        let got = decode_rgba(&run(&src, query).bytes);
        // The mars panorama's sky (top rows) is fully transparent.
        let p = got.get_pixel(60, 2);
        assert_eq!(p[3], 255, "{query}: sky pixel {p:?} still transparent");
        for (c, want) in [0x33u8, 0x66, 0x99].into_iter().enumerate() {
            assert!(p[c].abs_diff(want) <= 2, "{query}: sky pixel {p:?}");
        }
    }
    // A translucent bg keeps the output translucent where the source is transparent.
    let got = decode_rgba(&run(&src, "w=120&bg=80336699&fm=png").bytes);
    let p = got.get_pixel(60, 2);
    assert!(p[3].abs_diff(0x80) <= 1, "translucent bg: sky pixel {p:?}");
    // Without bg, PNG keeps the transparency.
    let got = decode_rgba(&run(&src, "w=120&fm=png").bytes);
    assert_eq!(got.get_pixel(60, 2)[3], 0);
}

fn magic(bytes: &[u8]) -> ImageFormat {
    match bytes {
        [0xFF, 0xD8, ..] => ImageFormat::Jpeg,
        [0x89, b'P', b'N', b'G', ..] => ImageFormat::Png,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => ImageFormat::Webp,
        [b'G', b'I', b'F', ..] => ImageFormat::Gif,
        [_, _, _, _, b'f', b't', b'y', b'p', b'a', b'v', b'i', b'f', ..] => ImageFormat::Avif,
        _ => panic!("unknown output magic {:?}", &bytes[..bytes.len().min(12)]),
    }
}

#[test]
fn auto_format_negotiates_with_accept() {
    use ImageFormat::*;
    #[rustfmt::skip]
    let cases: &[(&str, &str, &[ImageFormat], ImageFormat, bool)] = &[
        (PICOS, "auto=format&w=60",        &[Avif, Webp], Avif, true),
        (PICOS, "auto=format&w=60",        &[Webp, Avif], Avif, true),
        (PICOS, "auto=format&w=60",        &[Webp],       Webp, true),
        (PICOS, "auto=format&w=60",        &[Png, Jpeg],  Jpeg, true),
        (PICOS, "auto=format&w=60",        &[],           Jpeg, true),
        (PICOS, "auto=format&fm=png&w=60", &[Jpeg],       Png,  true),
        (FIG,   "auto=format&w=60",        &[],           Png,  true),
        (MARS,  "auto=format&fm=jpg&w=60", &[],           Png,  true),
        (MARS,  "auto=format&fm=jpg&w=60", &[Webp],       Webp, true),
        (MARS,  "auto=format&fm=jpg&bg=fff&w=60", &[],    Jpeg, true),
        (MARS,  "auto=format&fm=jpg&bg=8fff&w=60", &[],   Png,  true),
        (PICOS, "auto=format&pad=4&bg=0000&w=60", &[],    Png,  true),
        (PICOS, "auto=format&pad=4&bg=00f&w=60", &[],     Jpeg, true),
        (MARS,  "auto=format&w=60",        &[],           Png,  true),
        (PICOS, "w=60",                    &[Avif, Webp], Jpeg, false),
        (MARS,  "fm=jpg&w=60",             &[],           Jpeg, false),
    ];
    for &(name, query, accept, want, vary) in cases {
        let input = fixture(name);
        let out = run_accepting(&input, query, accept.to_vec());
        let planned = plan_for(&input, query);
        let what = format!("{name} {query} accept {accept:?}");
        assert_eq!(out.format, want, "{what}");
        assert_eq!(magic(&out.bytes), want, "{what}: bytes");
        assert_eq!(out.content_type, want.mime_type(), "{what}");
        assert_eq!(out.vary_accept, vary, "{what}");
        assert_eq!(
            (out.width, out.height),
            (planned.width, planned.height),
            "{what}"
        );
    }
}

#[test]
fn download_names_give_safe_content_disposition() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("dl=",                                   r#"attachment; filename="image.jpg""#),
        ("dl=true",                               r#"attachment; filename="image.jpg""#),
        ("dl=photo.jpg",                          r#"attachment; filename="photo.jpg""#),
        ("dl=my%20%22file%22.jpg",                r#"attachment; filename="my file.jpg""#),
        ("dl=caf%C3%A9.jpg",                      r#"attachment; filename="caf_.jpg"; filename*=UTF-8''caf%C3%A9.jpg"#),
        ("dl=l'%C3%A9t%C3%A9%20(1).jpg",          r#"attachment; filename="l'_t_ (1).jpg"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20%281%29.jpg"#),
        ("dl=a%0D%0ASet-Cookie%3A%20x%3D1.jpg",   r#"attachment; filename="aSet-Cookie: x=1.jpg""#),
        ("dl=..%2F..%2Fetc%5Cpasswd",             r#"attachment; filename="....etcpasswd""#),
        ("dl=%E2%80%AEgpj.exe&fm=png",            r#"attachment; filename="_gpj.exe"; filename*=UTF-8''%E2%80%AEgpj.exe"#),
    ];
    let input = fixture(PICOS);
    for &(query, want) in cases {
        let out = run(&input, &format!("w=20&{query}"));
        let got = out.content_disposition.as_deref();
        assert_eq!(got, Some(want), "{query}");
        let header = got.unwrap_or_default();
        assert!(
            header.chars().all(|c| !c.is_control()) && header.is_ascii(),
            "{query}: {header:?}"
        );
        assert_eq!(header.matches('"').count(), 2, "{query}: {header:?}");
    }
    assert_eq!(run(&input, "w=20").content_disposition, None);
}

#[test]
fn json_facts_match_the_plan() {
    // Sizes by hand from the geometry rules (sizes round half up):
    // 240×160, w=100 → h = 160·100/240 = 66.7 → 67.
    // 240×160, fit=fill 50×50 less 2·5 of padding → the image fits 40×40: 40×26.7 → 40×27 on a
    //   40×40 canvas, plus 5 on every side → 50×50.
    // 240×120 turned 90° → 120×240, h=77 → w = 120·77/240 = 38.5 → 39.
    #[rustfmt::skip]
    let cases = [
        (PICOS, "fm=json&w=100",                    (100, 67), "image/jpeg"),
        (FIG,   "fm=json&w=50&h=50&fit=fill&pad=5", (50, 50),  "image/png"),
        (MARS,  "fm=json&or=90&h=77",               (39, 77),  "image/png"),
    ];
    for (name, query, (width, height), content_type) in cases {
        let input = fixture(name);
        let out = run(&input, query);
        assert_eq!(out.content_type, "application/json", "{query}");
        let json: serde_json::Value = serde_json::from_slice(&out.bytes).expect("json");
        assert_eq!(json["width"], width, "{query}: {json}");
        assert_eq!(json["height"], height, "{query}: {json}");
        assert_eq!((out.width, out.height), (width, height), "{query}");
        assert_eq!(json["content_type"], content_type, "{query}: {json}");
    }
}

/// A JPEG whose pixels are in Display P3 (profile embedded), saturated enough that the
/// conversion to sRGB visibly changes them.
fn p3_jpeg() -> (Vec<u8>, Vec<u8>) {
    let profile = moxcms::ColorProfile::new_display_p3()
        .encode()
        .expect("P3 profile");
    let img = Image::filled(32, 24, PixelLayout::Rgb8, &[40, 200, 60]).expect("image");
    let bytes = codec::encode(
        &img,
        ImageFormat::Jpeg,
        &EncodeOptions {
            quality: 95,
            progressive: false,
            icc_profile: Some(profile.clone()),
        },
    )
    .expect("encode");
    (bytes, profile)
}

fn has_icc_chunk(bytes: &[u8], format: ImageFormat) -> bool {
    let marker: &[u8] = match format {
        ImageFormat::Jpeg => b"ICC_PROFILE\0",
        ImageFormat::Png => b"iCCP",
        ImageFormat::Webp => b"ICCP",
        _ => return false,
    };
    bytes.windows(marker.len()).any(|w| w == marker)
}

#[test]
fn cs_origin_keeps_the_icc_profile_and_default_strips_it() {
    let (src, _) = p3_jpeg();
    assert!(has_icc_chunk(&src, ImageFormat::Jpeg));
    for fm in ["jpg", "png", "webp"] {
        let origin = run(&src, &format!("w=16&cs=origin&fm={fm}"));
        let default = run(&src, &format!("w=16&fm={fm}"));
        let srgb = run(&src, &format!("w=16&cs=srgb&fm={fm}"));
        assert!(
            has_icc_chunk(&origin.bytes, origin.format),
            "cs=origin fm={fm}"
        );
        assert!(
            !has_icc_chunk(&default.bytes, default.format),
            "default fm={fm}"
        );
        assert!(!has_icc_chunk(&srgb.bytes, srgb.format), "cs=srgb fm={fm}");
        // The kept pixels are the P3 values; the default converts them to sRGB.
        let o = *decode_rgba(&origin.bytes).get_pixel(8, 6);
        let d = *decode_rgba(&default.bytes).get_pixel(8, 6);
        assert!(o[1].abs_diff(200) <= 3, "cs=origin fm={fm}: {o:?}");
        assert!(
            (0..3).any(|c| o[c].abs_diff(d[c]) > 10),
            "fm={fm}: P3 {o:?} and sRGB {d:?} should differ"
        );
    }
}

#[test]
fn dl_raw_returns_the_original_bytes() {
    for name in [PICOS, MARS, "picos-120x80-3frames.gif"] {
        let input = fixture(name);
        let out = run(&input, "dlRaw=orig.bin&w=10&fm=webp");
        assert_eq!(out.bytes, input, "{name}");
        assert_eq!(
            out.content_disposition.as_deref(),
            Some(r#"attachment; filename="orig.bin""#)
        );
        assert_eq!(out.format, magic(&input));
        assert_eq!(out.content_type, magic(&input).mime_type());
    }
}

#[test]
fn lower_quality_gives_smaller_files_of_the_same_size() {
    let input = fixture(FIG);
    for fm in ["jpg", "webp", "avif"] {
        let low = run(&input, &format!("w=120&fm={fm}&q=20"));
        let high = run(&input, &format!("w=120&fm={fm}&q=90"));
        assert_eq!((low.width, low.height), (high.width, high.height));
        assert!(
            low.bytes.len() * 3 / 2 < high.bytes.len(),
            "fm={fm}: q=20 {} bytes, q=90 {} bytes",
            low.bytes.len(),
            high.bytes.len()
        );
    }
}

/// `frame=1` serves the first frame as a still; without it the animation stays one (PNG as
/// an APNG whose default image is the first frame); JPEG is always the first frame.
#[test]
fn frame_1_is_the_first_frame_and_animations_stay_animated() {
    let input = fixture("picos-120x80-3frames.gif");
    let first = decode_upright(&input).to_rgba8();
    // (query, output format, frames in the output, mean difference to the first frame:
    // GIF re-quantises the palette, JPEG q75 is lossy; the second frame, a negative, would
    // differ by ~100)
    let cases = [
        ("frame=1&fm=png", ImageFormat::Png, 1, 0.0),
        ("frame=1", ImageFormat::Gif, 1, 2.0),
        ("fm=png", ImageFormat::Png, 3, 0.0),
        ("fm=jpg", ImageFormat::Jpeg, 1, 5.0),
        ("", ImageFormat::Gif, 3, 2.0),
    ];
    for (query, format, frames, mean) in cases {
        let out = run(&input, query);
        let info = pixform::codec::probe(&out.bytes, &pixform::Limits::default()).expect("probe");
        assert_eq!((out.format, info.frames), (format, frames), "{query}");
        let got = decode_rgba(&out.bytes);
        let d = diff(&first, &got).expect("size");
        assert!(d.mean <= mean, "{query}: {d:?}");
    }
}

/// The CLI: `pixform transform` writes the file `transform()` makes, and `pixform plan
/// --source WxH` prints the size it has.
#[test]
fn cli_transform_and_plan_agree() {
    let exe = env!("CARGO_BIN_EXE_pixform");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-golden");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let out_path = dir.join("out.png");
    let query = "w=100&h=50&fit=crop&crop=bottom&fm=png";
    let input = testdata("fixtures/fig-240x160-rgb.png");
    let status = std::process::Command::new(exe)
        .args(["transform"])
        .arg(&input)
        .arg(query)
        .arg("-o")
        .arg(&out_path)
        .status()
        .expect("run pixform transform");
    assert!(status.success());
    let written = std::fs::read(&out_path).expect("output");
    let lib = run(&fixture(FIG), query);
    assert_eq!(written, lib.bytes);

    let plan = std::process::Command::new(exe)
        .args(["plan", "--source", "240x160", query])
        .output()
        .expect("run pixform plan");
    assert!(plan.status.success());
    let json: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan json");
    assert_eq!(
        (json["width"].as_u64(), json["height"].as_u64()),
        (Some(100), Some(50))
    );
    assert_eq!(decode_rgba(&written).dimensions(), (100, 50));
}
