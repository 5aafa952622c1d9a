//! TIFF decoding with the `tiff` crate (pure Rust): the first page; 8 or 16 bits per sample;
//! grey, grey+alpha, RGB, RGBA, CMYK and 8-bit palette; uncompressed, LZW, Deflate or
//! PackBits, with or without the horizontal predictor; strips or tiles; either byte order.
//!
//! The header reader ([`layout`]) has already checked every value the crate reads when it
//! opens the file; the crate's pixel buffer is then capped at exactly the image's size and
//! its read buffer at the input's, so it cannot allocate more than the file and the checked
//! header imply. The crate decompresses, undoes the predictor and inverts white-is-zero grey;
//! choosing the samples, un-premultiplying alpha and the 16 → 8-bit rescale happen here, and
//! so does the colour map of a palette image, whose indices the crate reads as grey.
//! CMYK goes to RGB in `color.rs`: through the embedded ICC profile when there is one, else
//! with the naive `R = 255·(1 − C)·(1 − K)` (TIFF stores ink amounts, 0 = no ink).

use std::io::Cursor;

use crate::format::ImageFormat;
use crate::limits::{LimitKind, Limits};

use super::super::color::{round16, SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::tiff::{layout, Alpha, Layout, Photometric};

const F: ImageFormat = ImageFormat::Tiff;

fn map_err(e: ::tiff::TiffError, limits: &Limits) -> CodecError {
    match e {
        // The header checks leave only the crate's own bookkeeping to hit its limits; report
        // it as the metadata limit, whose value the crate's tables are sized from.
        ::tiff::TiffError::LimitsExceeded => {
            let max = u64::try_from(limits.max_metadata_bytes).unwrap_or(u64::MAX);
            CodecError::LimitExceeded {
                format: F,
                limit: LimitKind::MaxMetadataBytes,
                value: max.saturating_add(1),
                max,
            }
        }
        ::tiff::TiffError::UnsupportedError(u) => CodecError::unsupported(F, u),
        other => CodecError::corrupt(F, other),
    }
}

/// The samples per pixel the crate returns for a layout: every sample of a grey pixel, the
/// colour samples and alpha of RGB, the four inks of CMYK (other extra samples dropped).
fn crate_channels(layout: &Layout) -> usize {
    match layout.photometric {
        Photometric::MinIsBlack | Photometric::MinIsWhite | Photometric::Palette => {
            usize::from(layout.samples)
        }
        Photometric::Rgb if layout.alpha == Alpha::None => 3,
        Photometric::Rgb | Photometric::Cmyk => 4,
    }
}

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let (info, layout) = layout(bytes, limits)?;
    let (width, height) = (info.stored_width, info.stored_height);
    let in_channels = crate_channels(&layout);
    let (kind, out_channels) = match (layout.photometric, layout.alpha) {
        (Photometric::MinIsBlack | Photometric::MinIsWhite, Alpha::None) => (SampleKind::Grey, 1),
        (Photometric::MinIsBlack | Photometric::MinIsWhite, _) => (SampleKind::GreyAlpha, 2),
        (Photometric::Rgb, Alpha::None) => (SampleKind::Rgb, 3),
        (Photometric::Rgb, _) => (SampleKind::Rgba, 4),
        (Photometric::Cmyk, _) => (SampleKind::Cmyk, 4),
        (Photometric::Palette, _) => (SampleKind::Grey, 1),
    };
    let samples = usize::try_from(u64::from(width) * u64::from(height))
        .ok()
        .and_then(|px| px.checked_mul(in_channels))
        .ok_or_else(|| CodecError::internal(F, "image size overflows"))?;
    let sample_bytes = usize::from(layout.bits / 8);

    let mut crate_limits = ::tiff::decoder::Limits::default();
    crate_limits.decoding_buffer_size = samples.saturating_mul(sample_bytes);
    crate_limits.ifd_value_size = limits.max_metadata_bytes;
    crate_limits.intermediate_buffer_size = bytes.len();
    // The crate decodes no palette images: it reads their indices as grey samples from a copy
    // whose PhotometricInterpretation says BlackIsZero.
    let relabelled;
    let input = match &layout.palette {
        Some(map) => {
            let mut copy = bytes.to_vec();
            copy.get_mut(map.photometric_at.clone())
                .ok_or_else(|| CodecError::internal(F, "photometric value outside the input"))?
                .copy_from_slice(&map.black_is_zero);
            relabelled = copy;
            &relabelled[..]
        }
        None => bytes,
    };
    let mut decoder = ::tiff::decoder::Decoder::new(Cursor::new(input))
        .map_err(|e| map_err(e, limits))?
        .with_limits(crate_limits);
    let decoded = decoder.read_image().map_err(|e| map_err(e, limits))?;
    let premultiplied = layout.alpha == Alpha::Associated;
    let data = match decoded {
        ::tiff::decoder::DecodingResult::U8(v) if layout.bits == 8 => {
            check_len(v.len(), samples)?;
            to_8bit(&v, 255, in_channels, out_channels, premultiplied, |x| {
                u8::try_from(x).unwrap_or(u8::MAX)
            })
        }
        ::tiff::decoder::DecodingResult::U16(v) if layout.bits == 16 => {
            check_len(v.len(), samples)?;
            to_8bit(&v, 65_535, in_channels, out_channels, premultiplied, |x| {
                round16(u16::try_from(x).unwrap_or(u16::MAX))
            })
        }
        _ => {
            return Err(CodecError::internal(
                F,
                format!("decoder returned other than {}-bit samples", layout.bits),
            ))
        }
    };
    let (kind, data) = match &layout.palette {
        Some(map) => (
            SampleKind::Rgb,
            data.iter()
                .flat_map(|&i| map.colours[usize::from(i)])
                .collect(),
        ),
        None => (kind, data),
    };
    let icc = layout
        .icc
        .and_then(|range| bytes.get(range))
        .map(<[u8]>::to_vec);
    Ok((
        Samples {
            width,
            height,
            kind,
            data,
        },
        icc,
    ))
}

