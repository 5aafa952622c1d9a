//! Animations: the header facts (frames, summed delays, loop count) and the animation limits.
//!
//! The fixtures in `testdata/anim/` are written by `testdata/make_anim.py` (Pillow) with the
//! frame delays 100, 250 and 40 ms and a different loop setting per file.

use std::time::{Duration, Instant};

use pixform::codec::{probe, CodecError};
use pixform::{ImageFormat, LimitKind, Limits};

fn anim(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/anim")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loop counts are total plays, 0 = forever: GIF's NETSCAPE2.0 repeat count n > 0 is n + 1
/// plays and no extension is one play; WebP's ANIM and APNG's acTL count plays already.
#[test]
fn headers_give_frames_summed_delays_and_plays() {
    let cases = [
        ("gif-3frames-loop2.gif", ImageFormat::Gif, 3),
        ("gif-3frames-once.gif", ImageFormat::Gif, 1),
        ("gif-3frames-forever.gif", ImageFormat::Gif, 0),
        ("webp-3frames-loop3.webp", ImageFormat::Webp, 3),
        ("apng-3frames-loop4.png", ImageFormat::Png, 4),
    ];
    for (name, format, plays) in cases {
        let info = probe(&anim(name), &Limits::default()).expect(name);
        assert_eq!(
            (
                info.format,
                info.width,
                info.height,
                info.frames,
                info.duration_ms,
                info.loop_count
            ),
            (format, 24, 16, 3, Some(390), Some(plays)),
            "{name}"
        );
    }
}

#[test]
fn stills_have_no_duration_or_loop_count() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures");
    for name in [
        "picos-240x160-baseline.jpg",
        "mars-240x120-rgba.png",
        "friends-160x240.webp",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect(name);
        let info = probe(&bytes, &Limits::default()).expect(name);
        assert_eq!(
            (info.frames, info.duration_ms, info.loop_count),
            (1, None, None),
            "{name}"
        );
    }
}

/// A GIF with `frames` frames of one pixel each on a `screen`, every frame with a graphic
/// control extension of `delay_cs` centiseconds.
fn tiny_frames_gif(screen: (u16, u16), frames: usize, delay_cs: u16) -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&screen.0.to_le_bytes());
    v.extend_from_slice(&screen.1.to_le_bytes());
    v.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    for _ in 0..frames {
        v.extend_from_slice(&[0x21, 0xF9, 4, 0]);
        v.extend_from_slice(&delay_cs.to_le_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
        v.extend_from_slice(&[2, 2, 0x44, 0x01, 0]);
    }
    v.push(0x3B);
    v
}

fn limit_of(e: &CodecError) -> (LimitKind, u64, u64) {
    match e {
        CodecError::LimitExceeded {
            format: ImageFormat::Gif,
            limit,
            value,
            max,
        } => (*limit, *value, *max),
        other => panic!("expected a GIF limit error, got {other:?}"),
    }
}

