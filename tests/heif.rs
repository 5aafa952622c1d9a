//! AVIF and HEIC input: the header facts of every fixture of `testdata/heif/` (made by
//! `testdata/make_heif.sh` with avifenc and heif-enc; references decoded by libvips through
//! libheif in `testdata/reference/heif/`), the orientation the container declares checked
//! against libheif's upright decode, and the typed 415 of a build without the decoders.

mod support;

use image::RgbaImage;
use pixform::codec::{self, CodecError, ColorModel, DecodeOptions};
use pixform::ops::Orientation;
use pixform::{transform, TransformOptions};
use pixform::{Error, Image, ImageFormat, Limits, PixelLayout};
use support::{diff, image_rgba as rgba, read_testdata, reference_png, spec};

fn fixture(name: &str) -> Vec<u8> {
    read_testdata(&format!("heif/{name}"))
}

fn reference(name: &str) -> RgbaImage {
    reference_png(&format!("heif/{name}.png"))
}

struct Case {
    file: &'static str,
    format: ImageFormat,
    /// Stored (coded) size.
    stored: (u32, u32),
    orientation: Orientation,
    has_alpha: bool,
    bit_depth: u8,
}

fn cases() -> Vec<Case> {
    use ImageFormat::{Avif, Heic};
    use Orientation::*;
    let c = |file, format, stored, orientation, has_alpha, bit_depth| Case {
        file,
        format,
        stored,
        orientation,
        has_alpha,
        bit_depth,
    };
    vec![
        c("opaque-96x64.avif", Avif, (96, 64), Identity, false, 8),
        c("alpha-96x64.avif", Avif, (96, 64), Identity, true, 8),
        c("10bit-444-96x64.avif", Avif, (96, 64), Identity, false, 10),
        // irot 1 (90° anti-clockwise), then imir 0 (top to bottom): a transpose.
        c(
            "irot1-imir0-96x64.avif",
            Avif,
            (96, 64),
            Transpose,
            false,
            8,
        ),
        c("irot3-96x64.avif", Avif, (96, 64), Rotate90, false, 8),
        c("grid2x2-192x128.avif", Avif, (192, 128), Identity, false, 8),
        c("opaque-96x64.heic", Heic, (96, 64), Identity, false, 8),
        c("alpha-96x64.heic", Heic, (96, 64), Identity, true, 8),
        c("colr-96x64.heic", Heic, (96, 64), Identity, false, 8),
        c("colr-alpha-96x64.heic", Heic, (96, 64), Identity, true, 8),
        // irot 1: 90° anti-clockwise.
        c("colr-irot1-96x64.heic", Heic, (96, 64), Rotate270, false, 8),
        // The clean aperture is the stored size.
        c(
            "clap-80x48-of-96x64.avif",
            Avif,
            (80, 48),
            Identity,
            false,
            8,
        ),
        c("10bit-420-96x64.avif", Avif, (96, 64), Identity, false, 10),
        c("grey-96x64.avif", Avif, (96, 64), Identity, false, 8),
    ]
}

#[test]
fn headers_are_read_without_a_decoder() {
    for case in cases() {
        let bytes = fixture(case.file);
        assert_eq!(
            codec::sniff_format(&bytes),
            Ok(case.format),
            "{}",
            case.file
        );
        let info = codec::probe(&bytes, &Limits::default()).expect(case.file);
        let (w, h) = case.orientation.oriented_size(case.stored.0, case.stored.1);
        assert_eq!(
            (
                info.format,
                info.stored_width,
                info.stored_height,
                info.orientation,
                info.width,
                info.height,
                info.has_alpha,
                info.bit_depth,
                info.frames,
                info.color_model,
            ),
            (
                case.format,
                case.stored.0,
                case.stored.1,
                case.orientation,
                w,
                h,
                case.has_alpha,
                case.bit_depth,
                1,
                // `pixi` of one channel: avifenc's 4:0:0.
                if case.file.starts_with("grey") {
                    ColorModel::Grey
                } else {
                    ColorModel::YCbCr
                },
            ),
            "{}",
            case.file
        );
        // libheif's upright decode has the oriented size.
        let r = reference(case.file);
        assert_eq!((r.width(), r.height()), (w, h), "{}", case.file);
    }
}

/// The rotated fixtures code the same picture as `opaque-96x64.avif` (same source, same
/// encoder settings); turning libheif's upright decode of that one by the orientation pixform
/// reads from `irot`/`imir` must give libheif's upright decode of the rotated file.
#[test]
fn irot_and_imir_map_to_the_orientation_libheif_applies() {
    let upright = reference("opaque-96x64.avif");
    let stored = Image::from_vec(
        upright.width(),
        upright.height(),
        PixelLayout::Rgba8,
        upright.into_raw(),
    )
    .expect("image");
    for file in ["irot1-imir0-96x64.avif", "irot3-96x64.avif"] {
        let info = codec::probe(&fixture(file), &Limits::default()).expect(file);
        let turned = rgba(&info.orientation.apply(&stored).expect("orient"));
        let want = reference(file);
        let d = diff(&turned, &want).expect("same size");
        assert_eq!(d.max, 0, "{file}: {d:?}");
    }
}

