//! TIFF input: every fixture of `testdata/tiff/` against its reference in
//! `testdata/reference/tiff/` (made by `testdata/make_tiff.py`: Pillow's decode of the files
//! Pillow wrote, the writer's own sample values with the documented conversions for the
//! others, those cross-checked with libvips), the header facts, the output format rules
//! (TIFF is read, never written) and the typed errors for what is not supported.

mod support;

use image::RgbaImage;
use pixform::codec::{self, CodecError, ColorModel, DecodeOptions};
use pixform::plan::{plan, SourceFacts};
use pixform::{accepted_formats, Error, Image, ImageFormat, Limits, PixelLayout};
use support::{
    decode_rgba, diff, image_rgba as rgba, patch_tiff_tag, read_testdata, reference_png, run,
    run_accepting, spec,
};

fn tiff(name: &str) -> Vec<u8> {
    read_testdata(&format!("tiff/{name}"))
}

fn reference(name: &str) -> RgbaImage {
    reference_png(&format!("tiff/{name}"))
}

/// One fixture: its header facts and how close its decode must be to the reference.
struct Case {
    file: &'static str,
    /// Width and height after the orientation.
    size: (u32, u32),
    has_alpha: bool,
    color_model: ColorModel,
    bit_depth: u8,
    orientation: u8,
    /// Largest channel difference allowed. All 0: the codecs are lossless, and where the
    /// reference was computed (16-bit rounding, CMYK, associated alpha) the script uses the
    /// same documented integer formulas.
    tolerance: u8,
}

const fn case(file: &'static str, has_alpha: bool, color_model: ColorModel, bit_depth: u8) -> Case {
    Case {
        file,
        size: (64, 40),
        has_alpha,
        color_model,
        bit_depth,
        orientation: 1,
        tolerance: 0,
    }
}

fn cases() -> Vec<Case> {
    use ColorModel::*;
    vec![
        case("rgb8-lzw.tif", false, Rgb, 8),
        case("rgb16-deflate-predictor.tif", false, Rgb, 16),
        case("rgb16-bigendian-packbits.tif", false, Rgb, 16),
        case("rgb8-tiled-bigendian.tif", false, Rgb, 8),
        case("grey8-packbits.tif", false, Grey, 8),
        case("grey8-miniswhite.tif", false, Grey, 8),
        case("rgba8-deflate.tif", true, Rgba, 8),
        case("greya8-lzw.tif", true, GreyAlpha, 8),
        case("palette8-lzw.tif", false, Indexed, 8),
        case("rgba8-associated.tif", true, Rgba, 8),
        case("cmyk8-lzw.tif", false, Cmyk, 8),
        case("rgb8-two-pages.tif", false, Rgb, 8),
        Case {
            orientation: 6,
            ..case("rgb8-orient6.tif", false, Rgb, 8)
        },
    ]
}

