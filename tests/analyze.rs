//! Asset documents of synthesized images and files, checked field by field.

#[path = "../benches/common/mod.rs"]
mod corpus;

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use pixform::analyze::{
    analyze, AnalyzeError, AnalyzeOptions, AssetDocument, FileAsset, ImageAsset, MetadataKind,
};
use pixform::{ImageFormat, LimitKind, Limits};
use sha1::{Digest, Sha1};

const TWO_COLOUR_PNG: &[u8] = include_bytes!("../testdata/two-colour-48x32.png");
/// `sha1sum testdata/two-colour-48x32.png`.
const TWO_COLOUR_SHA1: &str = "f1a33adda78736f42024bed36f2126188d90ee3f";
fn sha1_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha1::digest(bytes))
}

fn image_doc(bytes: &[u8], opts: &AnalyzeOptions) -> ImageAsset {
    match analyze(bytes, opts) {
        Ok(AssetDocument::Image(doc)) => doc,
        other => panic!("expected an image document, got {other:?}"),
    }
}

fn file_doc(bytes: &[u8], opts: &AnalyzeOptions) -> FileAsset {
    match analyze(bytes, opts) {
        Ok(AssetDocument::File(doc)) => doc,
        other => panic!("expected a file document, got {other:?}"),
    }
}

fn opts_with(f: impl FnOnce(&mut AnalyzeOptions)) -> AnalyzeOptions {
    let mut opts = AnalyzeOptions::default();
    f(&mut opts);
    opts
}

/// A smooth, non-trivial RGB picture: gradients plus a dark disc.
fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f64 / w as f64, y as f64 / h as f64);
        let d = ((fx - 0.3).powi(2) + (fy - 0.6).powi(2)).sqrt();
        let shade = if d < 0.2 { 0.3 } else { 1.0 };
        image::Rgb([
            (255.0 * fx * shade) as u8,
            (200.0 * fy * shade) as u8,
            (120.0 + 100.0 * (1.0 - fx) * shade) as u8,
        ])
    })
}

fn png(w: u32, h: u32, data: &[u8], color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(Cursor::new(&mut out))
        .write_image(data, w, h, color)
        .unwrap();
    out
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut out), 95)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// One big-endian TIFF IFD entry: tag, type, count, value bytes.
type Entry = (u16, u16, u32, Vec<u8>);

/// A big-endian IFD placed at `at`, values longer than 4 bytes stored right after it.
fn ifd(entries: &[Entry], at: u32) -> Vec<u8> {
    let mut head = (entries.len() as u16).to_be_bytes().to_vec();
    let mut extra = Vec::new();
    let data_at = at + 2 + 12 * entries.len() as u32 + 4;
    for (tag, typ, count, value) in entries {
        head.extend_from_slice(&tag.to_be_bytes());
        head.extend_from_slice(&typ.to_be_bytes());
        head.extend_from_slice(&count.to_be_bytes());
        if value.len() <= 4 {
            let mut inline = value.clone();
            inline.resize(4, 0);
            head.extend_from_slice(&inline);
        } else {
            head.extend_from_slice(&(data_at + extra.len() as u32).to_be_bytes());
            extra.extend_from_slice(value);
        }
    }
    head.extend_from_slice(&0u32.to_be_bytes());
    head.extend_from_slice(&extra);
    head
}

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
        .collect()
}

/// An EXIF block (TIFF) with the given orientation, FNumber 2.8, a capture date, and a GPS
/// position of 43°30′N 1°15′W, 12 m below sea level.
fn exif_block(orientation: u16) -> Vec<u8> {
    let ifd0 = |exif_at: u32, gps_at: u32| -> Vec<Entry> {
        vec![
            (0x0112, 3, 1, orientation.to_be_bytes().to_vec()),
            (0x8769, 4, 1, exif_at.to_be_bytes().to_vec()),
            (0x8825, 4, 1, gps_at.to_be_bytes().to_vec()),
        ]
    };
    let exif_entries: Vec<Entry> = vec![
        (0x829D, 5, 1, rationals(&[(28, 10)])),
        (0x9003, 2, 20, b"2021:06:15 08:30:05\0".to_vec()),
    ];
    let gps_entries: Vec<Entry> = vec![
        (0x0001, 2, 2, b"N\0".to_vec()),
        (0x0002, 5, 3, rationals(&[(43, 1), (30, 1), (0, 1)])),
        (0x0003, 2, 2, b"W\0".to_vec()),
        (0x0004, 5, 3, rationals(&[(1, 1), (15, 1), (0, 1)])),
        (0x0005, 1, 1, vec![1]),
        (0x0006, 5, 1, rationals(&[(12, 1)])),
    ];
    let exif_at = 8 + ifd(&ifd0(0, 0), 8).len() as u32;
    let gps_at = exif_at + ifd(&exif_entries, exif_at).len() as u32;
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend(ifd(&ifd0(exif_at, gps_at), 8));
    tiff.extend(ifd(&exif_entries, exif_at));
    tiff.extend(ifd(&gps_entries, gps_at));
    tiff
}

