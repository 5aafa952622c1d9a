//! Exactness of the DC-only JPEG decoder against jpeg-decoder's full 1/8-scale decode (the
//! default build's codec; with the `turbojpeg` feature the codec's own 1/8 decode is
//! libjpeg-turbo's, which rounds differently, so the reference is taken from jpeg-decoder
//! directly).
//!
//! Claim tested: on x86 (where jpeg-decoder converts colour with SSSE3, mirrored by the DC
//! decoder) the two decodes are byte-identical; elsewhere they may differ by at most 1 per
//! channel. The mean absolute difference is printed for every case.

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use pixform::codec::{decode_dc, decode_dc_only, scan_script, CodecError, ScanSummary};
use pixform::{Image, PixelLayout};
use pixform::{LimitKind, Limits};

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

#[test]
fn corpus_files_match_the_scaled_decode() {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/bench-corpus"
    ));
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("corpus absent: skipped");
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('j') && n.ends_with(".jpg"))
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let (max, _) = compare(&bytes, &name);
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

#[test]
fn decode_dc_reports_orientation_and_keeps_profile_semantics() {
    let bytes = encode(&CASES[1]);
    let d = decode_dc(&bytes, &Limits::default(), true).unwrap();
    assert_eq!((d.image.width(), d.image.height()), (24, 17));
    assert_eq!(d.orientation.exif(), 1);
    assert_eq!(d.icc_profile, None);
}

#[test]
fn truncated_and_corrupted_files_are_errors_not_panics() {
    for c in [&CASES[0], &CASES[6], &CASES[11]] {
        let bytes = encode(c);
        // Every cut loses the end-of-image marker: always an error.
        for cut in (0..bytes.len() - 1).step_by(7) {
            assert!(
                decode_dc_only(&bytes[..cut], &Limits::default()).is_err(),
                "{}: cut at {cut}",
                c.name
            );
        }
        // Flipped bytes anywhere: any result but a panic.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..400 {
            let mut bad = bytes.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % bad.len() as u64) as usize;
                bad[at] ^= (seed >> 32) as u8 | 1;
            }
            let _ = decode_dc_only(&bad, &Limits::default());
            let _ = scan_script(&bad, &Limits::default());
        }
    }
    for garbage in [
        &b""[..],
        b"\xFF\xD8",
        b"\xFF\xD8\xFF\xC2\x00\x11",
        b"not a jpeg",
    ] {
        assert!(decode_dc_only(garbage, &Limits::default()).is_err());
    }
}