/// Whether this build decodes `format`.
fn decodes(format: ImageFormat) -> bool {
    match format {
        ImageFormat::Avif => cfg!(feature = "avif-decode"),
        _ => cfg!(feature = "heic"),
    }
}

#[test]
fn decoding_without_the_feature_is_415_naming_it() {
    for case in cases().into_iter().filter(|c| !decodes(c.format)) {
        let bytes = fixture(case.file);
        let feature = match case.format {
            ImageFormat::Avif => "avif-decode",
            _ => "heic",
        };
        let want = CodecError::Unsupported {
            format: case.format,
            feature: format!(
                "input: decoding needs pixform's `{feature}` Cargo feature (README: Formats), not in this build"
            ),
        };
        let got = codec::decode(&bytes, &Limits::default(), &DecodeOptions::default());
        assert_eq!(got.as_ref().err(), Some(&want), "{}", case.file);
        assert_eq!(want.http_status(), 415);
        assert!(want.to_string().contains(&format!("`{feature}`")));
        let options = TransformOptions::new(Limits::default(), Vec::new());
        match transform(&bytes, &spec("w=32"), &options) {
            Err(Error::Codec(e)) => assert_eq!(e, want, "{}", case.file),
            other => panic!("{}: {other:?}", case.file),
        }
    }
}

#[test]
fn heic_is_never_an_output_format() {
    assert!(!ImageFormat::Heic.can_encode());
    assert!(ImageFormat::Avif.can_encode());
    assert_eq!(ImageFormat::from_extension("heif"), Some(ImageFormat::Heic));
    assert_eq!(
        ImageFormat::from_mime_type("image/heic"),
        Some(ImageFormat::Heic)
    );
}

/// A truncation sweep over a real file: the header either reads completely (the cut is in the
/// coded data after `meta`, caught by the item location check) or fails with a typed error.
#[test]
fn every_prefix_of_a_fixture_is_a_typed_error() {
    for file in ["grid2x2-192x128.avif", "alpha-96x64.heic"] {
        let bytes = fixture(file);
        for len in 0..bytes.len() {
            let e = codec::probe(&bytes[..len], &Limits::default())
                .expect_err(&format!("{file}: prefix of {len} bytes"));
            assert!(
                matches!(
                    e,
                    CodecError::Corrupt { .. } | CodecError::UnknownFormat { .. }
                ),
                "{file}: prefix of {len} bytes: {e:?}"
            );
        }
    }
}

/// Planning needs only the header: a HEIC is served as JPEG (PNG with alpha), an AVIF as AVIF,
/// and the size follows the orientation the container declares.
#[test]
fn plans_come_from_the_header() {
    // (file, query, width, height, content type)
    let cases = [
        ("opaque-96x64.heic", "w=48", 48, 32, "image/jpeg"),
        ("alpha-96x64.heic", "w=48", 48, 32, "image/png"),
        ("opaque-96x64.avif", "w=48", 48, 32, "image/avif"),
        // 96x64 stored, 64x96 upright.
        ("irot3-96x64.avif", "w=32", 32, 48, "image/avif"),
        ("grid2x2-192x128.avif", "h=64", 96, 64, "image/avif"),
    ];
    for (file, query, w, h, content_type) in cases {
        let p = support::plan_for(&fixture(file), query);
        assert_eq!(
            (p.width, p.height, p.content_type),
            (w, h, content_type),
            "{file} {query}"
        );
    }
}

/// The header counts what a decoder allocates: the canvas and every tile (a 2x2 grid of
/// 96x64 tiles is 24 576 pixels), against `max_source_pixels` and `max_total_frame_pixels`.
#[test]
fn tile_areas_are_checked_against_the_limits() {
    let bytes = fixture("grid2x2-192x128.avif");
    let mut limits = Limits::default();
    limits.max_total_frame_pixels = 4 * 96 * 64 - 1;
    let e = codec::probe(&bytes, &limits).unwrap_err();
    assert!(
        matches!(
            e,
            CodecError::LimitExceeded {
                format: ImageFormat::Avif,
                limit: pixform::LimitKind::MaxTotalFramePixels,
                value: 24_576,
                max: 24_575,
            }
        ),
        "{e:?}"
    );
    limits.max_total_frame_pixels = 4 * 96 * 64;
    assert!(codec::probe(&bytes, &limits).is_ok());
}
