//! Exactness of the DC-only JPEG decoder against jpeg-decoder's full 1/8-scale decode (the
//! default build's codec; with the `turbojpeg` feature the codec's own 1/8 decode is
//! libjpeg-turbo's, which rounds differently, so the reference is taken from jpeg-decoder
//! directly).
//!
//! Claim tested: on x86 (where jpeg-decoder converts colour with SSSE3, mirrored by the DC
//! decoder) the two decodes are byte-identical; elsewhere they may differ by at most 1 per
//! channel. The mean absolute difference is printed for every case. Also: EXIF orientation and
//! ICC profiles reported as the full decode reports them, and malformed input as typed errors.

#[path = "../benches/common/mod.rs"]
mod corpus;

use std::path::Path;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use pixform::codec::{decode_dc, decode_dc_only, probe, scan_script, CodecError, ScanSummary};
use pixform::{Image, PixelLayout};
use pixform::{ImageFormat, LimitKind, Limits};

/// Largest per-channel difference allowed between the two decodes on this target.
const TOLERANCE: i32 = if cfg!(any(target_arch = "x86", target_arch = "x86_64")) {
    0
} else {
    1
};

/// A deterministic test picture: smooth gradients, a hard-edged disc and pseudo-random texture,
/// so DC values vary in every direction and chroma is far from neutral.
fn picture(w: u32, h: u32) -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed % 41) as i32 - 20;
            let (dx, dy) = (x as i32 - w as i32 / 3, y as i32 - h as i32 / 2);
            let disc = dx * dx + dy * dy < (h as i32 / 3).pow(2);
            let r = (x * 255 / w.max(1)) as i32 + noise;
            let g = (y * 255 / h.max(1)) as i32 - noise;
            let b = if disc { 230 } else { 40 } + noise / 2;
            out.extend([r, g, b].map(|v| v.clamp(0, 255) as u8));
        }
    }
    out
}

struct Case {
    name: &'static str,
    w: u16,
    h: u16,
    sampling: SamplingFactor,
    grey: bool,
    progressive: bool,
    restart: u16,
    quality: u8,
}

fn encode(c: &Case) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, c.quality);
    enc.set_progressive(c.progressive);
    enc.set_sampling_factor(c.sampling);
    if c.restart > 0 {
        enc.set_restart_interval(c.restart);
    }
    let rgb = picture(c.w.into(), c.h.into());
    if c.grey {
        let luma: Vec<u8> = rgb.chunks_exact(3).map(|p| p[1]).collect();
        enc.encode(&luma, c.w, c.h, ColorType::Luma).unwrap();
    } else {
        enc.encode(&rgb, c.w, c.h, ColorType::Rgb).unwrap();
    }
    out
}

/// jpeg-decoder's decode at 1/8 (⌈w/8⌉×⌈h/8⌉), grey expanded to RGB as the codec does.
fn jpeg_decoder_eighth(bytes: &[u8]) -> Image {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().unwrap();
    let info = d.info().unwrap();
    let (w, h) = (info.width.div_ceil(8), info.height.div_ceil(8));
    assert_eq!(d.scale(w, h).unwrap(), (w, h));
    let pixels = d.decode().unwrap();
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        other => panic!("unexpected pixel format {other:?}"),
    };
    Image::from_vec(w.into(), h.into(), PixelLayout::Rgb8, rgb).unwrap()
}

