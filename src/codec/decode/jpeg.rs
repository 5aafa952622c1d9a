//! JPEG decoding at full size or downscaled in the DCT domain: `libjpeg-turbo-rs` (a pure-Rust
//! port of libjpeg-turbo's decoder, libjpeg-turbo's exact pixels) for grey and YCbCr/RGB files
//! at full size, 1/2 and 1/4; `jpeg-decoder` for 1/8, CMYK/YCCK and every file the port
//! refuses or warns about.
//!
//! `zune-jpeg` decodes full-size baseline files faster (numbers in Cargo.toml) but was measured
//! here decoding valid files with wrong colours (jpeg-encoder's optimized-Huffman 4:2:0 output:
//! mean error 83 per channel, where libjpeg-turbo reads the same file within 1.4 of the
//! source), and its tracker lists more such mis-decodes; a decoder that is fast but wrong is
//! not an option for an image server.

use crate::format::ImageFormat;
use crate::pixels::BufferPool;

use super::super::color::{SampleKind, Samples};
use super::super::error::{panic_message, usize_of, CodecError};
use super::super::header::Header;
use super::super::info::{scaled_size, ColorModel};
use super::DecodeOptions;

const F: ImageFormat = ImageFormat::Jpeg;

/// Most scans a JPEG may have (zune-jpeg's default limit too). Real
/// progressive files have about 10 (3 components, spectral selection and refinement).
const MAX_SCANS: usize = 100;

/// Decodes to samples (and the embedded ICC profile).
pub(super) fn decode(
    bytes: &[u8],
    header: &Header,
    opts: &DecodeOptions,
    pool: &mut BufferPool,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    // Both decoders pad a truncated scan with grey instead of failing; an EOI marker after the
    // first scan (scan data cannot contain one) shows that the file is complete.
    let complete =
        memchr::memmem::rfind(bytes, &[0xFF, 0xD9]).is_some_and(|eoi| eoi > header.scan_offset);
    if !complete {
        return Err(CodecError::corrupt(F, "truncated: no end-of-image marker"));
    }
    // Each scan costs a pass over every block, however few bytes it has (an EOB run covers
    // thousands of blocks in two bytes), so the scan count bounds the decoding time; the
    // decoder has no such limit of its own. Entropy-coded data stuffs 0xFF as FF 00, so FF DA
    // only starts a scan.
    let scans = memchr::memmem::find_iter(
        bytes.get(header.scan_offset..).unwrap_or(&[]),
        &[0xFF, 0xDA],
    )
    .count();
    if scans > MAX_SCANS {
        return Err(CodecError::corrupt(
            F,
            format!("{scans} scans, expected at most {MAX_SCANS}"),
        ));
    }
    #[cfg(feature = "turbojpeg")]
    if libjpeg_decodes(header) {
        // Any failure, even a mere libjpeg-turbo warning, goes to the pure-Rust decoder, which
        // decides whether the file is corrupt.
        if let Ok(decoded) = super::super::turbo::decode(bytes, header, opts.scale_denom, pool) {
            return Ok(decoded);
        }
    }
    // The port decodes in 0.62–0.72× jpeg-decoder's time on the bench corpus. jpeg-decoder keeps
    // 1/8: its pixels are the DC-only decoder's (`jpeg_dc`), which the plan takes for
    // progressive files there and which must equal this decoder's; libjpeg's 1/8 cannot be
    // matched from DC coefficients alone (it decodes subsampled chroma at 2×2 from four
    // coefficients instead of upsampling one).
    if matches!(opts.scale_denom, 0..=2 | 4) && libjpeg_decodes(header) {
        // A file the port refuses or warns about goes to jpeg-decoder, which decides whether
        // it is corrupt: a file decodes exactly when it did with jpeg-decoder alone, with the
        // same errors.
        if let Ok(decoded) = decode_libjpeg(bytes, header, opts.scale_denom, pool) {
            return Ok(decoded);
        }
    }
    decode_jpeg_decoder(bytes, header, opts.scale_denom)
}

