//! AVIF and HEIC decoding (features `avif-decode` and `heic`): every fixture of
//! `testdata/heif/` decoded, turned upright by the orientation the header reports, against
//! libvips' decode through libheif (dav1d, libde265) in `testdata/reference/heif/`, made by
//! `testdata/make_heif.sh`. YCbCr rounding and chroma upsampling differ a little between the
//! decoders: mean ≤ 1.5 and max ≤ 12 per premultiplied channel (HEIC: see its test). Hostile
//! payloads are typed errors.
#![cfg(any(feature = "avif-decode", feature = "heic"))]

mod support;

use image::RgbaImage;
use pixform::codec::{self, CodecError, DecodeOptions};
use pixform::{ImageFormat, Limits, PixelLayout};
use support::{diff, image_rgba as rgba, read_testdata, reference_png};

fn fixture(name: &str) -> Vec<u8> {
    read_testdata(&format!("heif/{name}"))
}

fn reference(name: &str) -> RgbaImage {
    reference_png(&format!("heif/{name}.png"))
}

/// Decodes `file`, turns it upright and compares it with libvips' decode: mean and max per
/// premultiplied channel at most `tolerance`.
fn check(file: &str, layout: PixelLayout, upright: (u32, u32), tolerance: (f64, u8)) {
    let decoded = codec::decode(
        &fixture(file),
        &Limits::default(),
        &DecodeOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(decoded.image.layout(), layout, "{file}");
    let img = decoded
        .orientation
        .apply_owned(decoded.image)
        .expect("orient");
    assert_eq!((img.width(), img.height()), upright, "{file}");
    let got = rgba(&img);
    let want = reference(file);
    let d = diff(&got, &want).expect("same size");
    assert!(
        d.mean <= tolerance.0 && d.max <= tolerance.1,
        "{file}: {d:?} ({})",
        support::write_failure(file, &want, &got)
    );
}

#[cfg(feature = "avif-decode")]
#[test]
fn avif_decodes_like_libheif() {
    use PixelLayout::{Rgb8, Rgba8};
    // (file, layout, upright size)
    let cases = [
        ("opaque-96x64.avif", Rgb8, (96, 64)),
        ("alpha-96x64.avif", Rgba8, (96, 64)),
        ("10bit-444-96x64.avif", Rgb8, (96, 64)),
        ("10bit-420-96x64.avif", Rgb8, (96, 64)),
        ("grey-96x64.avif", Rgb8, (96, 64)),
        ("grid2x2-192x128.avif", Rgb8, (192, 128)),
        ("irot1-imir0-96x64.avif", Rgb8, (64, 96)),
        ("irot3-96x64.avif", Rgb8, (64, 96)),
        ("clap-80x48-of-96x64.avif", Rgb8, (80, 48)),
    ];
    for (file, layout, size) in cases {
        check(file, layout, size, (1.5, 12));
    }
}

#[cfg(feature = "heic")]
#[test]
fn heic_with_an_nclx_box_decodes_like_libheif() {
    use PixelLayout::{Rgb8, Rgba8};
    let cases = [
        ("colr-96x64.heic", Rgb8, (96, 64)),
        ("colr-alpha-96x64.heic", Rgba8, (96, 64)),
        ("colr-irot1-96x64.heic", Rgb8, (64, 96)),
    ];
    // heic-rs interpolates chroma (bilinear, sited), libheif 1.15 replicates it: the two
    // differ by up to ~20 on the few pixels of sharp colour edges, the mean stays below 1.
    for (file, layout, size) in cases {
        check(file, layout, size, (1.0, 24));
    }
}

/// heif-enc's files carry their colour description only in the HEVC VUI (BT.601 full range),
/// which heic-rs 0.1.4 does not read; pixform reads it and decodes them as libheif does.
#[cfg(feature = "heic")]
#[test]
fn heic_without_colr_takes_the_vui_colour() {
    use PixelLayout::{Rgb8, Rgba8};
    for (file, layout) in [("opaque-96x64.heic", Rgb8), ("alpha-96x64.heic", Rgba8)] {
        check(file, layout, (96, 64), (1.0, 24));
    }
}

/// The `mdat` body: the coded item's payload in these single-item files.
fn mdat_body(bytes: &[u8]) -> (usize, usize) {
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        if &bytes[pos + 4..pos + 8] == b"mdat" {
            return (pos + 8, pos + size);
        }
        pos += size;
    }
    panic!("no mdat");
}

/// `bytes` with the `iloc` extent length of the coded item (the whole `mdat` body) halved: a
/// truncated payload in an intact container.
fn half_payload(bytes: &[u8]) -> Vec<u8> {
    let (start, end) = mdat_body(bytes);
    let len = u32::try_from(end - start).unwrap().to_be_bytes();
    let iloc = bytes.windows(4).position(|w| w == b"iloc").expect("iloc");
    let at = iloc
        + bytes[iloc..]
            .windows(4)
            .position(|w| w == len)
            .expect("extent length");
    let mut out = bytes.to_vec();
    out[at..at + 4].copy_from_slice(&u32::try_from((end - start) / 2).unwrap().to_be_bytes());
    out
}