/// Compares the DC-only decode with jpeg-decoder at 1/8; returns (max, mean) difference.
fn compare(bytes: &[u8], label: &str) -> (u8, f64) {
    let limits = Limits::default();
    let reference = jpeg_decoder_eighth(bytes);
    let dc = decode_dc_only(bytes, &limits).unwrap();
    assert_eq!(
        (dc.width(), dc.height(), dc.layout()),
        (reference.width(), reference.height(), PixelLayout::Rgb8),
        "{label}: size"
    );
    let diffs: Vec<u8> = dc
        .data()
        .iter()
        .zip(reference.data())
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    let max = diffs.iter().copied().max().unwrap_or(0);
    let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len().max(1) as f64;
    println!(
        "{label}: {}x{} max diff {max}, mean {mean:.5}",
        dc.width(),
        dc.height()
    );
    (max, mean)
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "420 progressive", w: 203, h: 117, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: true, restart: 0, quality: 85 },
    Case { name: "422 progressive", w: 190, h: 133, sampling: SamplingFactor::R_4_2_2, grey: false, progressive: true, restart: 0, quality: 90 },
    Case { name: "444 progressive", w: 97, h: 61, sampling: SamplingFactor::R_4_4_4, grey: false, progressive: true, restart: 0, quality: 75 },
    Case { name: "440 progressive", w: 129, h: 95, sampling: SamplingFactor::R_4_4_0, grey: false, progressive: true, restart: 0, quality: 80 },
    Case { name: "411 progressive", w: 140, h: 70, sampling: SamplingFactor::R_4_1_1, grey: false, progressive: true, restart: 0, quality: 80 },
    Case { name: "grey progressive", w: 121, h: 77, sampling: SamplingFactor::R_4_4_4, grey: true, progressive: true, restart: 0, quality: 85 },
    Case { name: "420 progressive restarts", w: 203, h: 117, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: true, restart: 3, quality: 85 },
    Case { name: "grey progressive restarts", w: 121, h: 77, sampling: SamplingFactor::R_4_4_4, grey: true, progressive: true, restart: 1, quality: 60 },
    Case { name: "420 tiny", w: 9, h: 9, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: true, restart: 0, quality: 95 },
    Case { name: "420 one block", w: 8, h: 5, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: true, restart: 0, quality: 95 },
    Case { name: "420 q100", w: 77, h: 50, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: true, restart: 0, quality: 100 },
    Case { name: "420 baseline", w: 203, h: 117, sampling: SamplingFactor::R_4_2_0, grey: false, progressive: false, restart: 0, quality: 85 },
    Case { name: "422 baseline restarts", w: 190, h: 133, sampling: SamplingFactor::R_4_2_2, grey: false, progressive: false, restart: 5, quality: 90 },
    Case { name: "grey baseline", w: 121, h: 77, sampling: SamplingFactor::R_4_4_4, grey: true, progressive: false, restart: 0, quality: 85 },
];

#[test]
fn synthesized_files_match_the_scaled_decode() {
    for c in CASES {
        let bytes = encode(c);
        let (max, _) = compare(&bytes, c.name);
        assert!(i32::from(max) <= TOLERANCE, "{}: max diff {max}", c.name);
    }
}

/// The eight corpus JPEGs (benches/corpus/LICENSES.md): baseline and progressive, 4:2:0 and
/// 4:2:2, two with EXIF orientation.
const CORPUS_JPEGS: [&str; 8] = [
    "j1-kleiber-6028x3391-q92-422-baseline.jpg",
    "j2-seeding-5312x2988-q85-420-progressive.jpg",
    "j3-dragonfly-4224x3168-q85-422-baseline.jpg",
    "j4-sunset-4272x2848-q85-422-progressive.jpg",
    "j5-bridge-4352x2448-q90-422-baseline.jpg",
    "j6-picos-3264x2448-q90-420-progressive.jpg",
    "j7-aitzgorri-orient6-2056x3088-baseline.jpg",
    "j8-life-orient8-2056x3088-progressive.jpg",
];

#[test]
fn corpus_files_match_the_scaled_decode() {
    for name in CORPUS_JPEGS {
        let bytes = corpus::corpus_file(name);
        let (max, _) = compare(&bytes, name);
        assert!(i32::from(max) <= TOLERANCE, "{name}: max diff {max}");
    }
}

#[test]
fn scan_script_of_a_synthesized_progressive_file() {
    let bytes = encode(&CASES[0]);
    let script = scan_script(&bytes, &Limits::default()).unwrap();
    // jpeg-encoder's progressive script (4 scans per component): one DC scan per component,
    // then per band (1–20, 21–41, 42–63) one scan per component, no successive approximation.
    // It numbers the components 0, 1, 2.
    let mut want = vec![(0u8, 0u8, 0u8); 0];
    for id in 0..=2 {
        want.push((id, 0, 0));
    }
    for (ss, se) in [(1, 20), (21, 41), (42, 63)] {
        for id in 0..=2 {
            want.push((id, ss, se));
        }
    }
    let got: Vec<(u8, u8, u8)> = script
        .iter()
        .map(|s: &ScanSummary| {
            assert_eq!((s.components.len(), s.ah, s.al), (1, 0, 0));
            (s.components[0], s.ss, s.se)
        })
        .collect();
    assert_eq!(got, want);
    let entropy: usize = script.iter().map(|s| s.entropy_bytes).sum();
    assert!(
        entropy > 0 && entropy < bytes.len(),
        "{entropy} of {}",
        bytes.len()
    );
}