/// Whether libjpeg can decode this file to grey or RGB (it cannot turn CMYK/YCCK into RGB).
fn libjpeg_decodes(header: &Header) -> bool {
    matches!(
        header.info.color_model,
        ColorModel::Grey | ColorModel::YCbCr | ColorModel::Rgb
    )
}

/// Decodes a grey or YCbCr/RGB file with `libjpeg-turbo-rs` at 1/`denom` (1, 2, 4 or 8).
///
/// Strict: a warning the port reports (damaged entropy-coded data that libjpeg would pad with
/// grey, …) is an error here, as libjpeg-turbo's own warnings are in the `turbojpeg` build.
/// (Unlike libjpeg it does not look at bytes between the last scan's data and EOI; nor does
/// jpeg-decoder.) A panic inside the port is caught and reported as an error too.
fn decode_libjpeg(
    bytes: &[u8],
    header: &Header,
    denom: u8,
    pool: &mut BufferPool,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    use libjpeg_turbo_rs::{Decoder, PixelFormat, ScalingFactor};

    let (w, h) = scaled_size(header.info.stored_width, header.info.stored_height, denom);
    let grey = header.info.color_model == ColorModel::Grey;
    let (kind, format) = if grey {
        (SampleKind::Grey, PixelFormat::Grayscale)
    } else {
        (SampleKind::Rgb, PixelFormat::Rgb)
    };
    let channels = if grey { 1 } else { 3 };
    let (width, height) = (usize_of(F, w)?, usize_of(F, h)?);
    // The probe checked the source area against the limits; the scaled one is no larger.
    let len = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .ok_or_else(|| CodecError::internal(F, "buffer size overflows"))?;
    let mut data = pool
        .take(len)
        .ok_or_else(|| CodecError::internal(F, format!("cannot allocate {len} bytes")))?;
    let run = |data: &mut [u8]| -> Result<(), String> {
        let scale =
            ScalingFactor::try_new(1, u32::from(denom.max(1))).map_err(|e| e.to_string())?;
        let mut d = Decoder::new(bytes).map_err(|e| e.to_string())?;
        d.set_output_format(format);
        d.set_scale(scale);
        d.set_stop_on_warning(true);
        if (d.output_width(), d.output_height()) != (width, height) {
            return Err(format!(
                "libjpeg-turbo-rs decodes {}x{}, expected {w}x{h}",
                d.output_width(),
                d.output_height()
            ));
        }
        let info = d.decode_image_into(data).map_err(|e| e.to_string())?;
        if (info.width, info.height, info.bytes_written) != (width, height, data.len()) {
            return Err(format!(
                "libjpeg-turbo-rs wrote {} bytes for {}x{}, expected {} for {w}x{h}",
                info.bytes_written,
                info.width,
                info.height,
                data.len()
            ));
        }
        Ok(())
    };
    // The closure's only shared state is `data`, which is given back below on failure (its
    // contents are unspecified then, and every byte is written on success).
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut data[..])));
    let message = match outcome {
        Ok(Ok(())) => {
            return Ok((
                Samples {
                    width: w,
                    height: h,
                    kind,
                    data,
                },
                super::super::jpeg_icc::read(bytes),
            ))
        }
        Ok(Err(message)) => message,
        Err(payload) => format!(
            "libjpeg-turbo-rs panicked: {}",
            panic_message(payload.as_ref())
        ),
    };
    pool.give(data);
    Err(CodecError::corrupt(F, message))
}

fn map_jd_error(e: jpeg_decoder::Error) -> CodecError {
    match e {
        jpeg_decoder::Error::Unsupported(f) => CodecError::unsupported(F, format!("{f:?}")),
        jpeg_decoder::Error::Internal(e) => CodecError::internal(F, e),
        other => CodecError::corrupt(F, other),
    }
}

