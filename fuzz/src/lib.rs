//! The checks behind the fuzz targets, one function per target. `tests/fuzz_regressions.rs`
//! includes this file too, so `cargo test` replays saved inputs through exactly the code the
//! fuzzer ran. Each function panics when an invariant breaks (errors are fine while fuzzing)
//! and returns the input's outcome, one fact a line (sizes, or error variants with their
//! context), which a replay compares with the `NAME.expected` file saved beside the input.

use pixform::codec::{
    decode, decode_dc, decode_hinted, probe, scaled_size, CodecError, DecodeOptions, Decoded,
};
use pixform::params::ParamError;
use pixform::plan::{plan, Plan, SourceFacts};
use pixform::url::parse_image_url;
use pixform::BufferPool;
use pixform::{AssetId, ImageFormat, Limits, TransformOptions, TransformSpec};

/// Input text: invalid UTF-8 is replaced rather than skipped, so every input exercises the parser.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The source facts from a header `WxH` (optionally followed by `a` for alpha), e.g.
/// `300x450a`; anything else is a 300×450 opaque JPEG.
fn source_facts(header: &str) -> SourceFacts {
    let has_alpha = header.ends_with('a');
    let dims = header.trim_end_matches('a');
    let (width, height) = dims
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or((300, 450));
    let format = match (u64::from(width) + u64::from(height)) % 4 {
        0 => ImageFormat::Jpeg,
        1 => ImageFormat::Png,
        2 => ImageFormat::Webp,
        _ => ImageFormat::Gif,
    };
    SourceFacts {
        width,
        height,
        has_alpha,
        frames: 1,
        format,
    }
}

/// Target `query_plan`: `WxH?query` → spec → plan; checks the plan's invariants. Outcome: per
/// limits (`default`, `none`) the planned size or the error.
pub fn query_plan(data: &[u8]) -> String {
    let input = text(data);
    let (header, query) = input.split_once('?').unwrap_or(("", input.as_str()));
    let facts = source_facts(header);
    let mut outcome = Vec::new();
    for (name, limits) in [("default", Limits::default()), ("none", Limits::none())] {
        let spec = match TransformSpec::from_query_with_limits(query, &limits) {
            Ok(spec) => spec,
            Err(e) => {
                outcome.push(format!("{name}: {e:?}"));
                continue;
            }
        };
        match plan(&facts, &spec, &(&limits).into()) {
            Ok(p) => {
                check_plan(&facts, &p, &limits);
                outcome.push(format!("{name}: {}x{}", p.width, p.height));
            }
            Err(e) => outcome.push(format!("{name}: {e:?}")),
        }
    }
    outcome.join("\n")
}

fn check_plan(facts: &SourceFacts, p: &Plan, limits: &Limits) {
    let inside = |x: u32, w: u32, extent: u32| u64::from(x) + u64::from(w) <= u64::from(extent);
    assert!((1..=limits.max_output_side).contains(&p.width), "{p:?}");
    assert!((1..=limits.max_output_side).contains(&p.height), "{p:?}");
    assert!(u64::from(p.width) * u64::from(p.height) <= limits.max_output_pixels);
    assert!(inside(p.rect.x, p.rect.width, facts.width), "{p:?}");
    assert!(inside(p.rect.y, p.rect.height, facts.height), "{p:?}");
    let (ow, oh) = p.oriented_size;
    let cw = p.crop_window;
    assert!(cw.width >= 1 && cw.height >= 1, "{p:?}");
    assert!(
        inside(cw.x, cw.width, ow) && inside(cw.y, cw.height, oh),
        "{p:?}"
    );
    let sw = p.source_window;
    assert!(inside(sw.x, sw.width, facts.width), "{p:?}");
    assert!(inside(sw.y, sw.height, facts.height), "{p:?}");
    assert!(p.resize.0 >= 1 && p.resize.1 >= 1, "{p:?}");
    assert!(inside(p.offset.0, p.resize.0, p.width), "{p:?}");
    assert!(inside(p.offset.1, p.resize.1, p.height), "{p:?}");
}

