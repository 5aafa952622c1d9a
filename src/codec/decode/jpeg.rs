//! JPEG decoding at full size or downscaled in the DCT domain: libjpeg-turbo's C decoder
//! (through the `mozjpeg` crate, compiled by `cc`) for grey and YCbCr/RGB files, `jpeg-decoder`
//! for CMYK/YCCK and for every file libjpeg refuses.
//!
//! `zune-jpeg` decodes full-size baseline files faster (numbers in Cargo.toml) but was measured
//! here decoding valid files with wrong colours (jpeg-encoder's optimized-Huffman 4:2:0 output:
//! mean error 83 per channel, where libjpeg-turbo reads the same file within 1.4 of the
//! source), and its tracker lists more such mis-decodes; a decoder that is fast but wrong is
//! not an option for an image server.

use crate::format::ImageFormat;
use crate::pixels::BufferPool;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
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
    // At 1/8 jpeg-decoder stays: its pixels are the DC-only decoder's (`jpeg_dc`), which the
    // plan takes for progressive files at 1/8 and which must equal this decoder's there.
    // libjpeg's 1/8 cannot be matched from DC coefficients alone: it decodes subsampled chroma
    // at 2×2 from four coefficients instead of upsampling one.
    if opts.scale_denom != 8 && libjpeg_decodes(header) {
        // A file libjpeg refuses goes to jpeg-decoder, which decides whether it is corrupt: a
        // file decodes exactly when it did with jpeg-decoder alone, with the same errors.
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

/// Decodes a grey or YCbCr/RGB file with libjpeg-turbo's decoder at 1/`denom` (1, 2, 4 or 8).
///
/// libjpeg reports fatal errors by unwinding (the `mozjpeg` crate's error manager), caught
/// here; it only warns about damaged entropy-coded data (bad Huffman codes, a marker inside a
/// scan, missing data) and pads with grey, as jpeg-decoder does with the same damage; the
/// one such case that is common, a truncated file, is refused before decoding (no EOI).
fn decode_libjpeg(
    bytes: &[u8],
    header: &Header,
    denom: u8,
    pool: &mut BufferPool,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let (w, h) = scaled_size(header.info.stored_width, header.info.stored_height, denom);
    // libjpeg scales by n/8: the output is ceil(size × n / 8), the same rounding as
    // `scaled_size`, checked below.
    let eighths = match denom {
        0 | 1 => 8,
        2 => 4,
        4 => 2,
        8 => 1,
        other => {
            return Err(CodecError::internal(
                F,
                format!("scale 1/{other} is not a DCT scale"),
            ))
        }
    };
    let grey = header.info.color_model == ColorModel::Grey;
    let (kind, channels) = if grey {
        (SampleKind::Grey, 1)
    } else {
        (SampleKind::Rgb, 3)
    };
    let (width, height) = (to_usize(w)?, to_usize(h)?);
    // The probe checked the source area against the limits; the scaled one is no larger.
    let len = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .ok_or_else(|| CodecError::internal(F, "buffer size overflows"))?;
    // libjpeg writes every row or fails, so a reused buffer's old contents never show.
    let mut data = pool
        .take(len)
        .ok_or_else(|| CodecError::internal(F, format!("cannot allocate {len} bytes")))?;
    let run = |data: &mut [u8]| -> Result<(), String> {
        let mut d = mozjpeg::Decompress::new_mem(bytes).map_err(|e| e.to_string())?;
        d.scale(eighths);
        let mut started = if grey { d.grayscale() } else { d.rgb() }.map_err(|e| e.to_string())?;
        if (started.width(), started.height()) != (width, height) {
            return Err(format!(
                "libjpeg decodes {}x{}, expected {w}x{h}",
                started.width(),
                started.height()
            ));
        }
        started
            .read_scanlines_into(data)
            .map_err(|e| e.to_string())?;
        started.finish().map_err(|e| e.to_string())
    };
    // The closure's only shared state is `data`, which is given back or dropped on failure.
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
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "libjpeg failed".to_owned()),
    };
    pool.give(data);
    Err(CodecError::corrupt(F, message))
}

fn to_usize(v: u32) -> Result<usize, CodecError> {
    usize::try_from(v).map_err(|e| CodecError::internal(F, e))
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