fn decode_jpeg_decoder(
    bytes: &[u8],
    header: &Header,
    denom: u8,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let (sw, sh) = (header.info.stored_width, header.info.stored_height);
    let (w, h) = scaled_size(sw, sh, denom);
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().map_err(map_jd_error)?;
    if denom > 1 {
        // `scale` picks the first factor meeting the request on *either* axis; asking only on
        // the longer axis (the other at u16::MAX, never met) selects exactly 1/denom.
        let long = |side: u32| u16::try_from(side).unwrap_or(u16::MAX);
        let request = if sw >= sh {
            (long(w), u16::MAX)
        } else {
            (u16::MAX, long(h))
        };
        let got = d.scale(request.0, request.1).map_err(map_jd_error)?;
        if (u32::from(got.0), u32::from(got.1)) != (w, h) {
            return Err(CodecError::internal(
                F,
                format!("scaled decode gives {}x{}, expected {w}x{h}", got.0, got.1),
            ));
        }
    }
    let mut data = d.decode().map_err(map_jd_error)?;
    let info = d
        .info()
        .ok_or_else(|| CodecError::internal(F, "no frame info after decode"))?;
    let kind = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => SampleKind::Grey,
        jpeg_decoder::PixelFormat::RGB24 => SampleKind::Rgb,
        jpeg_decoder::PixelFormat::CMYK32 => {
            // jpeg-decoder inverts every CMYK file as if Adobe had written it (Adobe stores
            // 255 − ink). Files without the APP14 segment store plain ink: undo the inversion.
            if header.adobe_transform.is_none() {
                data.iter_mut().for_each(|v| *v = 255 - *v);
            }
            SampleKind::Cmyk
        }
        jpeg_decoder::PixelFormat::L16 => {
            return Err(CodecError::unsupported(F, "16-bit samples"));
        }
    };
    let icc = d.icc_profile();
    Ok((
        Samples {
            width: info.width.into(),
            height: info.height.into(),
            kind,
            data,
        },
        icc,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::super::header::read_header;
    use super::*;
    use crate::limits::Limits;

    fn fixture() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/fixtures/picos-240x160-baseline.jpg"
        );
        std::fs::read(path).unwrap()
    }

    /// The port's errors come back as `Corrupt` with its message, the pool gets the buffer
    /// back, and `decode` then answers with jpeg-decoder's verdict on the same file.
    #[test]
    fn port_errors_are_corrupt_and_fall_back() {
        let mut bytes = fixture();
        // The first DQT segment's table id (Pq|Tq byte after the length): 5 is out of range.
        let dqt = memchr::memmem::find(&bytes, &[0xFF, 0xDB]).unwrap();
        bytes[dqt + 4] = 0x05;
        let header = read_header(&bytes, &Limits::default()).unwrap();
        let mut pool = BufferPool::new();
        let err = decode_libjpeg(&bytes, &header, 2, &mut pool).unwrap_err();
        assert!(
            matches!(&err, CodecError::Corrupt { .. })
                && err
                    .to_string()
                    .contains("quantization table id 5 out of range"),
            "{err:?}"
        );
        // 120×80 RGB at 1/2: the buffer the port was writing into is pooled again.
        assert!(pool
            .take(120 * 80 * 3)
            .is_some_and(|b| b.capacity() >= 120 * 80 * 3));
        let opts = DecodeOptions {
            scale_denom: 2,
            to_srgb: false,
        };
        let via_decode = decode(&bytes, &header, &opts, &mut BufferPool::new()).unwrap_err();
        let direct = decode_jpeg_decoder(&bytes, &header, 2).unwrap_err();
        assert_eq!(via_decode.to_string(), direct.to_string());
        assert!(
            matches!(via_decode, CodecError::Corrupt { .. }),
            "{via_decode:?}"
        );
    }

    /// A warning is an error to the port (here libjpeg's "premature end of data segment": a
    /// scan cut in half, then EOI, which passes the pre-decode check): jpeg-decoder, which
    /// pads the rest of the scan with grey as libjpeg does, decodes the file instead.
    #[test]
    fn port_warnings_fall_back_to_jpeg_decoder() {
        let whole = fixture();
        let sos = memchr::memmem::find(&whole, &[0xFF, 0xDA]).unwrap();
        let eoi = memchr::memmem::rfind(&whole, &[0xFF, 0xD9]).unwrap();
        let mut bytes = whole[..(sos + eoi) / 2].to_vec();
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        let header = read_header(&bytes, &Limits::default()).unwrap();
        let err = decode_libjpeg(&bytes, &header, 2, &mut BufferPool::new()).unwrap_err();
        assert!(matches!(err, CodecError::Corrupt { .. }), "{err:?}");
        let opts = DecodeOptions {
            scale_denom: 2,
            to_srgb: false,
        };
        let (got, _) = decode(&bytes, &header, &opts, &mut BufferPool::new()).unwrap();
        let (want, _) = decode_jpeg_decoder(&bytes, &header, 2).unwrap();
        assert_eq!(
            (got.width, got.height, got.kind),
            (120, 80, SampleKind::Rgb)
        );
        assert!(got.data == want.data, "not jpeg-decoder's pixels");
    }

    /// The scaled sizes are `scaled_size`'s (ceil), also where the sides are not multiples
    /// of the scale: 240×160 gives 120×80 and 60×40, 45×29 grey gives 23×15 and 12×8.
    #[test]
    fn port_sizes_are_scaled_size() {
        let grey = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/grey-45x29.jpg"
        ))
        .unwrap();
        for (bytes, want) in [
            (
                fixture(),
                [(120, 80, SampleKind::Rgb), (60, 40, SampleKind::Rgb)],
            ),
            (
                grey,
                [(23, 15, SampleKind::Grey), (12, 8, SampleKind::Grey)],
            ),
        ] {
            let header = read_header(&bytes, &Limits::default()).unwrap();
            for (denom, want) in [2u8, 4].into_iter().zip(want) {
                let (s, _) =
                    decode_libjpeg(&bytes, &header, denom, &mut BufferPool::new()).unwrap();
                assert_eq!((s.width, s.height, s.kind), want);
                let channels = if want.2 == SampleKind::Grey { 1 } else { 3 };
                assert_eq!(s.data.len(), (want.0 * want.1) as usize * channels);
            }
        }
    }
}