#[test]
fn cmyk_is_unsupported_so_the_caller_falls_back() {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 80);
    enc.set_progressive(true);
    let px: Vec<u8> = picture(40, 24)
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 30])
        .collect();
    enc.encode(&px, 40, 24, ColorType::Cmyk).unwrap();
    let err = decode_dc_only(&out, &Limits::default()).unwrap_err();
    assert!(matches!(err, CodecError::Unsupported { .. }), "{err}");
    assert_eq!(err.http_status(), 415);
}

#[test]
fn limits_are_checked_before_decoding() {
    let bytes = encode(&CASES[0]);
    let mut limits = Limits::default();
    limits.max_source_pixels = 203 * 117 - 1;
    let err = decode_dc_only(&bytes, &limits).unwrap_err();
    assert!(
        matches!(
            err,
            CodecError::LimitExceeded {
                limit: LimitKind::MaxSourcePixels,
                ..
            }
        ),
        "{err}"
    );
    limits.max_source_pixels = 203 * 117;
    assert!(decode_dc_only(&bytes, &limits).is_ok());
}

/// testdata/fixtures/fig-96x64-orient{N}.jpg: one upright 96×64 picture stored under the
/// inverse of EXIF orientation N, with an APP1 Orientation=N (testdata/LICENSES.md).
fn orientation_fixture(n: u8) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("testdata/fixtures/fig-96x64-orient{n}.jpg"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} missing: {e}", path.display()))
}

/// The RGB pixel at display position (x, y) of a stored image under EXIF orientation `n`
/// (TIFF/EXIF 2.3 definitions, written out here rather than taken from the codec).
fn displayed(img: &Image, n: u8, x: u32, y: u32) -> [u8; 3] {
    let (sw, sh) = (img.width(), img.height());
    let (sx, sy) = match n {
        1 => (x, y),
        2 => (sw - 1 - x, y),
        3 => (sw - 1 - x, sh - 1 - y),
        4 => (x, sh - 1 - y),
        5 => (y, x),
        6 => (y, sh - 1 - x),
        7 => (sw - 1 - y, sh - 1 - x),
        8 => (sw - 1 - y, x),
        _ => unreachable!("orientation {n}"),
    };
    let i = ((sy * sw + sx) * 3) as usize;
    [img.data()[i], img.data()[i + 1], img.data()[i + 2]]
}

#[test]
fn decode_dc_reports_exif_orientation_on_stored_pixels() {
    // (orientation, stored size at 1/8): 5–8 store the 96×64 picture as 64×96.
    #[rustfmt::skip]
    let cases: [(u8, (u32, u32)); 8] = [
        (1, (12, 8)), (2, (12, 8)), (3, (12, 8)), (4, (12, 8)),
        (5, (8, 12)), (6, (8, 12)), (7, (8, 12)), (8, (8, 12)),
    ];
    let upright = decode_dc(&orientation_fixture(1), &Limits::default(), true)
        .unwrap()
        .image;
    for (n, (w, h)) in cases {
        let bytes = orientation_fixture(n);
        let d = decode_dc(&bytes, &Limits::default(), true).unwrap();
        assert_eq!(
            (
                d.orientation.exif(),
                d.image.width(),
                d.image.height(),
                d.icc_profile.as_deref()
            ),
            (n, w, h, None),
            "orientation {n}"
        );
        let (max, _) = compare(&bytes, &format!("orientation {n}"));
        assert!(
            i32::from(max) <= TOLERANCE,
            "orientation {n}: max diff {max}"
        );
        // Displayed as the orientation says, every fixture is the same picture: the 8×8 block
        // means agree (block-aligned sizes, so the stored transforms keep every block; measured
        // max difference 0, 1 allowed for JPEG q95 rounding).
        let mut worst = 0u8;
        for y in 0..8 {
            for x in 0..12 {
                let got = displayed(&d.image, n, x, y);
                let want = displayed(&upright, 1, x, y);
                for c in 0..3 {
                    worst = worst.max(got[c].abs_diff(want[c]));
                }
            }
        }
        assert!(worst <= 1, "orientation {n}: displayed differs by {worst}");
    }
}

/// A flat 64×48 JPEG (4:4:4, q95) of `rgb` with `profile` embedded as APP2 ICC chunks.
fn flat_jpeg_with_profile(rgb: [u8; 3], profile: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 95);
    enc.set_sampling_factor(SamplingFactor::R_4_4_4);
    enc.set_progressive(true);
    enc.add_icc_profile(profile).unwrap();
    enc.encode(&rgb.repeat(64 * 48), 64, 48, ColorType::Rgb)
        .unwrap();
    out
}

