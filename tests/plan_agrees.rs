//! `transform` writes what `plan` says: over random specs, random `Accept` sets and small
//! sources (the fixtures, and generated images with and without alpha in every input format),
//! the output's format, size, alpha, content type and `Vary: Accept` are the plan's. The
//! output bytes are checked on their own too: their magic number, and the size and alpha
//! their header declares.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use pixform::codec::{self, EncodeOptions};
use pixform::plan::{plan, PlanOptions, SourceFacts};
use pixform::{transform, ImageFormat, Limits, TransformOptions, TransformSpec};
use pixform::{Image, PixelLayout};

const FIXTURES: &[&str] = &[
    "fig-240x160-rgb.png",
    "fig-96x64-orient1.jpg",
    "fig-96x64-orient6.jpg",
    "fig-96x64-orient7.jpg",
    "friends-160x240.webp",
    "mars-240x120-rgba.png",
    "picos-120x80-3frames.gif",
    "picos-240x160-baseline.jpg",
    "seeding-240x160-progressive.jpg",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The container format named by the first bytes of an output.
fn magic(bytes: &[u8]) -> Option<ImageFormat> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(ImageFormat::Jpeg),
        [0x89, b'P', b'N', b'G', ..] => Some(ImageFormat::Png),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(ImageFormat::Webp),
        [b'G', b'I', b'F', b'8', ..] => Some(ImageFormat::Gif),
        [_, _, _, _, b'f', b't', b'y', b'p', b'a', b'v', b'i', b'f', ..] => Some(ImageFormat::Avif),
        _ => None,
    }
}

/// Size and alpha an AVIF declares: its first `ispe` property and whether it has an alpha
/// auxiliary image.
fn avif_header(bytes: &[u8]) -> (u32, u32, bool) {
    let at = bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("AVIF has an ispe box");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let alpha = bytes.windows(15).any(|w| w == b"auxiliary:alpha");
    (be(at + 8), be(at + 12), alpha)
}

/// A generated source: `w`×`h`, a gradient with a random offset, alpha (when asked) that is
/// translucent everywhere so every crop of it keeps transparency.
fn generated(
    w: u32,
    h: u32,
    alpha: bool,
    format: ImageFormat,
    seed: u8,
    progressive: bool,
) -> Vec<u8> {
    let layout = if alpha {
        PixelLayout::Rgba8
    } else {
        PixelLayout::Rgb8
    };
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let v = |k: u32| ((x * 7 + y * 13 + k * 29 + u32::from(seed)) % 256) as u8;
            data.extend_from_slice(&[v(0), v(1), v(2)]);
            if alpha {
                data.push(40 + ((x * 11 + y * 5) % 160) as u8);
            }
        }
    }
    let image = Image::from_vec(w, h, layout, data).expect("image");
    codec::encode(
        &image,
        format,
        &EncodeOptions {
            quality: 90,
            progressive,
            ..EncodeOptions::default()
        },
    )
    .expect("encode source")
}

fn source() -> impl Strategy<Value = (String, Vec<u8>)> {
    prop_oneof![
        select(FIXTURES).prop_map(|name| (name.to_owned(), fixture(name))),
        (
            1u32..=40,
            1u32..=40,
            any::<bool>(),
            select(vec![ImageFormat::Png, ImageFormat::Webp, ImageFormat::Gif]),
            any::<u8>(),
        )
            .prop_map(|(w, h, alpha, format, seed)| {
                let name = format!("generated {w}x{h} {format} alpha={alpha}");
                (name, generated(w, h, alpha, format, seed, false))
            }),
        (1u32..=40, 1u32..=40, any::<bool>(), any::<u8>()).prop_map(|(w, h, progressive, seed)| {
            let name = format!("generated {w}x{h} jpg progressive={progressive}");
            (
                name,
                generated(w, h, false, ImageFormat::Jpeg, seed, progressive),
            )
        }),
    ]
}