/// Target `spec_roundtrip`: whenever a query parses, its canonical form parses to the same
/// spec and is a fixed point. The canonical form may be longer than the input (escapes), so it
/// is re-read without the length limit. Outcome: the canonical query, or the error.
pub fn spec_roundtrip(data: &[u8]) -> String {
    let query = text(data);
    let spec = match TransformSpec::from_query(&query) {
        Ok(spec) => spec,
        Err(e) => {
            if let Some(key) = e.key() {
                assert!(e.to_string().starts_with(&format!("{key}: ")), "{e}");
            }
            assert!(matches!(e.http_status(), 400 | 414), "{e}");
            if let ParamError::InvalidValue { value, .. } = &e {
                assert!(value.len() <= 64 + '…'.len_utf8(), "{e}");
            }
            return format!("{e:?}");
        }
    };
    let canonical = spec.to_string();
    let reparsed = TransformSpec::from_query_with_limits(&canonical, &Limits::none());
    assert_eq!(reparsed.as_ref(), Ok(&spec), "{canonical}");
    let again = reparsed.map(|s| s.to_string());
    assert_eq!(again.as_deref(), Ok(canonical.as_str()));
    format!("spec: {canonical}")
}

/// Target `url_roundtrip`: asset IDs print back exactly; a parsed image URL, assembled again
/// from its parts, parses to the same parts. Outcome: the asset ID or its error, then the
/// parsed URL's parts or the parse error.
pub fn url_roundtrip(data: &[u8]) -> String {
    let input = text(data);
    let id = match AssetId::parse(&input) {
        Ok(id) => {
            assert_eq!(id.to_string(), input);
            assert_eq!(AssetId::parse(&id.to_string()).as_ref(), Ok(&id));
            format!("asset id: {id}")
        }
        Err(e) => format!("asset id: {e:?}"),
    };
    let url = match parse_image_url(&input) {
        Ok(parsed) => {
            let url = parsed.to_url();
            let again = match parse_image_url(&url) {
                Ok(again) => again,
                Err(e) => panic!("{input:?} → {url:?}: {e}"),
            };
            assert_eq!(again.base_url, parsed.base_url, "{url}");
            assert_eq!(again.resource, parsed.resource, "{url}");
            assert_eq!(again.asset, parsed.asset, "{url}");
            assert_eq!(again.vanity_name, parsed.vanity_name, "{url}");
            assert_eq!(again.query, parsed.query, "{url}");
            assert_eq!(again.spec, parsed.spec, "{url}");
            assert_eq!(again.params, parsed.params, "{url}");
            assert_eq!(again.signing, parsed.signing, "{url}");
            format!(
                "url: base {:?}, {:?}, asset {}, vanity {:?}, query {:?}",
                parsed.base_url, parsed.resource, parsed.asset, parsed.vanity_name, parsed.query
            )
        }
        Err(e) => format!("url: {e:?}"),
    };
    format!("{id}\n{url}")
}

/// Makes a panic that pixform catches unwind instead of aborting the run. libFuzzer's hook
/// aborts on every panic, even one caught; pixform catches those of its SVG renderer (usvg,
/// resvg) and answers them as errors, and those of libjpeg-turbo-rs, whose failures fall back
/// to jpeg-decoder: that is the contract under test. A panic that escapes
/// pixform still ends the run: the target aborts when its closure panics. Only the message is
/// printed (one line per caught panic).
#[cfg_attr(test, allow(dead_code))] // called by the fuzz targets, not by the replay test
pub fn let_caught_panics_unwind() {
    std::panic::set_hook(Box::new(|info| eprintln!("caught? {info}")));
}

/// The tight limits the `transform` target runs under: sources of 512 px a side and 256 Ki
/// pixels, outputs as large, animations of 16 frames and 1 Mi composed pixels, 256 KiB inputs,
/// 64 KiB metadata. Every stage is reached at these sizes (the seed images are 240 px at
/// most), and an input costs a fraction of a millisecond: the fuzzer's comparison tracing
/// makes every pixel loop expensive, and a mutated header declaring a large image over a few
/// bytes of data is decoded (padded) at its full size.
pub fn transform_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_input_bytes = 1 << 18;
    limits.max_source_width = 512;
    limits.max_source_height = 512;
    limits.max_source_pixels = 1 << 18;
    limits.max_frames = 16;
    limits.max_total_frame_pixels = 1 << 20;
    limits.max_animation_pixels = 1 << 20;
    limits.max_output_side = 512;
    limits.max_output_pixels = 1 << 18;
    limits.max_metadata_bytes = 1 << 16;
    limits
}

