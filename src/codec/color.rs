//! The last decode step: decoder samples (grey, grey+alpha, RGB, RGBA, CMYK) to the 8-bit sRGB
//! `Rgb8`/`Rgba8` [`Image`], converting embedded ICC profiles with moxcms.

use std::sync::Arc;

use moxcms::{ColorProfile, DataColorSpace, Layout, Transform8BitExecutor, TransformOptions};

use crate::format::ImageFormat;
use crate::pixels::{Image, PixelLayout};

use super::error::{usize_of, CodecError};

/// What a decoder produced, before colour conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleKind {
    /// One grey byte per pixel.
    Grey,
    /// Grey then alpha.
    GreyAlpha,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha.
    Rgba,
    /// Cyan, magenta, yellow, black as ink amounts (0 = no ink), not Adobe-inverted.
    Cmyk,
}

impl SampleKind {
    fn channels(self) -> usize {
        match self {
            SampleKind::Grey => 1,
            SampleKind::GreyAlpha => 2,
            SampleKind::Rgb => 3,
            SampleKind::Rgba | SampleKind::Cmyk => 4,
        }
    }

    fn moxcms_layout(self) -> Layout {
        match self {
            SampleKind::Grey => Layout::Gray,
            SampleKind::GreyAlpha => Layout::GrayAlpha,
            SampleKind::Rgb => Layout::Rgb,
            SampleKind::Rgba | SampleKind::Cmyk => Layout::Rgba,
        }
    }

    fn output(self) -> PixelLayout {
        match self {
            SampleKind::GreyAlpha | SampleKind::Rgba => PixelLayout::Rgba8,
            SampleKind::Grey | SampleKind::Rgb | SampleKind::Cmyk => PixelLayout::Rgb8,
        }
    }
}

/// Decoded samples with their size and kind.
#[derive(Debug)]
pub(crate) struct Samples {
    pub width: u32,
    pub height: u32,
    pub kind: SampleKind,
    pub data: Vec<u8>,
}

/// The result of [`to_image`]: the image and the ICC profile it is still in, if any.
pub(crate) struct Converted {
    pub image: Image,
    pub icc_profile: Option<Vec<u8>>,
}

/// Rows converted per moxcms call: bounds the scratch buffer while keeping calls few.
const ROWS_PER_BATCH: usize = 32;

/// Converts decoder samples to an sRGB (or, with `to_srgb` false, still RGB-profiled) image.
///
/// Grey and CMYK profiles are always applied, because the RGB output cannot carry them; an RGB
/// profile is applied only with `to_srgb` and is otherwise returned for re-embedding. A profile
/// that does not parse or does not match the samples is ignored (the samples are taken as sRGB).
pub(crate) fn to_image(
    samples: Samples,
    icc: Option<Vec<u8>>,
    to_srgb: bool,
    format: ImageFormat,
) -> Result<Converted, CodecError> {
    let expected = usize::try_from(samples.width)
        .ok()
        .and_then(|w| w.checked_mul(usize::try_from(samples.height).ok()?))
        .and_then(|n| n.checked_mul(samples.kind.channels()));
    if expected != Some(samples.data.len()) {
        return Err(CodecError::internal(
            format,
            format!(
                "decoder returned {} bytes for {}x{}",
                samples.data.len(),
                samples.width,
                samples.height
            ),
        ));
    }
    let profile = icc
        .as_deref()
        .and_then(|b| ColorProfile::new_from_slice(b).ok())
        .filter(|p| profile_matches(p, samples.kind));
    let keep_rgb_profile = !to_srgb && matches!(samples.kind, SampleKind::Rgb | SampleKind::Rgba);
    let (data, icc_profile) = match profile {
        Some(_) if keep_rgb_profile => (samples.data, icc),
        Some(p) => (convert_with_profile(&samples, &p, format)?, None),
        None => (convert_naive(samples.kind, samples.data), None),
    };
    let image = Image::from_vec(samples.width, samples.height, samples.kind.output(), data)
        .map_err(|e| CodecError::internal(format, e))?;
    Ok(Converted { image, icc_profile })
}

fn profile_matches(p: &ColorProfile, kind: SampleKind) -> bool {
    match kind {
        SampleKind::Grey | SampleKind::GreyAlpha => p.color_space == DataColorSpace::Gray,
        SampleKind::Rgb | SampleKind::Rgba => p.color_space == DataColorSpace::Rgb,
        SampleKind::Cmyk => p.color_space == DataColorSpace::Cmyk,
    }
}

/// The sRGB transform from `profile` for `src` samples into `dst` layout.
fn srgb_transform(
    profile: &ColorProfile,
    src: Layout,
    dst: Layout,
    format: ImageFormat,
) -> Result<Arc<Transform8BitExecutor>, CodecError> {
    profile
        .create_transform_8bit(
            src,
            &ColorProfile::new_srgb(),
            dst,
            TransformOptions::default(),
        )
        .map_err(|e| CodecError::unsupported(format, format!("ICC profile ({e})")))
}

