//! Animated output through `transform`: frames, per-frame delays and plays survive the
//! transform, read back by decoders that are not pixform's (the `image` crate's animation
//! decoders for the frames and delays; the `gif`, `image-webp` and `png` crates' own header
//! readers for the plays), and every frame equals the same frame rendered as a still.
//!
//! Fixtures: `testdata/anim/*-6frames-moving.*` (`testdata/make_anim.py`): six 96×64 frames,
//! delays 20, 40, 60, 80, 100 and 120 ms, 3 plays.

mod support;

use std::io::Cursor;

use image::{AnimationDecoder, RgbaImage};
use pixform::codec::{self, EncodeOptions};
use pixform::plan::{plan, PlanError, PlanOptions, SourceFacts};
use pixform::{Image, ImageFormat, Limits, PixelLayout, TransformOptions};
use support::{diff, run, run_accepting, spec, testdata};

const GIF: &str = "gif-6frames-moving.gif";
const WEBP: &str = "webp-6frames-moving.webp";
const APNG: &str = "apng-6frames-moving.png";
const DELAYS: [u32; 6] = [20, 40, 60, 80, 100, 120];
const PLAYS: u32 = 3;

fn anim(name: &str) -> Vec<u8> {
    let path = testdata(&format!("anim/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An animation read back independently: each composed frame with its delay in ms, and the
/// plays (0 = forever) as the format's own crate reads them.
struct ReadBack {
    frames: Vec<(RgbaImage, f64)>,
    plays: u32,
}

fn collect(frames: image::Frames<'_>) -> Vec<(RgbaImage, f64)> {
    frames
        .map(|f| {
            let f = f.expect("frame decodes");
            let (n, d) = f.delay().numer_denom_ms();
            (f.into_buffer(), f64::from(n) / f64::from(d))
        })
        .collect()
}

fn read_back(bytes: &[u8], format: ImageFormat) -> ReadBack {
    match format {
        ImageFormat::Gif => {
            let frames = collect(
                image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
                    .expect("gif")
                    .into_frames(),
            );
            let decoder = gif::DecodeOptions::new().read_info(bytes).expect("gif");
            // NETSCAPE2.0 repeat count n means n + 1 plays; no extension, one play.
            let mut decoder = decoder;
            while decoder.read_next_frame().expect("frame").is_some() {}
            let plays = match decoder.repeat() {
                gif::Repeat::Infinite => 0,
                gif::Repeat::Finite(0) => 1,
                gif::Repeat::Finite(n) => u32::from(n) + 1,
            };
            ReadBack { frames, plays }
        }
        ImageFormat::Webp => {
            let frames = collect(
                image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
                    .expect("webp")
                    .into_frames(),
            );
            let d = image_webp::WebPDecoder::new(Cursor::new(bytes)).expect("webp");
            let plays = match d.loop_count() {
                image_webp::LoopCount::Forever => 0,
                image_webp::LoopCount::Times(n) => u32::from(n.get()),
            };
            ReadBack { frames, plays }
        }
        ImageFormat::Png => {
            let frames = collect(
                image::codecs::png::PngDecoder::new(Cursor::new(bytes))
                    .expect("png")
                    .apng()
                    .expect("apng")
                    .into_frames(),
            );
            let reader = png::Decoder::new(Cursor::new(bytes))
                .read_info()
                .expect("png");
            let actl = reader.info().animation_control.expect("acTL");
            ReadBack {
                frames,
                plays: actl.num_plays,
            }
        }
        other => panic!("not an animation format: {other:?}"),
    }
}

/// Frame `k` of `source` composed by pixform, saved as a lossless PNG (RGB when the source
/// has no alpha, as the animation's frames are treated).
fn frame_png(source: &[u8], k: usize) -> Vec<u8> {
    let info = codec::probe(source, &Limits::default()).expect("probe");
    let mut frames = codec::frames(source, &Limits::default()).expect("frames");
    for _ in 0..=k {
        frames.next_frame().expect("frame").expect("declared");
    }
    let (w, h) = (frames.width(), frames.height());
    let image = if info.has_alpha {
        Image::from_vec(w, h, PixelLayout::Rgba8, frames.canvas().to_vec())
    } else {
        let rgb = frames
            .canvas()
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Image::from_vec(w, h, PixelLayout::Rgb8, rgb)
    }
    .expect("size");
    codec::encode(&image, ImageFormat::Png, &EncodeOptions::default()).expect("png")
}

/// Frame `k` of `source` rendered by `query` as a still image: [`frame_png`] transformed
/// with `fm` set to `format`.
fn frame_as_still(source: &[u8], k: usize, query: &str, format: ImageFormat) -> RgbaImage {
    let fm = format.extension();
    let query = if query.is_empty() {
        format!("fm={fm}")
    } else {
        format!("{query}&fm={fm}")
    };
    let out = run(&frame_png(source, k), &query);
    support::decode_rgba(&out.bytes)
}

/// The still query that renders any frame with the window `crop=entropy` placed on the
/// first frame of `source`: `query` with the fit and crop replaced by that `rect`.
fn with_first_frame_window(source: &[u8], query: &str) -> String {
    let still = frame_png(source, 0);
    let info = codec::probe(&still, &Limits::default()).expect("probe");
    let planned = support::plan_for(&still, query);
    let window = pixform::render(&still, &info, &planned, &Limits::default())
        .expect("render")
        .plan
        .crop_window;
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.starts_with("fit=") && !p.starts_with("crop="))
        .map(str::to_owned)
        .collect();
    parts.push(format!(
        "rect={},{},{},{}",
        window.x, window.y, window.width, window.height
    ));
    parts.join("&")
}

/// (source, query, output format, output size, tolerance).
type Survives = (&'static str, &'static str, ImageFormat, (u32, u32), u8);

/// (source, query, output format, output size): the source's frames, delays and plays must
/// survive, and each frame must equal the same frame rendered as a still (max difference in
/// one channel: lossy WebP decodes differ by a level between decoders).
#[rustfmt::skip]
const SURVIVES: &[Survives] = &[
    (GIF,  "w=100",      ImageFormat::Gif,  (100, 67), 0),
    (GIF,  "or=90",      ImageFormat::Gif,  (64, 96),  0),
    (GIF,  "blur=20",    ImageFormat::Gif,  (96, 64),  0),
    (GIF,  "",           ImageFormat::Gif,  (96, 64),  0),
    (GIF,  "fm=webp",    ImageFormat::Webp, (96, 64),  2),
    (GIF,  "fm=png",     ImageFormat::Png,  (96, 64),  0),
    (WEBP, "",           ImageFormat::Webp, (96, 64),  2),
    (WEBP, "w=48&or=90", ImageFormat::Webp, (48, 72),  2),
    (WEBP, "fm=gif",     ImageFormat::Gif,  (96, 64),  0),
    (APNG, "",           ImageFormat::Png,  (96, 64),  0),
    (APNG, "h=32&flip=h&fm=webp", ImageFormat::Webp, (48, 32), 2),
    (GIF,  "w=40&h=40&fit=crop&crop=entropy&sat=-50", ImageFormat::Gif, (40, 40), 0),
    (WEBP, "w=60&h=30&fit=fill&bg=336699&pad=4", ImageFormat::Webp, (60, 30), 2),
];

#[test]
fn frames_delays_and_plays_survive_the_transform() {
    for &(source, query, format, size, tolerance) in SURVIVES {
        let input = anim(source);
        let case = format!("{source} {query:?}");
        let out = run(&input, query);
        assert_eq!(
            (out.format, out.width, out.height),
            (format, size.0, size.1),
            "{case}"
        );
        let back = read_back(&out.bytes, format);
        assert_eq!(back.plays, PLAYS, "{case}: plays");
        let delays: Vec<f64> = back.frames.iter().map(|f| f.1).collect();
        let want: Vec<f64> = DELAYS.iter().map(|&d| f64::from(d)).collect();
        assert_eq!(delays, want, "{case}: delays");
        // Our own header walk agrees.
        let info = codec::probe(&out.bytes, &Limits::default()).expect("probe output");
        assert_eq!(
            (info.frames, info.duration_ms, info.loop_count),
            (6, Some(420), Some(PLAYS)),
            "{case}"
        );
        let still_query = query
            .split('&')
            .filter(|p| !p.starts_with("fm="))
            .collect::<Vec<_>>()
            .join("&");
        for (k, (frame, _)) in back.frames.iter().enumerate() {
            assert_eq!(frame.dimensions(), size, "{case} frame {k}");
            // crop=entropy places the window once, on the first frame, and every frame keeps
            // it (a still of a later frame could place it elsewhere).
            let still_query = if k > 0 && query.contains("entropy") {
                with_first_frame_window(&input, &still_query)
            } else {
                still_query.clone()
            };
            let want = frame_as_still(&input, k, &still_query, format);
            let d = diff(&want, frame).expect("same size");
            assert!(d.max <= tolerance, "{case} frame {k}: {d:?}");
        }
    }
}

#[test]
fn frame_1_and_still_formats_give_the_first_frame() {
    // (query, output format; None = the source's)
    let cases = [
        ("frame=1", None),
        ("frame=1&fm=png", Some(ImageFormat::Png)),
        ("frame=1&fm=webp", Some(ImageFormat::Webp)),
        ("fm=jpg", Some(ImageFormat::Jpeg)),
        ("fm=pjpg&w=48", Some(ImageFormat::Jpeg)),
        ("fm=avif", Some(ImageFormat::Avif)),
    ];
    for source in [GIF, WEBP, APNG] {
        let input = anim(source);
        let source_format = codec::probe(&input, &Limits::default())
            .expect("probe")
            .format;
        for (query, format) in cases {
            let format = format.unwrap_or(source_format);
            let case = format!("{source} {query}");
            let out = run(&input, query);
            assert_eq!(out.format, format, "{case}");
            if format.supports_animation() {
                assert_eq!(read_back_count(&out.bytes, format), 1, "{case}");
            }
            let info = codec::probe(&out.bytes, &Limits::default()).expect("probe");
            assert_eq!(info.frames, 1, "{case}");
            if format == ImageFormat::Avif {
                continue; // no independent AVIF decoder here; the frame count is checked
            }
            let still_query: String = query
                .split('&')
                .filter(|p| !p.starts_with("fm=") && !p.starts_with("frame="))
                .collect::<Vec<_>>()
                .join("&");
            let want = frame_as_still(&input, 0, &still_query, format);
            let got = support::decode_rgba(&out.bytes);
            let d = diff(&want, &got).expect("same size");
            assert!(d.max <= 2, "{case}: {d:?}");
        }
    }
}

/// The frames of an output as the `image` crate reads them (a still has one; its animation
/// decoders read animations only).
fn read_back_count(bytes: &[u8], format: ImageFormat) -> usize {
    let still = match format {
        ImageFormat::Webp => !image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .expect("webp")
            .has_animation(),
        ImageFormat::Png => !image::codecs::png::PngDecoder::new(Cursor::new(bytes))
            .expect("png")
            .is_apng()
            .expect("png"),
        _ => false,
    };
    if still {
        1
    } else {
        read_back(bytes, format).frames.len()
    }
}

/// `auto=format` keeps an animation animated: AVIF is skipped, WebP taken when accepted. PNG
/// standing in for a requested JPEG (to keep alpha) is the still JPEG would have been; when
/// the output is a still anyway, AVIF is chosen as for any still.
#[test]
fn auto_format_keeps_the_animation_and_skips_avif() {
    const ALPHA: &str = "webp-6frames-alpha.webp";
    use ImageFormat::{Avif, Gif, Jpeg, Png, Webp};
    // (source, query, accepted, output format, frames)
    #[rustfmt::skip]
    let cases: [(&str, &str, &[ImageFormat], ImageFormat, u32); 11] = [
        (GIF,   "auto=format",         &[Avif, Webp], Webp, 6),
        (GIF,   "auto=format&w=48",    &[Avif],       Gif,  6),
        (GIF,   "auto=format&fm=png",  &[Avif],       Png,  6),
        (GIF,   "auto=format&frame=1", &[Avif, Webp], Avif, 1),
        (GIF,   "auto=format&fm=jpg",  &[Avif],       Avif, 1),
        (GIF,   "auto=format&fm=jpg",  &[],           Jpeg, 1),
        (ALPHA, "auto=format&fm=jpg",  &[],           Png,  1),
        (ALPHA, "auto=format&fm=jpg",  &[Avif],       Avif, 1),
        (ALPHA, "auto=format&fm=jpg",  &[Webp],       Webp, 6),
        (ALPHA, "auto=format",         &[Avif],       Webp, 6),
        (ALPHA, "fm=png",              &[],           Png,  6),
    ];
    for (source, query, accept, format, frames) in cases {
        let case = format!("{source} {query} accept {accept:?}");
        let out = run_accepting(&anim(source), query, accept.to_vec());
        assert_eq!(out.format, format, "{case}");
        assert_eq!(out.vary_accept, query.contains("auto"), "{case}");
        let info = codec::probe(&out.bytes, &Limits::default()).expect("probe");
        assert_eq!(info.frames, frames, "{case}");
        if frames > 1 {
            assert_eq!(read_back(&out.bytes, format).frames.len(), 6, "{case}");
        }
    }
}

#[test]
fn json_reports_the_frames_duration_and_plays_of_the_output() {
    let input = anim(WEBP);
    // (query, frames, duration, plays, format)
    type Case = (&'static str, u64, Option<u64>, Option<u64>, &'static str);
    let cases: [Case; 4] = [
        ("fm=json", 6, Some(420), Some(3), "webp"),
        ("fm=json&w=48", 6, Some(420), Some(3), "webp"),
        ("fm=json&frame=1", 1, None, None, "webp"),
        ("fm=json&auto=format", 6, Some(420), Some(3), "webp"),
    ];
    for (query, frames, duration, plays, format) in cases {
        let out = run(&input, query);
        let v: serde_json::Value = serde_json::from_slice(&out.bytes).expect("json");
        assert_eq!(
            (
                v["frames"].as_u64(),
                v["duration_ms"].as_u64(),
                v["loop_count"].as_u64(),
                v["format"].as_str()
            ),
            (Some(frames), duration, plays, Some(format)),
            "{query}: {v}"
        );
        // The byte count is that of the image the same query without fm=json serves.
        let image_query = query.replace("fm=json", "fm=webp");
        let image = run(&input, &image_query);
        assert_eq!(
            v["bytes"].as_u64(),
            Some(image.bytes.len() as u64),
            "{query}"
        );
    }
}

fn facts(frames: u32, width: u32, height: u32) -> SourceFacts {
    SourceFacts {
        width,
        height,
        has_alpha: false,
        frames,
        format: ImageFormat::Gif,
    }
}

#[test]
fn the_plan_says_how_many_frames_and_keys_stills_as_before() {
    // (query, frames of the plan for a 6-frame GIF)
    let cases = [
        ("", 6),
        ("fm=webp", 6),
        ("fm=png", 6),
        ("fm=gif&w=10", 6),
        ("frame=1", 1),
        ("fm=jpg", 1),
        ("fm=pjpg", 1),
        ("fm=avif", 1),
        ("fm=json", 6),
        ("dlRaw=a.gif", 6),
    ];
    let options = PlanOptions::default();
    for (query, frames) in cases {
        let animated = plan(&facts(6, 96, 64), &spec(query), &options).expect(query);
        let still = plan(&facts(1, 96, 64), &spec(query), &options).expect(query);
        assert_eq!(animated.frames, frames, "{query}");
        assert_eq!(animated.animated(), frames > 1, "{query}");
        // A still output's key is the key a still source gets; an animation's differs.
        let same_key = animated.cache_key == still.cache_key;
        assert_eq!(same_key, frames == 1 || animated.raw, "{query}");
    }
}

#[test]
fn an_animated_output_is_bounded_by_frames_times_its_area() {
    let options = PlanOptions::default();
    // 100 frames of 1000×1000 are within the decode budget (1e8 ≤ 268 402 689)…
    plan(&facts(100, 1000, 1000), &spec(""), &options).expect("within");
    // …but not at 2000×2000 each: 4e8 pixels to resize and encode.
    let e = plan(&facts(100, 1000, 1000), &spec("w=2000"), &options).expect_err("over");
    assert_eq!(
        e,
        PlanError::AnimationTooLarge {
            frames: 100,
            width: 2000,
            height: 2000,
            value: 400_000_000,
            max: 268_402_689,
        }
    );
    assert_eq!(e.http_status(), 422);
    assert_eq!(
        e.to_string(),
        "output: 100 frames of 2000x2000 exceed max_animation_pixels (400000000 > 268402689); \
         frame=1 gives a still"
    );
    // A still of the same size is fine.
    plan(&facts(100, 1000, 1000), &spec("w=2000&frame=1"), &options).expect("still");
    plan(&facts(100, 1000, 1000), &spec("w=2000&fm=jpg"), &options).expect("still");
    // Through transform: a tight budget on the 6-frame 96×64 fixture (36 864 source pixels).
    let mut limits = Limits::default();
    limits.max_animation_pixels = 40_000;
    let err = pixform::transform(
        &anim(GIF),
        &spec("w=192"),
        &TransformOptions::new(limits.clone(), Vec::new()),
    )
    .expect_err("6 × 192 × 128 > 40 000");
    assert!(
        matches!(
            err,
            pixform::Error::Plan(PlanError::AnimationTooLarge {
                frames: 6,
                width: 192,
                height: 128,
                value: 147_456,
                max: 40_000
            })
        ),
        "{err:?}"
    );
    let still = pixform::transform(
        &anim(GIF),
        &spec("w=192&frame=1"),
        &TransformOptions::new(limits, Vec::new()),
    )
    .expect("a still is not counted");
    assert_eq!((still.width, still.height), (192, 128));
}

/// A source with a transparent band and a half-transparent square keeps its alpha in every
/// format that has one; an opaque `bg` fills it.
#[test]
fn transparent_animations_keep_their_alpha() {
    const ALPHA: &str = "webp-6frames-alpha.webp";
    let input = anim(ALPHA);
    // (query, format, has_alpha)
    let cases = [
        ("", ImageFormat::Webp, true),
        ("w=48&fm=png", ImageFormat::Png, true),
        ("fm=gif", ImageFormat::Gif, true),
        ("bg=fff", ImageFormat::Webp, false),
        ("or=270&fm=png&bg=80ff0000", ImageFormat::Png, true),
    ];
    for (query, format, alpha) in cases {
        let out = run(&input, query);
        assert_eq!((out.format, out.has_alpha), (format, alpha), "{query}");
        let back = read_back(&out.bytes, format);
        assert_eq!((back.frames.len(), back.plays), (6, 0), "{query}");
        let probed = codec::probe(&out.bytes, &Limits::default()).expect("probe");
        assert_eq!(probed.has_alpha, alpha, "{query}");
        let still_query = query
            .split('&')
            .filter(|p| !p.starts_with("fm="))
            .collect::<Vec<_>>()
            .join("&");
        for (k, (frame, delay)) in back.frames.iter().enumerate() {
            assert_eq!(*delay, f64::from(DELAYS[k]), "{query} frame {k}");
            let want = frame_as_still(&input, k, &still_query, format);
            let d = diff(&want, frame).expect("same size");
            assert!(d.max <= 2, "{query} frame {k}: {d:?}");
        }
    }
}
