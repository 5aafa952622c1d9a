//! HEIC decode (feature `heic`) through heic-rs, pure Rust: the primary image, its grid and
//! alpha item, converted with the `nclx` `colr` box the file carries (phones and cameras write
//! one). Without `colr` heic-rs takes BT.709 limited range and does not read the colour
//! description in the HEVC bitstream (VUI), which libheif reads: such files may decode with
//! shifted colours (README: Formats; docs/avif-heic-decoders.md).

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::heif;
use super::super::info::check_limit;
use crate::limits::LimitKind;

const F: ImageFormat = ImageFormat::Heic;

/// Decodes the primary image of a HEIC file in stored orientation (`clap` applied by pixform,
/// `irot`/`imir` left to the caller, which the header reports), with its ICC profile.
pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    // pixform's own walk first: the same container checks and errors as the header probe,
    // and the crop, alpha and ICC facts.
    let c = heif::parse(bytes, F)?;
    let has_alpha = c.alpha.is_some();
    let opts = heic_rs::DecodeOptions {
        layout: if has_alpha {
            heic_rs::PixelLayout::Rgba8
        } else {
            heic_rs::PixelLayout::Rgb8
        },
        max_pixels: Some(limits.max_source_pixels),
        apply_transforms: false,
        decode_alpha: has_alpha,
        strict: false,
        threads: Some(1),
    };
    let image = heic_rs::decode(bytes, &opts).map_err(|e| match e {
        heic_rs::Error::PixelLimit { pixels, max_pixels } => {
            match check_limit(F, LimitKind::MaxSourcePixels, pixels, max_pixels) {
                Err(e) => e,
                Ok(()) => CodecError::internal(F, "pixel limit"),
            }
        }
        heic_rs::Error::Unsupported(what) => CodecError::unsupported(F, format!("HEVC: {what}")),
        other => CodecError::corrupt(F, format!("HEVC: {other}")),
    })?;
    if (image.width, image.height) != c.coded_size {
        return Err(CodecError::corrupt(
            F,
            format!(
                "HEVC image is {}x{}, its 'ispe' says {}x{}",
                image.width, image.height, c.coded_size.0, c.coded_size.1
            ),
        ));
    }
    let channels = if has_alpha { 4 } else { 3 };
    let kind = if has_alpha {
        SampleKind::Rgba
    } else {
        SampleKind::Rgb
    };
    let data = match c.crop {
        None => image.data,
        Some((left, top, w, h)) => {
            let row = image.width as usize * channels;
            let mut out = Vec::with_capacity(w as usize * h as usize * channels);
            for y in top..top + h {
                let start = y as usize * row + left as usize * channels;
                let part = image
                    .data
                    .get(start..start + w as usize * channels)
                    .ok_or_else(|| CodecError::internal(F, "crop outside the decoded image"))?;
                out.extend_from_slice(part);
            }
            out
        }
    };
    let (width, height) = c.crop.map_or(c.coded_size, |(_, _, w, h)| (w, h));
    Ok((
        Samples {
            width,
            height,
            kind,
            data,
        },
        c.icc.map(<[u8]>::to_vec),
    ))
}