/// Display-P3, and the same profile padded past one APP2 segment (65 519 bytes) so it is split
/// into three chunks the decoder must join in order.
fn p3_profiles() -> Vec<(&'static str, Vec<u8>)> {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let mut padded = p3.clone();
    padded.resize(140_000, 0);
    padded[..4].copy_from_slice(&140_000u32.to_be_bytes());
    assert!(moxcms::ColorProfile::new_from_slice(&padded).is_ok());
    vec![("one chunk", p3), ("three chunks", padded)]
}

#[test]
fn decode_dc_keeps_or_converts_an_embedded_profile() {
    for (label, profile) in p3_profiles() {
        let bytes = flat_jpeg_with_profile([200, 100, 50], &profile);
        let kept = decode_dc(&bytes, &Limits::default(), false).unwrap();
        assert_eq!(
            (
                kept.orientation.exif(),
                kept.image.width(),
                kept.image.height()
            ),
            (1, 8, 6),
            "{label}"
        );
        assert!(
            kept.icc_profile.as_deref() == Some(&profile[..]),
            "{label}: profile not kept byte for byte"
        );
        let (max, _) = compare(&bytes, label);
        assert!(i32::from(max) <= TOLERANCE, "{label}: max diff {max}");
        // Display-P3 (200, 100, 50) in sRGB is (214.9, 92.6, 31.0): P3 and sRGB primaries,
        // D65, sRGB transfer curve, computed with numpy; measured (215, 93, 31) on every pixel,
        // 1 allowed for the D50 PCS and DC rounding.
        let converted = decode_dc(&bytes, &Limits::default(), true).unwrap();
        assert_eq!(converted.icc_profile, None, "{label}");
        for (i, px) in converted.image.data().chunks_exact(3).enumerate() {
            for (c, want) in [215u8, 93, 31].into_iter().enumerate() {
                assert!(
                    px[c].abs_diff(want) <= 1,
                    "{label}: pixel {i} {px:?}, want ≈ (215, 93, 31)"
                );
            }
        }
    }
}

/// Offset of the first `FF marker` segment of a JPEG (markers are whole segments here: the
/// walk steps over each segment's length).
fn segment(bytes: &[u8], marker: u8) -> usize {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        assert_eq!(bytes[at], 0xFF, "segment walk lost at {at}");
        if bytes[at + 1] == marker {
            return at;
        }
        at += 2 + usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
    }
    panic!("no FF{marker:02X} segment");
}

fn is_jpeg_error(e: &CodecError, corrupt: bool) -> bool {
    match e {
        CodecError::Corrupt { format, .. } => corrupt && *format == ImageFormat::Jpeg,
        CodecError::Unsupported { format, .. } => !corrupt && *format == ImageFormat::Jpeg,
        _ => false,
    }
}

#[test]
fn malformed_headers_give_the_right_error() {
    let progressive = encode(&CASES[0]);
    let baseline = encode(&CASES[11]);
    let sof2 = segment(&progressive, 0xC2);
    let sos = segment(&progressive, 0xDA);
    let sof0 = segment(&baseline, 0xC0);
    // (what, file, byte offset, new value, Corrupt (true) or Unsupported (false))
    #[rustfmt::skip]
    let cases: [(&str, &[u8], usize, u8, bool); 8] = [
        ("12-bit precision", &progressive, sof2 + 4, 12, false),
        ("arithmetic progressive SOF10", &progressive, sof2 + 1, 0xCA, false),
        ("lossless SOF3", &baseline, sof0 + 1, 0xC3, false),
        ("hierarchical SOF5", &baseline, sof0 + 1, 0xC5, false),
        ("undefined quantization table", &baseline, sof0 + 12, 3, true),
        ("scan of an undefined component", &progressive, sos + 5, 9, true),
        ("undefined DC Huffman table", &progressive, sos + 6, 0x30, true),
        ("zero width", &progressive, sof2 + 8, 0, true),
    ];
    for (what, file, at, value, corrupt) in cases {
        let mut bad = file.to_vec();
        bad[at] = value;
        let err = decode_dc_only(&bad, &Limits::default()).unwrap_err();
        assert!(is_jpeg_error(&err, corrupt), "{what}: {err:?}");
        assert_eq!(err.http_status(), if corrupt { 422 } else { 415 }, "{what}");
    }
}