/// Target `transform`: `query\nimage bytes` → [`pixform::transform`] under
/// [`transform_limits`], accepting AVIF and WebP when the query's first byte is odd (so
/// `auto=format` is exercised both ways). An output has exactly the size the planner gives
/// for the probed source, within the limits. Outcome: the output's size and format, or the
/// error.
pub fn transform(data: &[u8]) -> String {
    transform_under(data, transform_limits())
}

/// The limits the `svg` target renders under: [`transform_limits`] with at most 2 000 nodes,
/// nesting 64 deep and 1 Mi painted pixels (four times the largest output), so that one
/// input costs a millisecond or less.
pub fn svg_limits() -> Limits {
    let mut limits = transform_limits();
    limits.max_svg_nodes = 2_000;
    limits.max_svg_depth = 64;
    limits.max_svg_render_pixels = 1 << 20;
    limits
}

/// Target `svg`: `query\nSVG text` → [`pixform::transform`] under [`svg_limits`]: the XML
/// probe (entities, node and depth limits, `use` expansion), the usvg tree checks and the
/// resvg render at the planned size, with the same checks as [`transform`]. Outcome: as
/// [`transform`].
pub fn svg(data: &[u8]) -> String {
    transform_under(data, svg_limits())
}

/// The limits the `anim_compose` target composes under: 256² canvases, 16 frames.
pub fn anim_limits() -> Limits {
    let mut limits = transform_limits();
    limits.max_source_pixels = 65_536;
    limits.max_frames = 16;
    limits.max_animation_pixels = 16 * 65_536;
    limits
}

/// Target `anim_compose`: GIF, WebP or APNG bytes composed frame by frame
/// ([`pixform::codec::frames`]) under [`anim_limits`]. Whenever the header is accepted, every
/// composed canvas is the header's size, the stream yields exactly the declared frame count
/// or a typed error, and the frame delays add up to the header's duration. Outcome: size,
/// frame count and delays, or the error (after how many frames).
pub fn anim_compose(data: &[u8]) -> String {
    let limits = anim_limits();
    let mut frames = match pixform::codec::frames(data, &limits) {
        Ok(frames) => frames,
        Err(e) => return format!("{e:?}"),
    };
    let info = match probe(data, &limits) {
        Ok(info) => info,
        Err(e) => panic!("frames opened what the probe rejects: {e}"),
    };
    let (width, height, count) = (frames.width(), frames.height(), frames.count());
    assert_eq!(count, info.frames);
    let canvas_bytes = u64::from(width) * u64::from(height) * 4;
    let mut delays = Vec::new();
    loop {
        match frames.next_frame() {
            Ok(Some(meta)) => {
                assert_eq!(frames.canvas().len() as u64, canvas_bytes);
                delays.push(meta.delay_ms);
            }
            Ok(None) => break,
            Err(e) => {
                assert!((400..500).contains(&e.http_status()), "{e}");
                return format!(
                    "{width}x{height} {count} frames: {e:?} after {}",
                    delays.len()
                );
            }
        }
    }
    assert_eq!(delays.len() as u64, u64::from(count));
    if count > 1 && info.format != ImageFormat::Png {
        let total: u64 = delays.iter().map(|&d| u64::from(d)).sum();
        assert_eq!(info.duration_ms, Some(total), "delays {delays:?}");
    }
    format!("{width}x{height} {count} frames, delays {delays:?}")
}

/// [`transform`] and [`svg`]: `query\nimage bytes` under `limits`.
fn transform_under(data: &[u8], limits: Limits) -> String {
    let (query, image) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (
            data.get(..i).unwrap_or(&[]),
            data.get(i + 1..).unwrap_or(&[]),
        ),
        None => (&[][..], data),
    };
    let spec = TransformSpec::from_query(&text(query)).unwrap_or_default();
    let accept = match query.first() {
        Some(b) if b % 2 == 1 => vec![ImageFormat::Avif, ImageFormat::Webp],
        _ => Vec::new(),
    };
    let options = TransformOptions::new(limits.clone(), accept);
    let result = pixform::transform(image, &spec, &options);
    let info = match probe(image, &limits) {
        Ok(info) => info,
        Err(probe_error) => {
            return match result {
                Err(e) => format!("{e:?}"),
                Ok(_) => panic!("a source the probe rejects was transformed: {probe_error}"),
            };
        }
    };
    let output = match result {
        Ok(output) => output,
        Err(e) => {
            let status = e.http_status();
            assert!((400..500).contains(&status), "{e} ({status})");
            return format!("{e:?}");
        }
    };
    if spec.download_raw.is_some() {
        assert_eq!(output.bytes, image);
        return format!("raw: {} bytes", output.bytes.len());
    }
    let facts = SourceFacts::from(&info);
    let planned = match plan(&facts, &spec, &(&limits).into()) {
        Ok(p) => p,
        Err(e) => panic!("transformed although the plan fails: {e}"),
    };
    check_plan(&facts, &planned, &limits);
    assert_eq!(
        (output.width, output.height),
        (planned.width, planned.height)
    );
    assert!(!output.bytes.is_empty());
    format!("{}x{} {:?}", output.width, output.height, output.format)
}