/// A valid query of small outputs: a random subset of the parameters that decide the output's
/// format, alpha and size.
fn query() -> impl Strategy<Value = String> {
    let hex = prop_oneof![
        "[0-9a-f]{3}",
        "[0-9a-f]{4}",
        "[0-9a-f]{6}",
        "[0-9a-f]{8}",
        Just("0000".to_owned()),
        Just("ffff".to_owned())
    ];
    let parts: Vec<BoxedStrategy<Option<String>>> = vec![
        proptest::option::of((1u32..=48).prop_map(|v| format!("w={v}"))).boxed(),
        proptest::option::of((1u32..=48).prop_map(|v| format!("h={v}"))).boxed(),
        proptest::option::of(
            select(vec![
                "clip", "crop", "fill", "fillmax", "max", "min", "scale",
            ])
            .prop_map(|v| format!("fit={v}")),
        )
        .boxed(),
        proptest::option::of(
            select(vec!["top,left", "bottom", "right", "focalpoint", "entropy"])
                .prop_map(|v| format!("crop={v}")),
        )
        .boxed(),
        proptest::option::of(
            select(vec!["jpg", "pjpg", "png", "webp", "gif", "avif", "json"])
                .prop_map(|v| format!("fm={v}")),
        )
        .boxed(),
        proptest::option::of(Just("auto=format".to_owned())).boxed(),
        proptest::option::of(hex.prop_map(|v| format!("bg={v}"))).boxed(),
        proptest::option::of((0u32..=6).prop_map(|v| format!("pad={v}"))).boxed(),
        proptest::option::of(
            (0u32..=20, 0u32..=20, 1u32..=30, 1u32..=30)
                .prop_map(|(l, t, w, h)| format!("rect={l},{t},{w},{h}")),
        )
        .boxed(),
        proptest::option::of(select(vec!["90", "180", "270"]).prop_map(|v| format!("or={v}")))
            .boxed(),
        proptest::option::of(select(vec!["h", "v", "hv"]).prop_map(|v| format!("flip={v}")))
            .boxed(),
        proptest::option::of(select(vec!["1.5", "2", "3"]).prop_map(|v| format!("dpr={v}")))
            .boxed(),
        proptest::option::of((1u32..=20).prop_map(|v| format!("blur={v}"))).boxed(),
        proptest::option::of(select(vec!["b-w", "origin"]).prop_map(|v| format!("cs={v}"))).boxed(),
        proptest::option::of(select(vec!["dl=x.img", "dlRaw=raw.img"]).prop_map(str::to_owned))
            .boxed(),
    ];
    parts.prop_map(|chosen| chosen.into_iter().flatten().collect::<Vec<_>>().join("&"))
}

fn accept() -> impl Strategy<Value = Vec<ImageFormat>> {
    use ImageFormat::*;
    subsequence(vec![Avif, Webp, Png, Jpeg, Gif], 0..=3)
}