#[test]
fn truncated_and_corrupted_files_are_typed_errors_or_consistent_images() {
    for c in [&CASES[0], &CASES[6], &CASES[11]] {
        let bytes = encode(c);
        // Every cut loses the end-of-image marker: a JPEG error, except the cuts that lose the
        // three-byte signature, which are not recognised as JPEG at all.
        for cut in (0..bytes.len() - 1)
            .step_by(7)
            .chain([1, 2, 3, bytes.len() - 2])
        {
            let err = decode_dc_only(&bytes[..cut], &Limits::default()).unwrap_err();
            if cut < 3 {
                assert!(
                    matches!(err, CodecError::UnknownFormat { .. }),
                    "{}: cut at {cut}: {err:?}",
                    c.name
                );
            } else {
                assert!(
                    is_jpeg_error(&err, true),
                    "{}: cut at {cut}: {err:?}",
                    c.name
                );
            }
        }
        // Flipped bytes anywhere: a typed JPEG error, or an image of the size the (possibly
        // flipped) header declares.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let (mut images, mut errors) = (0, 0);
        for _ in 0..400 {
            let mut bad = bytes.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % bad.len() as u64) as usize;
                bad[at] ^= (seed >> 32) as u8 | 1;
            }
            let jpeg_magic = bad.starts_with(&[0xFF, 0xD8, 0xFF]);
            let typed = |e: &CodecError| {
                if jpeg_magic {
                    is_jpeg_error(e, true) || is_jpeg_error(e, false)
                } else {
                    matches!(e, CodecError::UnknownFormat { .. })
                }
            };
            match decode_dc_only(&bad, &Limits::default()) {
                Ok(img) => {
                    images += 1;
                    let info = probe(&bad, &Limits::default()).unwrap();
                    let (w, h) = (
                        info.stored_width.div_ceil(8),
                        info.stored_height.div_ceil(8),
                    );
                    assert_eq!(
                        (img.width(), img.height(), img.data().len()),
                        (w, h, (w * h * 3) as usize),
                        "{}",
                        c.name
                    );
                }
                Err(e) => {
                    errors += 1;
                    assert!(typed(&e), "{}: {e:?}", c.name);
                }
            }
            match scan_script(&bad, &Limits::default()) {
                Ok(script) => {
                    for s in &script {
                        assert!(
                            s.ss <= s.se && s.se <= 63 && (1..=4).contains(&s.components.len()),
                            "{}: {s:?}",
                            c.name
                        );
                    }
                    let entropy: usize = script.iter().map(|s| s.entropy_bytes).sum();
                    assert!(entropy < bad.len(), "{}", c.name);
                }
                Err(e) => assert!(typed(&e), "{}: {e:?}", c.name),
            }
        }
        // Both outcomes occur: flips in entropy-coded data still decode, flips in markers fail.
        assert!(
            images > 0 && errors > 0,
            "{}: {images} images, {errors} errors",
            c.name
        );
    }
    // (input, what it is reported as)
    type Expect = fn(&CodecError) -> bool;
    #[rustfmt::skip]
    let garbage: [(&[u8], Expect); 4] = [
        (b"", |e| matches!(e, CodecError::UnknownFormat { .. })),
        (b"\xFF\xD8", |e| matches!(e, CodecError::UnknownFormat { .. })),
        (b"\xFF\xD8\xFF\xC2\x00\x11", |e| is_jpeg_error(e, true)),
        (b"not a jpeg", |e| matches!(e, CodecError::UnknownFormat { .. })),
    ];
    for (input, expected) in garbage {
        let err = decode_dc_only(input, &Limits::default()).unwrap_err();
        assert!(expected(&err), "{input:?}: {err:?}");
    }
}

/// A baseline file (found by the `jpeg_dc` fuzz target) whose AC runs pass coefficient 63.
/// libjpeg-turbo reads the run's value bits and goes on, silently; jpeg-decoder ends the block
/// without them and drifts. The DC-only decoder must read what libjpeg-turbo reads: its
/// decode equals jpeg-decoder's decode of `jpegtran -copy all`'s transcoding, which holds the
/// coefficients as libjpeg-turbo read them in plain runs.
#[test]
fn ac_runs_past_the_block_are_read_as_libjpeg_reads_them() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let read = |p: &str| std::fs::read(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let original = read("fuzz-regressions/jpeg_dc/valid-baseline-ac-run-past-63");
    let transcoded = read("jpeg-dc/ac-run-past-63.jpegtran.jpg");
    let dc = decode_dc_only(&original, &Limits::default()).unwrap();
    assert_eq!(dc, jpeg_decoder_eighth(&transcoded));
    // The reason the fuzz target compares through the transcoding: jpeg-decoder itself reads
    // the original otherwise.
    assert_ne!(
        jpeg_decoder_eighth(&original),
        jpeg_decoder_eighth(&transcoded)
    );
}