fn check_len(got: usize, want: usize) -> Result<(), CodecError> {
    if got != want {
        return Err(CodecError::internal(
            F,
            format!("decoder returned {got} samples, expected {want}"),
        ));
    }
    Ok(())
}

/// The first `out` of every `step` samples, with the colour samples un-premultiplied when
/// `premultiplied` (alpha is then the last of the `out`), each rescaled from `0..=max` to a
/// byte by `to_byte`.
fn to_8bit<T: Copy + Into<u32>>(
    src: &[T],
    max: u32,
    step: usize,
    out: usize,
    premultiplied: bool,
    to_byte: impl Fn(u32) -> u8,
) -> Vec<u8> {
    let mut data = Vec::with_capacity(src.len() / step.max(1) * out);
    for pixel in src.chunks_exact(step.max(1)) {
        let kept = pixel.get(..out).unwrap_or(pixel);
        let alpha = kept.last().map_or(max, |&a| a.into());
        for (i, &s) in kept.iter().enumerate() {
            let v: u32 = s.into();
            let v = if premultiplied && i + 1 < kept.len() {
                unpremultiply(v, alpha, max)
            } else {
                v
            };
            data.push(to_byte(v));
        }
    }
    data
}

/// A colour sample premultiplied by `alpha` (both in `0..=max`) made straight, rounded to
/// nearest; 0 where alpha is 0.
fn unpremultiply(v: u32, alpha: u32, max: u32) -> u32 {
    if alpha == 0 {
        return 0;
    }
    let straight = (u64::from(v) * u64::from(max) + u64::from(alpha) / 2) / u64::from(alpha);
    u32::try_from(straight.min(u64::from(max))).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpremultiply_rounds_and_clamps() {
        // (premultiplied value, alpha, max) → straight value.
        let cases = [
            (0, 0, 255, 0),
            (200, 0, 255, 0),
            (128, 255, 255, 128),
            (64, 128, 255, 128),
            (1, 3, 255, 85),
            (2, 3, 255, 170),
            (200, 100, 255, 255),
            (32_768, 65_535, 65_535, 32_768),
            (16_384, 32_768, 65_535, 32_768),
        ];
        for (v, a, max, want) in cases {
            assert_eq!(unpremultiply(v, a, max), want, "{v}/{a} of {max}");
        }
    }

    #[test]
    fn samples_are_chosen_and_rescaled() {
        // Grey + an unspecified extra sample: the extra one is dropped.
        let grey: [u8; 4] = [10, 99, 20, 99];
        assert_eq!(to_8bit(&grey, 255, 2, 1, false, |x| x as u8), vec![10, 20]);
        // Premultiplied RGBA at half alpha doubles the colour samples.
        let rgba: [u8; 4] = [50, 64, 0, 128];
        assert_eq!(
            to_8bit(&rgba, 255, 4, 4, true, |x| x as u8),
            vec![100, 128, 0, 128]
        );
        // 16-bit samples rounded to nearest: 128 → 0, 129 → 1, 65 535 → 255.
        let wide: [u16; 3] = [128, 129, 65_535];
        assert_eq!(
            to_8bit(&wide, 65_535, 3, 3, false, |x| round16(x as u16)),
            vec![0, 1, 255]
        );
    }
}