#[test]
fn ten_thousand_tiny_frames_are_refused_from_the_header_within_a_second() {
    let bytes = tiny_frames_gif((1, 1), 10_000, 2);
    let started = Instant::now();
    let e = probe(&bytes, &Limits::default()).expect_err("over max_frames");
    assert_eq!(limit_of(&e), (LimitKind::MaxFrames, 10_000, 1000));
    let err = pixform::transform(
        &bytes,
        &pixform::TransformSpec::default(),
        &pixform::TransformOptions::default(),
    )
    .expect_err("over max_frames");
    assert!(err.to_string().contains("max_frames"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // Within max_frames, the header walk still sums every delay.
    let mut limits = Limits::default();
    limits.max_frames = 10_000;
    let info = probe(&bytes, &limits).expect("within the limits");
    assert_eq!(
        (info.frames, info.duration_ms, info.loop_count),
        (10_000, Some(200_000), Some(1))
    );
}

#[test]
fn the_decode_budget_counts_frames_times_the_canvas() {
    // 300 one-pixel frames on a 1000x1000 screen: 3e8 canvas pixels to compose.
    let bytes = tiny_frames_gif((1000, 1000), 300, 10);
    let e = probe(&bytes, &Limits::default()).expect_err("over the budget");
    assert_eq!(
        limit_of(&e),
        (LimitKind::MaxAnimationPixels, 300_000_000, 268_402_689)
    );
    let mut limits = Limits::default();
    limits.max_animation_pixels = 300_000_000;
    let info = probe(&bytes, &limits).expect("within the budget");
    assert_eq!(info.duration_ms, Some(30_000));
}

#[test]
fn the_budget_is_checked_when_planning_from_stored_facts() {
    let source = pixform::plan::SourceFacts {
        width: 1000,
        height: 1000,
        has_alpha: false,
        frames: 300,
        format: ImageFormat::Gif,
    };
    let e = pixform::plan::plan(
        &source,
        &pixform::TransformSpec::default(),
        &pixform::plan::PlanOptions::default(),
    )
    .expect_err("over the budget");
    match e {
        pixform::plan::PlanError::SourceTooLarge {
            limit, value, max, ..
        } => assert_eq!(
            (limit, value, max),
            (LimitKind::MaxAnimationPixels, 300_000_000, 268_402_689)
        ),
        other => panic!("{other:?}"),
    }
}

/// Every composed canvas of `bytes` with its delay.
fn composed(bytes: &[u8]) -> Vec<(Vec<u8>, u32)> {
    let mut frames = pixform::codec::frames(bytes, &Limits::default()).expect("opens");
    let mut out = Vec::new();
    while let Some(meta) = frames.next_frame().expect("frame") {
        out.push((frames.canvas().to_vec(), meta.delay_ms));
    }
    assert_eq!(out.len(), frames.count() as usize);
    out
}

#[test]
fn gif_and_webp_frames_are_composed_one_canvas_at_a_time() {
    let colours = [[200, 30, 30, 255], [30, 200, 30, 255], [30, 30, 200, 255]];
    for name in ["gif-3frames-loop2.gif", "webp-3frames-loop3.webp"] {
        let frames = composed(&anim(name));
        assert_eq!(frames.len(), 3, "{name}");
        for (i, ((canvas, delay), colour)) in frames.iter().zip(colours).enumerate() {
            assert_eq!(*delay, [100, 250, 40][i], "{name} frame {i}");
            assert_eq!(canvas.len(), 24 * 16 * 4);
            // image-webp blends opaque frame pixels too (libwebp copies them), which can
            // lose one level: 30 over an opaque canvas comes back as 29.
            let tolerance = if name.ends_with(".webp") { 1 } else { 0 };
            let worst = canvas
                .chunks_exact(4)
                .flat_map(|p| p.iter().zip(colour).map(|(a, b)| a.abs_diff(b)))
                .max();
            assert!(
                worst <= Some(tolerance),
                "{name} frame {i}: off by {worst:?} from {colour:?}"
            );
        }
    }
}

#[test]
fn gif_disposal_and_transparency_follow_the_specification() {
    const R: [u8; 4] = [255, 0, 0, 255];
    const G: [u8; 4] = [0, 255, 0, 255];
    const B: [u8; 4] = [0, 0, 255, 255];
    const T: [u8; 4] = [0, 0, 0, 0];
    use gif::DisposalMethod::{Background, Keep, Previous};
    let palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0];
    // (left, width, indices, transparent index, disposal, delay in cs)
    type Step = (
        u16,
        u16,
        &'static [u8],
        Option<u8>,
        gif::DisposalMethod,
        u16,
    );
    let plan: [Step; 4] = [
        (0, 3, &[0, 0, 0], None, Keep, 1),
        (1, 1, &[1], None, Background, 2),
        (2, 1, &[2], None, Previous, 3),
        (0, 2, &[3, 1], Some(3), Keep, 4),
    ];
    let mut bytes = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut bytes, 3, 1, &palette).expect("in memory");
        for (left, width, indices, transparent, dispose, delay) in plan {
            let frame = gif::Frame {
                left,
                width,
                height: 1,
                buffer: std::borrow::Cow::Borrowed(indices),
                transparent,
                dispose,
                delay,
                ..gif::Frame::default()
            };
            enc.write_frame(&frame).expect("in memory");
        }
    }
    let want: [[[u8; 4]; 3]; 4] = [[R, R, R], [R, G, R], [R, T, B], [R, G, R]];
    let mut frames = pixform::codec::frames(&bytes, &Limits::default()).expect("opens");
    for (i, want) in want.iter().enumerate() {
        let meta = frames.next_frame().expect("frame").expect("declared");
        assert_eq!(meta.delay_ms, 10 * (i as u32 + 1), "frame {i}");
        assert_eq!(frames.canvas(), want.concat(), "frame {i}");
    }
    assert_eq!(frames.next_frame().expect("end"), None);
}