#[cfg(all(test, feature = "turbojpeg"))]
mod turbo_tests {
    use super::super::super::header::read_header;
    use super::super::super::turbo;
    use super::*;
    use crate::limits::Limits;

    /// Mean and max absolute difference.
    fn diff(a: &[u8], b: &[u8]) -> (f64, u8) {
        assert_eq!(a.len(), b.len());
        let sum: u64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        let max = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max();
        (sum as f64 / a.len().max(1) as f64, max.unwrap_or(0))
    }

    /// `d`×`d` block means of a `w`-wide RGB image (partial blocks at the edges averaged over
    /// what they hold): what a DCT-scaled decode approximates.
    fn box_down(rgb: &[u8], w: usize, h: usize, d: usize) -> Vec<u8> {
        let (ow, oh) = (w.div_ceil(d), h.div_ceil(d));
        let mut out = Vec::with_capacity(ow * oh * 3);
        for by in 0..oh {
            for bx in 0..ow {
                let (mut sum, mut n) = ([0u32; 3], 0u32);
                for y in by * d..((by + 1) * d).min(h) {
                    for x in bx * d..((bx + 1) * d).min(w) {
                        for (c, s) in sum.iter_mut().enumerate() {
                            *s += u32::from(rgb[(y * w + x) * 3 + c]);
                        }
                        n += 1;
                    }
                }
                out.extend(sum.iter().map(|s| ((s + n / 2) / n) as u8));
            }
        }
        out
    }