/// `jpeg` with an APP1 EXIF segment inserted right after SOI.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn decode_data_url(url: &str, mime: &str) -> image::DynamicImage {
    use base64::Engine;
    let prefix = format!("data:{mime};base64,");
    let b64 = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{url}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    if mime == "image/jpeg" {
        // jpeg-decoder, not the `image` crate: its zune-jpeg mis-decodes some valid files
        // (optimized-Huffman 4:2:0), which libjpeg-turbo and browsers read correctly.
        let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
        let pixels = d.decode().unwrap();
        let info = d.info().unwrap();
        let rgb = image::RgbImage::from_raw(u32::from(info.width), u32::from(info.height), pixels);
        return image::DynamicImage::ImageRgb8(rgb.unwrap());
    }
    image::load_from_memory(&bytes).unwrap()
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn two_colour_png_document() {
    assert_eq!(sha1_hex(TWO_COLOUR_PNG), TWO_COLOUR_SHA1);
    let opts = opts_with(|o| {
        o.project_id = Some("zp7mbokg".into());
        o.dataset = Some("production".into());
        o.original_filename = Some("flag.png".into());
    });
    let doc = image_doc(TWO_COLOUR_PNG, &opts);
    let name = format!("{TWO_COLOUR_SHA1}-48x32");
    assert_eq!(doc.id, format!("image-{name}-png"));
    assert_eq!(doc.asset_id, TWO_COLOUR_SHA1);
    assert_eq!(doc.sha1hash, TWO_COLOUR_SHA1);
    assert_eq!(doc.size, 113);
    assert_eq!(doc.size, TWO_COLOUR_PNG.len() as u64);
    assert_eq!(
        (doc.extension.as_str(), doc.mime_type.as_str()),
        ("png", "image/png")
    );
    assert_eq!(doc.original_filename.as_deref(), Some("flag.png"));
    assert_eq!(
        doc.path.as_deref(),
        Some(format!("images/zp7mbokg/production/{name}.png").as_str())
    );
    assert_eq!(
        doc.url.as_deref(),
        Some(format!("https://cdn.sanity.io/images/zp7mbokg/production/{name}.png").as_str())
    );
    let m = &doc.metadata;
    assert_eq!((m.dimensions.width, m.dimensions.height), (48, 32));
    assert_eq!(m.dimensions.aspect_ratio, 1.5);
    assert!(!m.has_alpha);
    assert!(m.is_opaque);
}