#[test]
fn apng_dispose_and_blend_match_an_independent_composition() {
    let frames = composed(&anim("apng-dispose-blend.png"));
    // The image crate composes APNG with its own code: an independent reference.
    use image::AnimationDecoder;
    let reference: Vec<image::Frame> =
        image::codecs::png::PngDecoder::new(std::io::Cursor::new(anim("apng-dispose-blend.png")))
            .expect("png")
            .apng()
            .expect("apng")
            .into_frames()
            .collect::<Result<_, _>>()
            .expect("frames");
    assert_eq!(reference.len(), 4);
    assert_eq!(frames.len(), 4);
    let frame_len = 16 * 8 * 4;
    for (i, (canvas, delay)) in frames.iter().enumerate() {
        assert_eq!(*delay, [50, 60, 70, 80][i]);
        let want = reference[i].buffer().as_raw();
        assert_eq!(want.len(), frame_len);
        // Source-over rounding may differ by one level between implementations.
        let worst = canvas.iter().zip(want).map(|(a, b)| a.abs_diff(*b)).max();
        assert!(worst <= Some(1), "frame {i}: off by {worst:?}");
    }
}

#[test]
fn apng_frames_are_composed_one_canvas_at_a_time() {
    let colours = [[200, 30, 30, 255], [30, 200, 30, 255], [30, 30, 200, 255]];
    let frames = composed(&anim("apng-3frames-loop4.png"));
    assert_eq!(frames.len(), 3);
    for (i, ((canvas, delay), colour)) in frames.iter().zip(colours).enumerate() {
        assert_eq!(*delay, [100, 250, 40][i]);
        assert!(canvas.chunks_exact(4).all(|p| p == colour), "frame {i}");
    }
}

/// Each composed frame goes through the still pipeline after its decode: the same plan gives
/// the same pixels as rendering that frame saved as a still image.
#[test]
fn composed_frames_render_through_the_still_pipeline() {
    let bytes = anim("gif-3frames-loop2.gif");
    let info = probe(&bytes, &Limits::default()).expect("probe");
    let spec = pixform::TransformSpec::from_query("w=12&or=90&blur=2").expect("query");
    let plan = pixform::plan::plan(
        &pixform::plan::SourceFacts::from(&info),
        &spec,
        &pixform::plan::PlanOptions::default(),
    )
    .expect("plan");
    let mut frames = pixform::codec::frames(&bytes, &Limits::default()).expect("opens");
    let mut n = 0;
    while frames.next_frame().expect("frame").is_some() {
        let canvas = frames.canvas().to_vec();
        let rendered =
            pixform::render_decoded(canvas_decoded(24, 16, canvas.clone()), &info, &plan)
                .expect("render");
        // The same frame as a still PNG, through decode and render.
        let still = pixform::codec::encode(
            &pixform::Image::from_vec(24, 16, pixform::PixelLayout::Rgba8, canvas).expect("size"),
            ImageFormat::Png,
            &pixform::codec::EncodeOptions::default(),
        )
        .expect("png");
        let still_info = probe(&still, &Limits::default()).expect("probe");
        let want = pixform::render(&still, &still_info, &plan, &Limits::default()).expect("render");
        assert_eq!(
            (rendered.image.width(), rendered.image.height()),
            (12, 18),
            "frame {n}"
        );
        assert_eq!(
            (want.image.width(), want.image.height(), want.image.layout()),
            (12, 18, rendered.image.layout()),
            "frame {n}"
        );
        assert_eq!(rendered.image.data(), want.image.data(), "frame {n}");
        n += 1;
    }
    assert_eq!(n, 3);
}