/// `bytes` with the primary item's `ispe` width set to `width`.
fn with_ispe_width(bytes: &[u8], width: u32) -> Vec<u8> {
    let at = bytes.windows(4).position(|w| w == b"ispe").expect("ispe") + 8;
    let mut out = bytes.to_vec();
    out[at..at + 4].copy_from_slice(&width.to_be_bytes());
    out
}

fn decode_err(bytes: &[u8]) -> CodecError {
    codec::decode(bytes, &Limits::default(), &DecodeOptions::default()).expect_err("typed error")
}

#[cfg(feature = "avif-decode")]
#[test]
fn hostile_avif_payloads_are_typed_errors() {
    let bytes = fixture("opaque-96x64.avif");
    let corrupt = |detail: &str| CodecError::Corrupt {
        format: ImageFormat::Avif,
        detail: detail.into(),
    };
    assert_eq!(
        decode_err(&half_payload(&bytes)),
        corrupt("AV1 bitstream: Invalid argument")
    );
    // `ispe` 97 wide: the frame is smaller than declared.
    assert_eq!(
        decode_err(&with_ispe_width(&bytes, 97)),
        corrupt("AV1 frame is 96x64, its 'ispe' says 97x64")
    );
    // `ispe` 95 wide: libdav1d's frame-size limit (the declared area) refuses the frame
    // before allocating it.
    assert_eq!(
        decode_err(&with_ispe_width(&bytes, 95)),
        corrupt("AV1 frame larger than its 'ispe' declares")
    );
    let (start, end) = mdat_body(&bytes);
    let mut zeros = bytes.clone();
    zeros[start..end].fill(0);
    let e = decode_err(&zeros);
    assert!(
        matches!(&e, CodecError::Corrupt { format: ImageFormat::Avif, detail } if detail.starts_with("AV1")),
        "{e:?}"
    );
}

#[cfg(feature = "heic")]
#[test]
fn hostile_heic_payloads_are_typed_errors() {
    let bytes = fixture("colr-96x64.heic");
    for (what, hostile) in [
        ("half payload", half_payload(&bytes)),
        ("ispe 95 wide", with_ispe_width(&bytes, 95)),
    ] {
        let e = decode_err(&hostile);
        assert!(
            matches!(&e, CodecError::Corrupt { format: ImageFormat::Heic, detail } if detail.starts_with("HEVC")),
            "{what}: {e:?}"
        );
    }
}

/// Every single-byte change of the coded payload (and of the container after `ftyp`, at a
/// stride) decodes to the declared size or fails with a typed error; nothing panics.
#[test]
fn changed_bytes_decode_or_fail_typed() {
    let mut files = Vec::new();
    if cfg!(feature = "avif-decode") {
        files.extend(["alpha-96x64.avif", "grid2x2-192x128.avif"]);
    }
    if cfg!(feature = "heic") {
        files.extend(["colr-alpha-96x64.heic", "opaque-96x64.heic"]);
    }
    for file in files {
        let bytes = fixture(file);
        let (start, end) = mdat_body(&bytes);
        let positions = (32..start).step_by(3).chain(start..end);
        for at in positions {
            let mut changed = bytes.clone();
            changed[at] ^= 0x5A;
            match codec::decode(&changed, &Limits::default(), &DecodeOptions::default()) {
                // A changed header byte may change the declared size: the output has the size
                // the changed file declares.
                Ok(d) => {
                    let info = codec::probe(&changed, &Limits::default()).expect("decoded");
                    assert_eq!(
                        (d.image.width(), d.image.height()),
                        (info.stored_width, info.stored_height),
                        "{file} byte {at}"
                    );
                }
                Err(e) => assert!(
                    matches!(
                        e,
                        CodecError::Corrupt { .. }
                            | CodecError::Unsupported { .. }
                            | CodecError::LimitExceeded { .. }
                            | CodecError::UnknownFormat { .. }
                    ),
                    "{file} byte {at}: {e:?}"
                ),
            }
        }
    }
}

/// The decoders honour the source pixel limit from the header, before decoding.
#[test]
fn limits_apply_before_decoding() {
    let mut limits = Limits::default();
    limits.max_source_pixels = 96 * 64 - 1;
    for file in ["opaque-96x64.avif", "colr-96x64.heic"] {
        let e = codec::decode(&fixture(file), &limits, &DecodeOptions::default()).expect_err(file);
        assert_eq!(e.http_status(), 413, "{file}: {e:?}");
    }
}