/// Whether `codec::decode` at 1/8 is jpeg-decoder's, which the DC-only decoder reproduces
/// byte for byte. With `turbojpeg` it is libjpeg-turbo's, which rounds differently; there
/// `tests/jpeg_dc.rs` compares with jpeg-decoder directly.
const EXACT_REFERENCE: bool = !cfg!(feature = "turbojpeg");

/// One decoder's result, as an outcome line.
fn decoded(name: &str, result: &Result<Decoded, CodecError>) -> String {
    match result {
        Ok(d) => format!(
            "{name}: {}x{} {:?}",
            d.image.width(),
            d.image.height(),
            d.image.layout()
        ),
        Err(e) => format!("{name}: {e:?}"),
    }
}

/// libjpeg-turbo's verdict on a `jpeg_dc` input, the independent judge of what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libjpeg {
    /// It decodes with an error or a warning.
    Warns,
    /// It decodes with neither.
    Clean {
        /// Whether the full decoder reads the coefficients libjpeg-turbo reads: its 1/8
        /// decode of the input equals its 1/8 decode of libjpeg-turbo's lossless transcoding
        /// of the input (every marker copied). jpeg-decoder stops a block where an AC run
        /// passes coefficient 63 without reading the value's bits, where libjpeg-turbo (and
        /// the DC-only decoder) read them and go on: such files are clean to libjpeg-turbo
        /// but the full decoder loses the bit position and drifts from there.
        reference_agrees: bool,
    },
}

/// Target `jpeg_dc`: the DC-only 1/8 JPEG decoder against the full decoder at 1/8. Neither may
/// panic; where both succeed they must agree on size, layout, orientation and kept ICC
/// profile. On a valid JPEG (`libjpeg`: libjpeg-turbo decodes it with neither error nor
/// warning, asked only when both succeed) which the full decoder reads as libjpeg-turbo does,
/// their pixels must be identical. On corrupt entropy-coded data (out-of-range runs, garbage
/// codes, extraneous bytes) the two recover differently, which is no defect, so pixels are
/// not compared there; nor where the full decoder reads a valid file otherwise than
/// libjpeg-turbo (see [`Libjpeg::Clean`]). The last byte chooses sRGB conversion (even:
/// convert), as bytes after the end-of-image marker are ignored.
/// Outcome: each decoder's size and layout or error, the verdicts of `libjpeg`, and
/// `pixels: identical` where they were compared.
pub fn jpeg_dc(data: &[u8], libjpeg: impl FnOnce() -> Libjpeg) -> String {
    let to_srgb = data.last().is_some_and(|b| b % 2 == 0);
    let limits = transform_limits();
    let dc = decode_dc(data, &limits, to_srgb);
    let full = decode(data, &limits, &jpeg_dc_options(to_srgb));
    let mut outcome = vec![decoded("dc", &dc), decoded("full", &full)];
    if let (Ok(dc), Ok(full)) = (&dc, &full) {
        assert_eq!(
            (dc.image.width(), dc.image.height(), dc.image.layout()),
            (full.image.width(), full.image.height(), full.image.layout())
        );
        assert_eq!(dc.orientation, full.orientation);
        assert_eq!(dc.icc_profile, full.icc_profile);
        match libjpeg() {
            Libjpeg::Warns => outcome.push("libjpeg: warns".to_owned()),
            Libjpeg::Clean { reference_agrees } => {
                outcome.push("libjpeg: clean".to_owned());
                if EXACT_REFERENCE {
                    if reference_agrees {
                        outcome.push("reference: reads as libjpeg".to_owned());
                        assert!(
                            dc.image.data() == full.image.data(),
                            "the DC-only decoder's pixels differ from the full decoder's"
                        );
                        outcome.push("pixels: identical".to_owned());
                    } else {
                        outcome.push("reference: reads otherwise".to_owned());
                    }
                }
            }
        }
    }
    outcome.join("\n")
}