/// Whether an RGB transform leaves a spread of colours unchanged (±1): then the profile is
/// sRGB in all but name and the full-image pass is skipped.
fn is_identity(t: &Transform8BitExecutor) -> bool {
    let levels = [0u8, 37, 64, 101, 128, 160, 192, 230, 255];
    let mut src = Vec::with_capacity(levels.len().pow(3) * 3);
    for r in levels {
        for g in levels {
            for b in levels {
                src.extend_from_slice(&[r, g, b]);
            }
        }
    }
    let mut dst = vec![0u8; src.len()];
    t.transform(&src, &mut dst).is_ok() && src.iter().zip(&dst).all(|(a, b)| a.abs_diff(*b) <= 1)
}

fn convert_with_profile(
    samples: &Samples,
    profile: &ColorProfile,
    format: ImageFormat,
) -> Result<Vec<u8>, CodecError> {
    let kind = samples.kind;
    let out_layout = match kind.output() {
        PixelLayout::Rgb8 => Layout::Rgb,
        PixelLayout::Rgba8 => Layout::Rgba,
    };
    if matches!(kind, SampleKind::Rgb | SampleKind::Rgba) {
        let probe = srgb_transform(profile, Layout::Rgb, Layout::Rgb, format)?;
        if is_identity(probe.as_ref()) {
            return Ok(samples.data.clone());
        }
    }
    let t = srgb_transform(profile, kind.moxcms_layout(), out_layout, format)?;
    let width = usize_of(format, samples.width)?;
    let in_row = width * kind.channels();
    let out_row = width * kind.output().channels();
    let mut out = vec![0u8; out_row * usize::try_from(samples.height).unwrap_or(0)];
    for (src, dst) in samples
        .data
        .chunks(in_row * ROWS_PER_BATCH)
        .zip(out.chunks_mut(out_row * ROWS_PER_BATCH))
    {
        t.transform(src, dst)
            .map_err(|e| CodecError::internal(format, format!("ICC transform: {e}")))?;
    }
    Ok(out)
}

/// `v / 257` rounded to nearest: the exact 16 → 8-bit rescale of every 16-bit decoder.
pub(crate) fn round16(v: u16) -> u8 {
    u8::try_from((u32::from(v) * 255 + 32_767) / 65_535).unwrap_or(u8::MAX)
}

/// Conversion without a profile: grey is replicated, CMYK uses the naive
/// `R = 255 · (1 − C) · (1 − K)` formula.
fn convert_naive(kind: SampleKind, data: Vec<u8>) -> Vec<u8> {
    match kind {
        SampleKind::Rgb | SampleKind::Rgba => data,
        SampleKind::Grey => data.iter().flat_map(|&v| [v, v, v]).collect(),
        SampleKind::GreyAlpha => data
            .chunks_exact(2)
            .flat_map(|p| match *p {
                [v, a] => [v, v, v, a],
                _ => [0; 4],
            })
            .collect(),
        SampleKind::Cmyk => data
            .chunks_exact(4)
            .flat_map(|p| match *p {
                [c, m, y, k] => {
                    let w = u32::from(255 - k);
                    let ch = |x: u8| {
                        u8::try_from((u32::from(255 - x) * w + 127) / 255).unwrap_or(u8::MAX)
                    };
                    [ch(c), ch(m), ch(y)]
                }
                _ => [0; 3],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_rounds_to_nearest() {
        let cases = [
            (0u16, 0u8),
            (128, 0),
            (129, 1),
            (257, 1),
            (32_896, 128),
            (65_535, 255),
        ];
        for (v, want) in cases {
            assert_eq!(round16(v), want, "{v}");
        }
    }

    #[test]
    fn naive_cmyk_to_rgb() {
        // (C, M, Y, K) ink amounts → RGB.
        let cases: [([u8; 4], [u8; 3]); 5] = [
            ([0, 0, 0, 0], [255, 255, 255]),
            ([0, 0, 0, 255], [0, 0, 0]),
            ([255, 0, 0, 0], [0, 255, 255]),
            ([0, 255, 255, 0], [255, 0, 0]),
            ([0, 0, 0, 128], [127, 127, 127]),
        ];
        for (cmyk, rgb) in cases {
            assert_eq!(
                convert_naive(SampleKind::Cmyk, cmyk.to_vec()),
                rgb.to_vec(),
                "{cmyk:?}"
            );
        }
    }

    #[test]
    fn srgb_profile_is_detected_as_identity() {
        let srgb = ColorProfile::new_srgb();
        let t = srgb_transform(&srgb, Layout::Rgb, Layout::Rgb, ImageFormat::Png).unwrap();
        assert!(is_identity(t.as_ref()));
        let p3 = ColorProfile::new_display_p3();
        let t = srgb_transform(&p3, Layout::Rgb, Layout::Rgb, ImageFormat::Png).unwrap();
        assert!(!is_identity(t.as_ref()));
    }
}