fn check(
    name: &str,
    input: &[u8],
    query: &str,
    accept: &[ImageFormat],
) -> Result<(), TestCaseError> {
    let spec = TransformSpec::from_query(query).expect("valid query");
    let limits = Limits::default();
    let info = codec::probe(input, &limits).expect("probe");
    let planned = plan(
        &SourceFacts::from(&info),
        &spec,
        &PlanOptions::new(limits.clone(), accept.to_vec()),
    );
    let out = transform(
        input,
        &spec,
        &TransformOptions::new(limits, accept.to_vec()),
    );
    let (planned, out) = match (planned, out) {
        (Ok(p), Ok(o)) => (p, o),
        (Err(p), Err(pixform::Error::Plan(e))) => {
            prop_assert_eq!(p, e);
            return Ok(());
        }
        (p, o) => {
            return Err(TestCaseError::fail(format!(
                "{name} {query:?}: plan {p:?}, transform {:?}",
                o.map(|o| (o.format, o.width, o.height))
            )))
        }
    };
    let what = format!("{name} {query:?} accept {accept:?}");
    prop_assert_eq!(out.format, planned.encoding.format, "{}", &what);
    prop_assert_eq!(
        (out.width, out.height),
        planned.response_size(),
        "{}",
        &what
    );
    prop_assert_eq!(out.has_alpha, planned.has_alpha, "{}", &what);
    prop_assert_eq!(&out.content_type, planned.content_type, "{}", &what);
    prop_assert_eq!(out.vary_accept, planned.vary_accept, "{}", &what);
    prop_assert!(
        !(planned.has_alpha && planned.encoding.format == ImageFormat::Jpeg),
        "{}",
        &what
    );
    if planned.raw {
        prop_assert_eq!(&out.bytes[..], input, "{}", &what);
        prop_assert_eq!(
            planned.response_size(),
            (info.width, info.height),
            "{}",
            &what
        );
        prop_assert_eq!(
            (planned.encoding.format, planned.has_alpha),
            (info.format, info.has_alpha),
            "{}",
            &what
        );
        return Ok(());
    }
    if planned.encoding.json {
        let facts: serde_json::Value = serde_json::from_slice(&out.bytes).expect("JSON facts");
        prop_assert_eq!(
            &facts["format"],
            &serde_json::to_value(planned.encoding.format).expect("format as JSON"),
            "{}",
            &what
        );
        prop_assert_eq!(&facts["has_alpha"], planned.has_alpha, "{}", &what);
        prop_assert_eq!(&facts["width"], planned.width, "{}", &what);
        prop_assert_eq!(&facts["height"], planned.height, "{}", &what);
        return Ok(());
    }
    // The bytes, read on their own.
    prop_assert_eq!(
        magic(&out.bytes),
        Some(planned.encoding.format),
        "{}",
        &what
    );
    let (w, h, alpha) = if planned.encoding.format == ImageFormat::Avif {
        avif_header(&out.bytes)
    } else {
        let header = codec::probe(&out.bytes, &Limits::default()).expect("output header");
        (header.width, header.height, header.has_alpha)
    };
    prop_assert_eq!((w, h), (planned.width, planned.height), "{}", &what);
    // No format carries alpha the plan does not have. libwebp, the GIF encoder (after
    // rounding alpha to 1 bit) and ravif leave out an alpha channel that is opaque
    // everywhere: then the decoded pixels must be opaque (AVIF, which nothing here decodes,
    // is left at the first check); a PNG's colour type says "alpha" whenever the plan does.
    prop_assert!(planned.has_alpha || !alpha, "{}", &what);
    match planned.encoding.format {
        ImageFormat::Png => prop_assert_eq!(alpha, planned.has_alpha, "{}", &what),
        ImageFormat::Webp | ImageFormat::Gif if planned.has_alpha && !alpha => {
            let decoded = image::load_from_memory(&out.bytes)
                .expect("decodes")
                .to_rgba8();
            prop_assert!(decoded.pixels().all(|p| p[3] == 255), "{}", &what);
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn transform_writes_what_the_plan_says(
        (name, input) in source(),
        query in query(),
        accept in accept(),
    ) {
        check(&name, &input, &query, &accept)?;
    }
}

/// (source, query, accepted formats, planned format, planned alpha)
type NegotiationCase<'a> = (&'a [u8], &'a str, &'a [ImageFormat], ImageFormat, bool);

/// The negotiation and flattening rules on the cases they exist for, one line each.
#[test]
fn negotiation_and_alpha_cases() {
    use ImageFormat::*;
    let alpha_png = generated(8, 6, true, Png, 1, false);
    let opaque_jpg = generated(8, 6, false, Jpeg, 1, false);
    #[rustfmt::skip]
    let cases: &[NegotiationCase] = &[
        (&alpha_png,  "auto=format&fm=jpg",          &[],           Png,  true),
        (&alpha_png,  "auto=format&fm=jpg",          &[Webp],       Webp, true),
        (&alpha_png,  "auto=format&fm=jpg",          &[Avif, Webp], Avif, true),
        (&alpha_png,  "auto=format&fm=jpg&bg=f00",   &[],           Jpeg, false),
        (&alpha_png,  "auto=format&bg=ff0000",       &[Webp],       Webp, false),
        (&alpha_png,  "auto=format&fm=jpg&bg=8f00",  &[],           Png,  true),
        (&alpha_png,  "fm=jpg",                      &[Webp],       Jpeg, false),
        (&alpha_png,  "fm=json&auto=format",         &[Webp],       Webp, true),
        (&opaque_jpg, "auto=format&pad=2&bg=0f00",   &[],           Png,  true),
        (&opaque_jpg, "auto=format&pad=2",           &[],           Jpeg, false),
        (&opaque_jpg, "pad=2&bg=0f00&fm=webp",       &[],           Webp, true),
        (&opaque_jpg, "bg=0f00&fm=png",              &[],           Png,  false),
        (&opaque_jpg, "auto=format&dlRaw=a.jpg",     &[Avif],       Jpeg, false),
    ];
    for &(input, query, accept, format, alpha) in cases {
        let spec = TransformSpec::from_query(query).expect("valid query");
        let info = codec::probe(input, &Limits::default()).expect("probe");
        let planned = plan(
            &SourceFacts::from(&info),
            &spec,
            &PlanOptions::new(Limits::default(), accept.to_vec()),
        )
        .expect("plan");
        assert_eq!(
            (planned.encoding.format, planned.has_alpha),
            (format, alpha),
            "{query} {accept:?}"
        );
        check(query, input, query, accept).unwrap_or_else(|e| panic!("{query}: {e}"));
    }
}

/// The cache key: stable for a spec and format, blind to cache busters and spelling, and
/// different whenever the bytes can differ.
#[test]
fn cache_key_covers_what_changes_the_bytes() {
    let facts = SourceFacts {
        width: 300,
        height: 200,
        has_alpha: false,
        frames: 1,
        format: ImageFormat::Jpeg,
    };
    let key = |query: &str, accept: &[ImageFormat]| {
        let spec = TransformSpec::from_query(query).expect("valid query");
        plan(
            &facts,
            &spec,
            &PlanOptions::new(Limits::default(), accept.to_vec()),
        )
        .expect("plan")
        .cache_key
    };
    let base = key("w=100&fm=webp", &[]);
    assert_eq!(base.len(), 40);
    assert!(base
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // Same bytes, same key: order, aliases, unknown keys, Accept without auto=format.
    #[rustfmt::skip]
    let same: &[(&str, &[ImageFormat])] = &[
        ("fm=webp&w=100",                 &[]),
        ("w=100&fm=webp&v=3&cachebust=1", &[]),
        ("w=100&fm=webp",                 &[ImageFormat::Avif]),
    ];
    for &(query, accept) in same {
        assert_eq!(key(query, accept), base, "{query} {accept:?}");
    }
    // Different bytes, different key.
    #[rustfmt::skip]
    let different: &[(&str, &[ImageFormat])] = &[
        ("w=101&fm=webp",             &[]),
        ("w=100&fm=png",              &[]),
        ("w=100&fm=webp&q=80",        &[]),
        ("w=100&fm=webp&dl=a.webp",   &[]),
        ("w=100&auto=format",         &[ImageFormat::Webp]),
        ("w=100&auto=format",         &[ImageFormat::Avif]),
    ];
    let mut seen = vec![base.clone()];
    for &(query, accept) in different {
        let k = key(query, accept);
        assert!(!seen.contains(&k), "{query} {accept:?} repeats a key");
        seen.push(k);
    }
}

/// The key is the documented digest, so it is the same in every run and release of this
/// major version: recomputed here from the description in `Plan::cache_key`.
#[test]
fn cache_key_is_the_documented_digest() {
    use sha1::{Digest, Sha1};
    let facts = SourceFacts {
        width: 300,
        height: 200,
        has_alpha: false,
        frames: 1,
        format: ImageFormat::Png,
    };
    let jpeg = if cfg!(feature = "turbojpeg") {
        "libjpeg-turbo"
    } else {
        "libjpeg-turbo-rs+jpeg-decoder"
    };
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    // (query, accepted formats, the lines after the scheme and codec lines)
    #[rustfmt::skip]
    let cases: &[(&str, &[ImageFormat], &str)] = &[
        ("fm=webp&w=100",            &[],                  "format webp\nw 100\nfm webp\n"),
        ("w=100&auto=format",        &[ImageFormat::Avif], "format avif\nw 100\nauto format\n"),
        ("w=100&auto=format",        &[],                  "format png\nw 100\nauto format\n"),
        ("dl=a%20b.png&bg=80ff0000", &[],                  "format png\nbg 80ff0000\ndl a%20b.png\n"),
    ];
    for &(query, accept, lines) in cases {
        let spec = TransformSpec::from_query(query).expect("valid query");
        let planned = plan(
            &facts,
            &spec,
            &PlanOptions::new(Limits::default(), accept.to_vec()),
        )
        .expect("plan");
        let input = format!("scheme pixform/{major}\njpeg {jpeg}\n{lines}");
        let want = format!("{:x}", Sha1::digest(input.as_bytes()));
        assert_eq!(planned.cache_key, want, "{query}");
    }
}