#[test]
fn every_fixture_decodes_to_its_reference() {
    for c in cases() {
        let bytes = tiff(c.file);
        let info =
            codec::probe(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", c.file));
        assert_eq!(info.format, ImageFormat::Tiff, "{}", c.file);
        assert_eq!((info.width, info.height), c.size, "{}", c.file);
        assert_eq!(info.has_alpha, c.has_alpha, "{}", c.file);
        assert_eq!(info.color_model, c.color_model, "{}", c.file);
        assert_eq!(info.bit_depth, c.bit_depth, "{}", c.file);
        assert_eq!(info.orientation.exif(), c.orientation, "{}", c.file);
        assert_eq!(info.frames, 1, "{}: pages are not frames", c.file);

        let decoded = codec::decode(&bytes, &Limits::default(), &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", c.file));
        assert_eq!(
            decoded.image.layout(),
            if c.has_alpha {
                PixelLayout::Rgba8
            } else {
                PixelLayout::Rgb8
            },
            "{}",
            c.file
        );
        let upright = decoded
            .orientation
            .apply_owned(decoded.image)
            .expect("orient");
        let want = reference(&c.file.replace(".tif", ".png"));
        let d = diff(&rgba(&upright), &want).unwrap_or_else(|| {
            panic!(
                "{}: {}x{} decoded, reference {:?}",
                c.file,
                upright.width(),
                upright.height(),
                want.dimensions()
            )
        });
        assert!(
            d.max <= c.tolerance,
            "{}: max difference {} (mean {:.3}) > {}",
            c.file,
            d.max,
            d.mean,
            c.tolerance
        );
    }
}

#[test]
fn whole_pipeline_serves_the_reference_pixels() {
    // No resize, PNG out: the pipeline passes the decoded, upright pixels through unchanged.
    for file in ["rgb8-orient6.tif", "rgba8-associated.tif", "cmyk8-lzw.tif"] {
        let out = run(&tiff(file), "fm=png");
        assert_eq!((out.width, out.height), (64, 40), "{file}");
        let d = diff(
            &decode_rgba(&out.bytes),
            &reference(&file.replace(".tif", ".png")),
        )
        .expect("same size");
        assert_eq!(d.max, 0, "{file}: mean {:.3}", d.mean);
    }
    // Orientation 6 is applied before `w`: the upright image is 64 wide.
    let out = run(&tiff("rgb8-orient6.tif"), "w=32");
    assert_eq!((out.width, out.height), (32, 20));
}

#[test]
fn without_fm_tiff_is_served_as_jpeg_or_png_with_alpha() {
    // (file, query, format, has alpha)
    let cases = [
        ("rgb8-lzw.tif", "w=32", ImageFormat::Jpeg, false),
        ("grey8-packbits.tif", "", ImageFormat::Jpeg, false),
        (
            "rgb16-deflate-predictor.tif",
            "h=10",
            ImageFormat::Jpeg,
            false,
        ),
        ("rgba8-deflate.tif", "w=32", ImageFormat::Png, true),
        ("rgba8-associated.tif", "", ImageFormat::Png, true),
        // The format follows the source: an opaque background only drops the alpha channel.
        ("rgba8-deflate.tif", "bg=fff", ImageFormat::Png, false),
        ("rgb8-lzw.tif", "fm=webp", ImageFormat::Webp, false),
        ("rgba8-deflate.tif", "fm=jpg", ImageFormat::Jpeg, false),
    ];
    for (file, query, format, alpha) in cases {
        let out = run(&tiff(file), query);
        assert_eq!(
            (out.format, out.content_type.as_str(), out.has_alpha),
            (format, format.mime_type(), alpha),
            "{file} {query}"
        );
        assert_eq!(decode_rgba(&out.bytes).width(), out.width, "{file} {query}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&run(&tiff("rgba8-deflate.tif"), "fm=json").bytes).expect("json");
    assert_eq!(
        (json["format"].as_str(), json["has_alpha"].as_bool()),
        (Some("png"), Some(true))
    );
}

#[test]
fn tiff_is_never_an_output_format() {
    assert_eq!(
        accepted_formats("image/tiff,image/webp;q=0.9,*/*"),
        vec![ImageFormat::Webp]
    );
    // auto=format without an accepted format keeps the source's default; with one, takes it.
    let bytes = tiff("rgb8-lzw.tif");
    assert_eq!(run(&bytes, "auto=format").format, ImageFormat::Jpeg);
    assert_eq!(
        run_accepting(
            &bytes,
            "auto=format",
            vec![ImageFormat::Tiff, ImageFormat::Webp]
        )
        .format,
        ImageFormat::Webp
    );
    // Planning from facts alone agrees.
    let facts = |has_alpha| SourceFacts {
        width: 64,
        height: 40,
        has_alpha,
        frames: 1,
        format: ImageFormat::Tiff,
    };
    let options = Limits::default().into();
    for (alpha, want) in [(false, ImageFormat::Jpeg), (true, ImageFormat::Png)] {
        let planned = plan(&facts(alpha), &spec("w=10"), &options).expect("plan");
        assert_eq!(planned.encoding.format, want, "alpha {alpha}");
        assert_eq!(planned.content_type, want.mime_type(), "alpha {alpha}");
    }
    // dlRaw serves the TIFF bytes themselves.
    let raw = run(&bytes, "dlRaw=a.tif");
    assert_eq!(
        (raw.format, raw.content_type.as_str()),
        (ImageFormat::Tiff, "image/tiff")
    );
    assert_eq!(raw.bytes, bytes);
    // The encoder refuses it.
    let img = Image::filled(2, 2, PixelLayout::Rgb8, &[1, 2, 3]).expect("image");
    match codec::encode(&img, ImageFormat::Tiff, &Default::default()) {
        Err(CodecError::Unsupported { format, .. }) => assert_eq!(format, ImageFormat::Tiff),
        other => panic!("{other:?}"),
    }
}

/// `rgb8-lzw.tif` with the values of `tag` replaced.
fn patched(tag: u16, values: &[u32]) -> Vec<u8> {
    let mut bytes = tiff("rgb8-lzw.tif");
    patch_tiff_tag(&mut bytes, tag, None, values);
    bytes
}

#[test]
fn unsupported_variants_are_415_naming_what() {
    let mut bigtiff = b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0".to_vec();
    bigtiff.extend_from_slice(&[0; 16]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("JPEG", patched(259, &[7]), "JPEG compression (7)"),
        (
            "old JPEG",
            patched(259, &[6]),
            "old-style JPEG compression (6)",
        ),
        (
            "fax",
            patched(259, &[4]),
            "CCITT Group 4 fax compression (4)",
        ),
        ("unknown", patched(259, &[60_000]), "compression 60000"),
        (
            "palette of RGB samples",
            patched(262, &[3]),
            "palette colour with 3 samples per pixel (0 extra)",
        ),
        ("YCbCr", patched(262, &[6]), "YCbCr colour"),
        ("CIELab", patched(262, &[8]), "CIE L*a*b* colour"),
        ("4-bit", patched(258, &[4, 4, 4]), "4-bit samples"),
        (
            "mixed bits",
            patched(258, &[8, 16, 8]),
            "samples with different BitsPerSample",
        ),
        (
            "planar",
            patched(284, &[2]),
            "separate colour planes (PlanarConfiguration 2)",
        ),
        ("BigTIFF", bigtiff, "BigTIFF (64-bit offsets)"),
    ];
    for (name, bytes, feature) in cases {
        for result in [
            codec::probe(&bytes, &Limits::default()).map(|_| ()),
            run_err(&bytes),
        ] {
            match result {
                Err(CodecError::Unsupported { format, feature: f }) => {
                    assert_eq!((format, f.as_str()), (ImageFormat::Tiff, feature), "{name}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}

/// The codec error of a transform of `bytes` (which must fail).
fn run_err(bytes: &[u8]) -> Result<(), CodecError> {
    match pixform::transform(bytes, &spec("w=10"), &Default::default()) {
        Err(Error::Codec(e)) => {
            assert_eq!(Error::Codec(e.clone()).http_status(), 415);
            Err(e)
        }
        other => panic!("{:?}", other.map(|o| o.format)),
    }
}