/// Composes `bytes`, renders every frame with `query` and writes the frames as an animated
/// GIF with the source's delays and plays.
fn to_animated_gif(bytes: &[u8], query: &str) -> Vec<u8> {
    let info = probe(bytes, &Limits::default()).expect("probe");
    let spec = pixform::TransformSpec::from_query(query).expect("query");
    let plan = pixform::plan::plan(
        &pixform::plan::SourceFacts::from(&info),
        &spec,
        &pixform::plan::PlanOptions::default(),
    )
    .expect("plan");
    let mut out = pixform::codec::GifAnimation::new(
        plan.width,
        plan.height,
        info.loop_count.expect("animated"),
    )
    .expect("encoder");
    let mut frames = pixform::codec::frames(bytes, &Limits::default()).expect("opens");
    while let Some(meta) = frames.next_frame().expect("frame") {
        let decoded = canvas_decoded(frames.width(), frames.height(), frames.canvas().to_vec());
        let rendered = pixform::render_decoded(decoded, &info, &plan).expect("render");
        out.add(&rendered.image, meta.delay_ms).expect("add");
    }
    out.finish().expect("finish")
}

#[test]
fn animated_gif_output_keeps_frames_delays_and_plays() {
    let cases = [
        ("gif-3frames-loop2.gif", 3),
        ("gif-3frames-once.gif", 1),
        ("gif-3frames-forever.gif", 0),
        ("webp-3frames-loop3.webp", 3),
        ("apng-3frames-loop4.png", 4),
    ];
    let colours = [[200, 30, 30, 255], [30, 200, 30, 255], [30, 30, 200, 255]];
    for (name, plays) in cases {
        for (query, size) in [
            ("w=12", (12, 8)),
            ("w=12&or=90", (12, 18)),
            ("blur=5", (24, 16)),
        ] {
            let gif = to_animated_gif(&anim(name), query);
            let info = probe(&gif, &Limits::default()).expect("probe output");
            assert_eq!(
                (
                    info.format,
                    (info.width, info.height),
                    info.frames,
                    info.duration_ms,
                    info.loop_count
                ),
                (ImageFormat::Gif, size, 3, Some(390), Some(plays)),
                "{name} {query}"
            );
            // Flat colours survive resizing, rotation, blur and quantization (WebP's
            // composition may be one level off).
            let frames = composed(&gif);
            for (i, ((canvas, delay), colour)) in frames.iter().zip(colours).enumerate() {
                assert_eq!(*delay, [100, 250, 40][i], "{name} {query} frame {i}");
                let worst = canvas
                    .chunks_exact(4)
                    .flat_map(|p| p.iter().zip(colour).map(|(a, b)| a.abs_diff(b)))
                    .max();
                assert!(
                    worst <= Some(1),
                    "{name} {query} frame {i}: off by {worst:?}"
                );
            }
        }
    }
}

/// Every prefix and every single-byte change of the fixtures composes to typed errors or to
/// frames of the header's size and count: never a panic, never more frames than declared.
#[test]
fn truncated_and_mutated_animations_fail_typed() {
    let names = [
        "gif-3frames-loop2.gif",
        "webp-3frames-loop3.webp",
        "apng-3frames-loop4.png",
        "apng-dispose-blend.png",
    ];
    for name in names {
        let whole = anim(name);
        let mut variants: Vec<Vec<u8>> = (0..whole.len()).map(|n| whole[..n].to_vec()).collect();
        for i in 0..whole.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut v = whole.clone();
                v[i] ^= flip;
                variants.push(v);
            }
        }
        for bytes in &variants {
            let Ok(mut frames) = pixform::codec::frames(bytes, &Limits::default()) else {
                continue;
            };
            let canvas = frames.width() as usize * frames.height() as usize * 4;
            let mut n = 0;
            while let Ok(Some(_)) = frames.next_frame() {
                assert_eq!(frames.canvas().len(), canvas, "{name}");
                n += 1;
                assert!(n <= frames.count(), "{name}: more frames than declared");
            }
        }
    }
}

/// A composed RGBA canvas as a decoded upright image, for `render_decoded`.
fn canvas_decoded(width: u32, height: u32, canvas: Vec<u8>) -> pixform::codec::Decoded {
    pixform::codec::Decoded {
        image: pixform::Image::from_vec(width, height, pixform::PixelLayout::Rgba8, canvas)
            .expect("size"),
        orientation: pixform::ops::Orientation::Identity,
        icc_profile: None,
    }
}