/// The full decoder's options for the `jpeg_dc` comparison: 1/8 scale, sRGB as chosen.
pub fn jpeg_dc_options(to_srgb: bool) -> DecodeOptions {
    DecodeOptions {
        scale_denom: 8,
        to_srgb,
    }
}

/// Target `jpeg_decode`: `selector byte, JPEG bytes` → [`decode_hinted`], the decode the
/// pipeline runs, under [`transform_limits`] (sources of 256 Ki pixels). The selector's low two bits choose the plan's
/// shrink-on-load denominator (1, 2, 4, 8: full size, 1/2 and 1/4 through libjpeg-turbo-rs,
/// 1/8 through jpeg-decoder or the DC-only decoder), bit 2 keeps an RGB ICC profile instead
/// of converting to sRGB. Inputs the header probe does not take for a JPEG are not decoded.
/// An error is a typed 4xx; a decoded image has exactly the probe's stored size at that scale
/// ([`scaled_size`], rounding up), a buffer of width × height × channels, the probe's
/// orientation, and the same pixels when decoded again into a pooled buffer full of stale
/// bytes (a decoder that left bytes unwritten would show an earlier image's pixels).
///
/// No pixel comparison between libjpeg-turbo-rs and jpeg-decoder: it could not be made free
/// of false alarms. At 1/2 and 1/4 they scale chroma differently (libjpeg-turbo-rs in the
/// IDCT, jpeg-decoder by upsampling), and jpeg-decoder reads some files libjpeg-turbo finds
/// clean otherwise (`valid-baseline-ac-run-past-63` of `jpeg_dc`: it loses the bit position
/// and drifts over the rest of the scan), so no bound on their difference holds on hostile
/// files; nor can the caller tell which of the two decoded (the fallback is internal). The
/// port's pixels are held to libjpeg-turbo's exactly by the codec's differential tests on
/// real files instead.
/// Outcome: the scale, then the decoded size, layout and orientation, or the error.
pub fn jpeg_decode(data: &[u8]) -> String {
    let (selector, jpeg) = match data.split_first() {
        Some((&s, rest)) => (s, rest),
        None => return "empty".to_owned(),
    };
    let scale_denom = [1u8, 2, 4, 8][usize::from(selector & 3)];
    let to_srgb = selector & 4 == 0;
    let limits = transform_limits();
    let info = match probe(jpeg, &limits) {
        Ok(info) if info.format == ImageFormat::Jpeg => info,
        Ok(info) => return format!("not decoded: {:?}", info.format),
        Err(e) => return format!("probe: {e:?}"),
    };
    let options = DecodeOptions {
        scale_denom,
        to_srgb,
    };
    let what = format!("1/{scale_denom} to_srgb={to_srgb}");
    let decoded = match decode_hinted(jpeg, &limits, &options, &mut BufferPool::new()) {
        Ok(decoded) => decoded,
        Err(e) => {
            let status = e.http_status();
            assert!((400..500).contains(&status), "{e} ({status})");
            return format!("{what}: {e:?}");
        }
    };
    let image = &decoded.image;
    let (width, height) = (image.width(), image.height());
    assert_eq!(
        (width, height),
        scaled_size(info.stored_width, info.stored_height, scale_denom),
        "{what}: the probe says {}x{}",
        info.stored_width,
        info.stored_height
    );
    let channels = image.layout().channels() as u64;
    assert_eq!(
        image.data().len() as u64,
        u64::from(width) * u64::from(height) * channels
    );
    assert_eq!(decoded.orientation, info.orientation);
    // The pool hands out its smallest buffer large enough, so this one (every byte 0xA5) is
    // what the second decode writes into wherever it takes a pooled buffer. At 1/8 no
    // decoder takes one.
    if scale_denom != 8 {
        let mut stale = BufferPool::new();
        stale.give(vec![0xA5; image.data().len().max(1 << 18)]);
        match decode_hinted(jpeg, &limits, &options, &mut stale) {
            Ok(again) => assert!(
                again.image.data() == image.data() && again.icc_profile == decoded.icc_profile,
                "{what}: decoding into a stale pooled buffer gives other pixels"
            ),
            Err(e) => panic!("{what}: decoded once, then {e}"),
        }
    }
    format!(
        "{what}: {width}x{height} {:?} {:?}",
        image.layout(),
        decoded.orientation
    )
}