    /// libjpeg-turbo and the pure-Rust decoders give the same size and nearly the same pixels
    /// at every scale, on a baseline 4:2:2 and a progressive 4:2:0 photo. Where the scaled
    /// decodes differ (chroma: libjpeg-turbo scales subsampled components in the IDCT instead
    /// of upsampling them), libjpeg-turbo's is no further from the block means of the
    /// full-size decode than jpeg-decoder's.
    #[test]
    fn turbo_matches_pure_rust_on_corpus_photos() {
        // The bench corpus: `PIXFORM_CORPUS` when set, else `benches/corpus`.
        let dir = std::env::var_os("PIXFORM_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus")
            });
        let paths = [
            "j5-bridge-4352x2448-q90-422-baseline.jpg",
            "j6-picos-3264x2448-q90-420-progressive.jpg",
        ]
        .map(|name| dir.join(name));
        for path in paths {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| {
                panic!(
                    "corpus file {} missing ({e}); the corpus is benches/corpus, or PIXFORM_CORPUS",
                    path.display()
                )
            });
            let header = read_header(&bytes, &Limits::default()).unwrap();
            let (full, _) = decode_jpeg_decoder(&bytes, &header, 1).unwrap();
            let (fw, fh) = (full.width as usize, full.height as usize);
            for denom in [1u8, 2, 4, 8] {
                let what = format!("{} 1/{denom}", path.display());
                let (t, t_icc) =
                    turbo::decode(&bytes, &header, denom, &mut BufferPool::new()).expect(&what);
                let (r, r_icc) = decode_jpeg_decoder(&bytes, &header, denom).expect(&what);
                assert_eq!(
                    (t.width, t.height, t.kind),
                    (r.width, r.height, r.kind),
                    "{what}"
                );
                assert_eq!(t_icc, r_icc, "{what}");
                let reference = box_down(&full.data, fw, fh, usize::from(denom));
                let (mean, max) = diff(&t.data, &r.data);
                let (t_err, _) = diff(&t.data, &reference);
                let (r_err, _) = diff(&r.data, &reference);
                eprintln!(
                    "{what}: turbo vs rust mean {mean:.3} max {max}; vs block means: turbo {t_err:.3}, rust {r_err:.3}"
                );
                assert!(mean < 2.0, "{what}: mean diff {mean:.3}, max {max}");
                assert!(t_err <= r_err + 0.1, "{what}: {t_err:.3} vs {r_err:.3}");
            }
        }
    }

    /// The default build's decoder (`libjpeg-turbo-rs`) gives libjpeg-turbo's pixels exactly,
    /// at every DCT scale, on every corpus photo (baseline and progressive, 4:2:0 and 4:2:2,
    /// EXIF-rotated, non-interleaved scans) and every JPEG under `testdata/` but the damaged
    /// ones.
    #[test]
    fn port_equals_libjpeg_turbo_at_every_scale() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = std::env::var_os("PIXFORM_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("benches/corpus"));
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        for dir in [
            corpus,
            root.join("testdata"),
            root.join("testdata/fixtures"),
            root.join("testdata/jpeg-dc"),
        ] {
            let mut found: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|entry| entry.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
                .collect();
            found.sort();
            paths.extend(found);
        }
        // 8 corpus photos, 4 files in testdata/, 10 fixtures, 1 in jpeg-dc/.
        assert_eq!(paths.len(), 23, "{paths:?}");
        for path in &paths {
            let bytes = std::fs::read(path).unwrap();
            let header = read_header(&bytes, &Limits::default()).unwrap();
            for denom in [1u8, 2, 4, 8] {
                let what = format!("{} 1/{denom}", path.display());
                let (t, t_icc) =
                    turbo::decode(&bytes, &header, denom, &mut BufferPool::new()).expect(&what);
                let (p, p_icc) =
                    decode_libjpeg(&bytes, &header, denom, &mut BufferPool::new()).expect(&what);
                assert_eq!(
                    (p.width, p.height, p.kind),
                    (t.width, t.height, t.kind),
                    "{what}"
                );
                assert_eq!(p_icc, t_icc, "{what}");
                let (mean, max) = diff(&p.data, &t.data);
                assert_eq!(max, 0, "{what}: mean {mean:.4}");
            }
        }
    }

    /// A smooth 99×61 RGB test image (odd sizes: partial blocks at every scale).
    fn gradient() -> crate::pixels::Image {
        let data: Vec<u8> = (0..61u32)
            .flat_map(|y| (0..99u32).flat_map(move |x| [(x * 2) as u8, (y * 4) as u8, 128]))
            .collect();
        crate::pixels::Image::from_vec(99, 61, crate::pixels::PixelLayout::Rgb8, data).unwrap()
    }

    /// libjpeg-turbo's output (optimized Huffman tables, 4:2:0, baseline and progressive)
    /// decodes with the pure-Rust decoders, full size and scaled (a misread Huffman table
    /// would give noise, tens of levels off).
    #[test]
    fn turbo_output_decodes_with_pure_rust() {
        let img = gradient();
        for progressive in [false, true] {
            let bytes = turbo::encode(&img, 90, progressive, None, &mut BufferPool::new()).unwrap();
            let header = read_header(&bytes, &Limits::default()).unwrap();
            assert_eq!(header.info.progressive, progressive);
            let (full, _) = decode_jpeg_decoder(&bytes, &header, 1).unwrap();
            let (mean, max) = diff(&full.data, img.data());
            assert!(
                mean < 2.0 && max < 24,
                "progressive={progressive}: {mean:.2} {max}"
            );
            for denom in [2u8, 4, 8] {
                let want = box_down(img.data(), 99, 61, usize::from(denom));
                let (r, _) = decode_jpeg_decoder(&bytes, &header, denom).unwrap();
                let (t, _) = turbo::decode(&bytes, &header, denom, &mut BufferPool::new()).unwrap();
                let size = (
                    99u32.div_ceil(u32::from(denom)),
                    61u32.div_ceil(u32::from(denom)),
                );
                assert_eq!(
                    (r.width, r.height),
                    size,
                    "progressive={progressive} 1/{denom}"
                );
                assert_eq!(
                    (t.width, t.height),
                    size,
                    "progressive={progressive} 1/{denom}"
                );
                // Against the block means, measured mean/max: jpeg-decoder 0.73/4, 1.10/5,
                // 2.67/14 at 1/2, 1/4, 1/8; libjpeg-turbo 0.86/4, 0.76/3, 0.59/4 (baseline and
                // progressive alike).
                let (mean, max) = diff(&r.data, &want);
                assert!(
                    mean < 4.0 && max < 24,
                    "progressive={progressive} 1/{denom}: {mean:.2}"
                );
                let (t_mean, t_max) = diff(&t.data, &want);
                assert!(
                    t_mean < 1.2 && t_max <= 6,
                    "progressive={progressive} 1/{denom}: libjpeg-turbo {t_mean:.2} {t_max}"
                );
            }
        }
    }

    /// What libjpeg-turbo only warns about (here an unknown JFIF major version) fails its
    /// decode; `decode` then uses the pure-Rust decoders, which ignore it.
    #[test]
    fn warnings_fall_back_to_pure_rust() {
        let mut bytes =
            turbo::encode(&gradient(), 90, false, None, &mut BufferPool::new()).unwrap();
        assert_eq!(&bytes[6..11], b"JFIF\0");
        bytes[11] = 2;
        let header = read_header(&bytes, &Limits::default()).unwrap();
        let warned = turbo::decode(&bytes, &header, 1, &mut BufferPool::new()).unwrap_err();
        assert!(warned.to_string().contains("JFIF revision"), "{warned}");
        let (samples, _) = decode(
            &bytes,
            &header,
            &DecodeOptions::default(),
            &mut BufferPool::new(),
        )
        .unwrap();
        assert_eq!((samples.width, samples.height), (99, 61));
    }
}