#[test]
fn json_shape_matches_the_assets_api() {
    let opts = opts_with(|o| {
        o.project_id = Some("p".into());
        o.dataset = Some("d".into());
        o.base_url = Some("https://cdn.example.com/".into());
    });
    let doc = analyze(TWO_COLOUR_PNG, &opts).unwrap();
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["_type"], "sanity.imageAsset");
    assert_eq!(json["_id"], format!("image-{TWO_COLOUR_SHA1}-48x32-png"));
    assert_eq!(json["assetId"], TWO_COLOUR_SHA1);
    assert_eq!(json["mimeType"], "image/png");
    assert_eq!(
        json["url"],
        format!("https://cdn.example.com/images/p/d/{TWO_COLOUR_SHA1}-48x32.png")
    );
    assert_eq!(json["metadata"]["_type"], "sanity.imageMetadata");
    assert_eq!(
        json["metadata"]["dimensions"]["_type"],
        "sanity.imageDimensions"
    );
    assert_eq!(json["metadata"]["dimensions"]["aspectRatio"], 1.5);
    assert_eq!(json["metadata"]["hasAlpha"], false);
    assert_eq!(json["metadata"]["isOpaque"], true);
    assert_eq!(json["metadata"]["palette"]["_type"], "sanity.imagePalette");
    assert_eq!(
        json["metadata"]["palette"]["dominant"]["_type"],
        "sanity.imagePaletteSwatch"
    );
    assert!(json["metadata"]["blurHash"].is_string());
    assert!(json["metadata"]["lqip"].is_string());
    assert!(json.get("originalFilename").is_none());
    // The JSON reads back into the same document.
    let back: AssetDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn meta_option_selects_the_metadata() {
    let keys = |metadata: &[MetadataKind]| -> Vec<String> {
        let opts = opts_with(|o| o.metadata = metadata.iter().copied().collect());
        let json = serde_json::to_value(analyze(TWO_COLOUR_PNG, &opts).unwrap()).unwrap();
        let mut keys: Vec<String> = json["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let base = ["_type", "dimensions", "hasAlpha", "isOpaque"];
    let cases: &[(&[MetadataKind], &[&str])] = &[
        (&[], &[]),
        (&[MetadataKind::Lqip], &["lqip"]),
        (
            &[MetadataKind::BlurHash, MetadataKind::Palette],
            &["blurHash", "palette"],
        ),
        // The PNG has no EXIF block: neither is reported.
        (&[MetadataKind::Exif, MetadataKind::Location], &[]),
    ];
    for (kinds, extra) in cases {
        let mut want: Vec<String> = base
            .iter()
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect();
        want.sort();
        assert_eq!(keys(kinds), want, "{kinds:?}");
    }
    let default_keys = {
        let json =
            serde_json::to_value(analyze(TWO_COLOUR_PNG, &AnalyzeOptions::default()).unwrap())
                .unwrap();
        let mut k: Vec<String> = json["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        default_keys,
        keys(&[
            MetadataKind::Palette,
            MetadataKind::Lqip,
            MetadataKind::BlurHash
        ])
    );
}

/// Every swatch of the two-colour PNG (1152 pixels #c82828, 384 pixels #143cdc), derived by
/// hand from node-vibrant's rules; the HSL conversions were computed with Python's `colorsys`:
/// - Quantization keeps 5 bits per channel and reports the centre of the bin: #c82828 →
///   #cc2c2c (HSL 0°, 0.645, 0.486), #143cdc → #143cdc (HSL 0.6333, 0.8333, 0.4706).
/// - Vibrant (saturation ≥ 0.35, luma 0.3–0.7) scores both; weighted mean of
///   (1 − |sat − 1|)·3, (1 − |luma − 0.5|)·6.5, population/max·0.5: red 0.885, blue 0.898.
///   Blue wins. No colour is dark (luma ≤ 0.45), light (≥ 0.55) or desaturated (≤ 0.4).
/// - Empty slots are derived from vibrant's hue and saturation at a new lightness (population
///   0): dark vibrant at 0.26 → (11.05, 33.15, 121.55), light vibrant at 0.74 → (133.45,
///   155.55, 243.95); muted, and dark/light muted from dark/light vibrant, at 0.3 (node-vibrant
///   sets the lightness where it means the saturation) → (12.75, 38.25, 140.25). Hex truncates
///   (Vibrant's bit shifts).
/// - Populations are percentages of the pixels: 75 and 25.
/// - Text colours from YIQ brightness (r·299 + g·587 + b·114)/1000: body text #fff below 150,
///   title #fff below 200. Red 91.8, blue 66.3, dark vibrant 36.6, light vibrant 159.0,
///   muted 42.3.
#[test]
fn palette_of_two_colours_matches_the_hand_derivation() {
    // (swatch, background, foreground, title, population)
    #[rustfmt::skip]
    let want: [(&str, &str, &str, &str, f64); 7] = [
        ("dominant",      "#cc2c2c", "#fff", "#fff", 75.0),
        ("vibrant",       "#143cdc", "#fff", "#fff", 25.0),
        ("dark_vibrant",  "#0b2179", "#fff", "#fff", 0.0),
        ("light_vibrant", "#859bf3", "#000", "#fff", 0.0),
        ("muted",         "#0c268c", "#fff", "#fff", 0.0),
        ("dark_muted",    "#0c268c", "#fff", "#fff", 0.0),
        ("light_muted",   "#0c268c", "#fff", "#fff", 0.0),
    ];
    let doc = match analyze(TWO_COLOUR_PNG, &AnalyzeOptions::default()) {
        Ok(AssetDocument::Image(doc)) => doc,
        other => panic!("expected an image document, got {other:?}"),
    };
    let palette = doc.metadata.palette.unwrap();
    let slots = [
        ("dominant", &palette.dominant),
        ("vibrant", &palette.vibrant),
        ("dark_vibrant", &palette.dark_vibrant),
        ("light_vibrant", &palette.light_vibrant),
        ("muted", &palette.muted),
        ("dark_muted", &palette.dark_muted),
        ("light_muted", &palette.light_muted),
    ];
    for ((slot, got), (name, bg, fg, title, population)) in slots.into_iter().zip(want) {
        assert_eq!(slot, name);
        let s = got.as_ref().unwrap_or_else(|| panic!("{name}: missing"));
        assert_eq!(
            (
                s.background.as_str(),
                s.foreground.as_str(),
                s.title.as_str(),
                s.population
            ),
            (bg, fg, title, population),
            "{name}"
        );
    }
}

#[test]
fn lqip_resembles_a_downscale_of_the_source() {
    let src = picture(400, 300);
    let bytes = jpeg(&src);
    let doc = image_doc(&bytes, &AnalyzeOptions::default());
    let lqip = decode_data_url(doc.metadata.lqip.as_deref().unwrap(), "image/jpeg").to_rgb8();
    assert_eq!((lqip.width(), lqip.height()), (20, 15));
    let reference = image::imageops::resize(&src, 20, 15, image::imageops::FilterType::Triangle);
    let diff = mean_abs_diff(lqip.as_raw(), reference.as_raw());
    assert!(diff < 8.0, "LQIP differs from a downscale by {diff}");
    let len = doc.metadata.lqip.unwrap().len();
    assert!(len < 1500, "LQIP data URL is {len} bytes");
}

#[test]
fn blurhash_decodes_to_a_blur_of_the_source() {
    let src = picture(400, 300);
    let doc = image_doc(&jpeg(&src), &AnalyzeOptions::default());
    let hash = doc.metadata.blur_hash.unwrap();
    // 4:3 → 5×4 components: 4 + 2·20 characters, size flag (5-1) + (4-1)·9 = 31 = 'V'.
    assert_eq!(hash.len(), 44);
    assert!(hash.starts_with('V'), "{hash}");
    let decoded = blurhash::decode(&hash, 32, 24, 1.0).unwrap();
    let reference = image::imageops::resize(&src, 32, 24, image::imageops::FilterType::Triangle);
    let reference_rgba: Vec<u8> = reference
        .pixels()
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let diff = mean_abs_diff(&decoded, &reference_rgba);
    assert!(diff < 20.0, "BlurHash differs from a downscale by {diff}");
    // A flat grey would be far off: the hash carries the picture's structure.
    let grey = vec![128u8; decoded.len()];
    assert!(mean_abs_diff(&grey, &reference_rgba) > 2.0 * diff);
}

#[test]
fn exif_rotated_jpeg_reports_the_oriented_size() {
    // Stored 40×24, left half red, right half blue; orientation 6 turns it 90° clockwise.
    let stored = RgbImage::from_fn(40, 24, |x, _| {
        if x < 20 {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([30, 30, 220])
        }
    });
    let bytes = with_exif(&jpeg(&stored), &exif_block(6));
    let sha1 = sha1_hex(&bytes);
    let opts = opts_with(|o| o.metadata = MetadataKind::ALL.into_iter().collect());
    let doc = image_doc(&bytes, &opts);
    assert_eq!(doc.id, format!("image-{sha1}-24x40-jpg"));
    assert_eq!(doc.size, bytes.len() as u64);
    let m = &doc.metadata;
    assert_eq!((m.dimensions.width, m.dimensions.height), (24, 40));
    // The placeholder is oriented too: red on top, blue below.
    let lqip = decode_data_url(m.lqip.as_deref().unwrap(), "image/jpeg").to_rgb8();
    assert_eq!((lqip.width(), lqip.height()), (20, 33));
    let top = lqip.get_pixel(10, 3);
    let bottom = lqip.get_pixel(10, 29);
    assert!(top[0] > 150 && top[2] < 100, "top {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 100, "bottom {bottom:?}");
    // The EXIF subset and the GPS position.
    let exif = m.exif.as_ref().unwrap();
    assert_eq!(exif.fields.get("FNumber"), Some(&serde_json::json!(2.8)));
    assert_eq!(
        exif.fields.get("DateTimeOriginal"),
        Some(&serde_json::json!("2021-06-15T08:30:05.000Z"))
    );
    let loc = m.location.unwrap();
    assert_eq!((loc.lat, loc.lng, loc.alt), (43.5, -1.25, Some(-12.0)));
    let json = serde_json::to_value(m).unwrap();
    assert_eq!(json["location"]["_type"], "geopoint");
    assert_eq!(json["exif"]["_type"], "sanity.imageExifMetadata");
}

#[test]
fn corpus_jpeg_with_orientation_6() {
    let bytes = corpus::corpus_file("j7-aitzgorri-orient6-2056x3088-baseline.jpg");
    let doc = image_doc(&bytes, &AnalyzeOptions::default());
    let sha1 = sha1_hex(&bytes);
    assert_eq!(doc.id, format!("image-{sha1}-3088x2056-jpg"));
    assert_eq!(doc.size, bytes.len() as u64);
    assert_eq!(
        (
            doc.metadata.dimensions.width,
            doc.metadata.dimensions.height
        ),
        (3088, 2056)
    );
    let lqip = decode_data_url(doc.metadata.lqip.as_deref().unwrap(), "image/jpeg");
    assert_eq!((lqip.width(), lqip.height()), (20, 13));
}

#[test]
fn alpha_pngs_report_alpha_and_opacity() {
    let (w, h) = (32u32, 16u32);
    let rgba = |alpha: fn(u32) -> u8| -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| [40, 160, 90, alpha(i % w)])
            .collect()
    };
    let cases: [(&str, Vec<u8>, bool); 2] = [
        (
            "half transparent",
            rgba(|x| if x < 16 { 0 } else { 255 }),
            false,
        ),
        ("opaque rgba", rgba(|_| 255), true),
    ];
    for (name, data, opaque) in cases {
        let bytes = png(w, h, &data, ExtendedColorType::Rgba8);
        let doc = image_doc(&bytes, &AnalyzeOptions::default());
        assert_eq!(
            doc.id,
            format!("image-{}-32x16-png", sha1_hex(&bytes)),
            "{name}"
        );
        assert!(doc.metadata.has_alpha, "{name}");
        assert_eq!(doc.metadata.is_opaque, opaque, "{name}");
        let lqip = decode_data_url(doc.metadata.lqip.as_deref().unwrap(), "image/png").to_rgba8();
        assert_eq!((lqip.width(), lqip.height()), (20, 10), "{name}");
        let right = lqip.get_pixel(17, 5);
        assert_eq!(right[3], 255, "{name}");
        if !opaque {
            assert_eq!(lqip.get_pixel(2, 5)[3], 0, "{name}");
        }
    }
}

#[test]
fn tiff_documents_report_the_oriented_size_and_alpha() {
    // (fixture, alpha, opaque): every one 64×40 upright (orientation 6 is stored 40×64).
    let cases = [
        ("rgb8-orient6.tif", false, true),
        ("rgb16-deflate-predictor.tif", false, true),
        ("rgba8-deflate.tif", true, false),
    ];
    for (file, alpha, opaque) in cases {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/tiff")
            .join(file);
        let bytes = std::fs::read(&path).expect("fixture");
        let doc = image_doc(&bytes, &AnalyzeOptions::default());
        assert_eq!(
            doc.id,
            format!("image-{}-64x40-tiff", sha1_hex(&bytes)),
            "{file}"
        );
        assert_eq!(
            (doc.extension.as_str(), doc.mime_type.as_str()),
            ("tiff", "image/tiff"),
            "{file}"
        );
        let m = &doc.metadata;
        assert_eq!(
            (
                m.dimensions.width,
                m.dimensions.height,
                m.has_alpha,
                m.is_opaque
            ),
            (64, 40, alpha, opaque),
            "{file}"
        );
        let mime = if alpha { "image/png" } else { "image/jpeg" };
        let lqip = decode_data_url(m.lqip.as_deref().expect("lqip"), mime);
        assert_eq!((lqip.width(), lqip.height()), (20, 12), "{file}");
    }
}

/// AVIF and HEIC are images: a complete document with the decoder's feature, else a 415
/// naming the feature (the images endpoint refuses them; `as_file` stores them as files).
#[test]
fn avif_and_heic_documents_or_415_naming_the_feature() {
    // (fixture, feature on, upright size, alpha, opaque)
    let cases = [
        (
            "opaque-96x64.avif",
            cfg!(feature = "avif-decode"),
            (96, 64),
            false,
            true,
        ),
        (
            "alpha-96x64.avif",
            cfg!(feature = "avif-decode"),
            (96, 64),
            true,
            false,
        ),
        (
            "irot3-96x64.avif",
            cfg!(feature = "avif-decode"),
            (64, 96),
            false,
            true,
        ),
        (
            "colr-irot1-96x64.heic",
            cfg!(feature = "heic"),
            (64, 96),
            false,
            true,
        ),
        (
            "colr-alpha-96x64.heic",
            cfg!(feature = "heic"),
            (96, 64),
            true,
            false,
        ),
    ];
    for (file, decodes, (w, h), alpha, opaque) in cases {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/heif")
            .join(file);
        let bytes = std::fs::read(&path).expect("fixture");
        let format = if file.ends_with(".avif") {
            ImageFormat::Avif
        } else {
            ImageFormat::Heic
        };
        if !decodes {
            let feature = if format == ImageFormat::Avif {
                "avif-decode"
            } else {
                "heic"
            };
            let err = analyze(&bytes, &AnalyzeOptions::default()).unwrap_err();
            assert_eq!(
                err,
                AnalyzeError::UnsupportedFeature {
                    format,
                    feature: format!(
                        "input: decoding needs pixform's `{feature}` Cargo feature (README: Formats), not in this build"
                    ),
                },
                "{file}"
            );
            assert_eq!(err.http_status(), 415);
            continue;
        }
        let doc = image_doc(&bytes, &AnalyzeOptions::default());
        let ext = format.extension();
        assert_eq!(
            doc.id,
            format!("image-{}-{w}x{h}-{ext}", sha1_hex(&bytes)),
            "{file}"
        );
        assert_eq!(doc.mime_type, format.mime_type(), "{file}");
        let m = &doc.metadata;
        assert_eq!(
            (
                m.dimensions.width,
                m.dimensions.height,
                m.has_alpha,
                m.is_opaque
            ),
            (w, h, alpha, opaque),
            "{file}"
        );
        let mime = if alpha { "image/png" } else { "image/jpeg" };
        let lqip = decode_data_url(m.lqip.as_deref().expect("lqip"), mime);
        assert_eq!((lqip.width() > lqip.height()), (w > h), "{file}");
        // The seedling photo: a palette with a dominant swatch.
        assert!(
            m.palette.as_ref().is_some_and(|p| p.dominant.is_some()),
            "{file}"
        );
    }
}

#[test]
fn non_images_give_file_documents() {
    let pdf = b"%PDF-1.4\n% test\n";
    let text = b"plain words";
    let sha = |b: &[u8]| sha1_hex(b);
    let cases: [(&[u8], Option<&str>, &str, &str); 4] = [
        (pdf, Some("Report.PDF"), "pdf", "application/pdf"),
        (pdf, None, "bin", "application/pdf"),
        (text, Some("notes.txt"), "txt", "text/plain"),
        (text, None, "bin", "application/octet-stream"),
    ];
    for (bytes, filename, ext, mime) in cases {
        let opts = opts_with(|o| {
            o.original_filename = filename.map(str::to_owned);
            o.project_id = Some("p".into());
            o.dataset = Some("d".into());
        });
        let doc = file_doc(bytes, &opts);
        let sha1 = sha(bytes);
        assert_eq!(doc.id, format!("file-{sha1}-{ext}"), "{filename:?}");
        assert_eq!(
            (doc.extension.as_str(), doc.mime_type.as_str()),
            (ext, mime)
        );
        assert_eq!(doc.size, bytes.len() as u64);
        assert_eq!(
            doc.path.as_deref(),
            Some(format!("files/p/d/{sha1}.{ext}").as_str())
        );
        assert_eq!(
            doc.url.as_deref(),
            Some(format!("https://cdn.sanity.io/files/p/d/{sha1}.{ext}").as_str())
        );
        let json = serde_json::to_value(AssetDocument::File(doc)).unwrap();
        assert_eq!(json["_type"], "sanity.fileAsset");
    }
}

#[test]
fn images_as_files_when_asked() {
    let opts = opts_with(|o| {
        o.as_file = true;
        o.original_filename = Some("flag.png".into());
    });
    let doc = file_doc(TWO_COLOUR_PNG, &opts);
    assert_eq!(doc.id, format!("file-{TWO_COLOUR_SHA1}-png"));
    assert_eq!(doc.mime_type, "image/png");
    let avif = b"\0\0\0\x1cftypavif\0\0\0\0";
    let doc = file_doc(avif, &opts_with(|o| o.as_file = true));
    assert_eq!(
        (doc.extension.as_str(), doc.mime_type.as_str()),
        ("bin", "image/avif")
    );
}

#[test]
fn errors_carry_context_and_status() {
    let truncated = &TWO_COLOUR_PNG[..40];
    let small_input = opts_with(|o| {
        o.limits = Limits::default();
        o.limits.max_input_bytes = 100;
    });
    let narrow = opts_with(|o| o.limits.max_source_width = 47);
    let few_pixels = opts_with(|o| o.limits.max_source_pixels = 48 * 32 - 1);
    let cases: [(&[u8], &AnalyzeOptions, AnalyzeError, u16); 5] = [
        (
            TWO_COLOUR_PNG,
            &small_input,
            AnalyzeError::InputTooLarge {
                size: 113,
                max: 100,
            },
            413,
        ),
        (
            TWO_COLOUR_PNG,
            &narrow,
            AnalyzeError::SourceTooLarge {
                width: 48,
                height: 32,
                limit: LimitKind::MaxSourceWidth,
                value: 48,
                max: 47,
            },
            413,
        ),
        (
            TWO_COLOUR_PNG,
            &few_pixels,
            AnalyzeError::SourceTooLarge {
                width: 48,
                height: 32,
                limit: LimitKind::MaxSourcePixels,
                value: 48 * 32,
                max: 48 * 32 - 1,
            },
            413,
        ),
        // AVIF magic without a container: recognised as an image, corrupt.
        (
            b"\0\0\0\x1cftypavif\0\0\0\0",
            &AnalyzeOptions::default(),
            AnalyzeError::Decode {
                format: ImageFormat::Avif,
                message: "avif: corrupt or truncated data: box 'ftyp' in file declares 28 bytes, 16 are left".to_owned(),
            },
            422,
        ),
        (
            b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0",
            &AnalyzeOptions::default(),
            AnalyzeError::UnsupportedFeature {
                format: ImageFormat::Tiff,
                feature: "BigTIFF (64-bit offsets)".to_owned(),
            },
            415,
        ),
    ];
    for (bytes, opts, want, status) in cases {
        let err = analyze(bytes, opts).unwrap_err();
        assert_eq!(err, want);
        assert_eq!(err.http_status(), status, "{err}");
    }
    // A 1×1 GIF screen holding a 2000×2000 frame: the header passes, the decoder meets the
    // frame and names the limit, which stays a limit (413), not corrupt data.
    let mut frame_bomb = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
    frame_bomb
        .extend_from_slice(b"\x2c\x00\x00\x00\x00\xd0\x07\xd0\x07\x00\x02\x02\x44\x01\x00\x3b");
    let err = analyze(
        &frame_bomb,
        &opts_with(|o| o.limits.max_source_pixels = 1_000_000),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AnalyzeError::SourceTooLarge {
            width: 1,
            height: 1,
            limit: LimitKind::MaxSourcePixels,
            value: 4_000_000,
            max: 1_000_000,
        }
    );
    assert_eq!(err.http_status(), 413);
    let err = analyze(truncated, &AnalyzeOptions::default()).unwrap_err();
    assert!(matches!(err, AnalyzeError::Decode { .. }), "{err:?}");
    assert_eq!(err.http_status(), 422);
    assert!(
        err.to_string().starts_with("source: corrupt png image: "),
        "{err}"
    );
}
