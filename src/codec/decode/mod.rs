//! Decoding: bytes to a stored-orientation [`Image`], after the header has been checked
//! against the [`Limits`].
//!
//! [`decode_hinted`] is the entry for a planned decode: it picks the decoder path for the
//! plan's shrink-on-load hint ([`decode_path`]). [`decode`] and [`decode_pooled`] always take
//! the regular decoders at the given scale.

#[cfg(feature = "avif-decode")]
mod avif;
mod gif;
#[cfg(feature = "heic")]
mod heic;
mod jpeg;
mod png;
mod svg;
mod tiff;
mod webp;

use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::ops::{Orientation, SourceWindow};
use crate::pixels::{BufferPool, Image};

use super::color::to_image;
use super::error::CodecError;
use super::header::heif::needs_decoder;
use super::header::{read_header, Header};
use super::info::{scaled_size, SourceInfo};
use super::jpeg_dc;

/// How to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// JPEG shrink-on-load: 1, 2, 4 or 8. With `d` > 1 a JPEG is decoded in the DCT domain
    /// directly at [`scaled_size`] = `ceil(W/d) × ceil(H/d)` of its *stored* size (swap the
    /// sides for EXIF orientations 5..=8). Other formats ignore it and decode at full size;
    /// any other value is treated as 1. Progressive JPEGs gain little from it (every scan is
    /// still entropy-decoded; j8 measured 136 ms at 1/4 against 147 ms at full size), so a
    /// planner may prefer 1 for them. Default: 1.
    pub scale_denom: u8,
    /// Convert pixels from an embedded RGB ICC profile to sRGB. With `false` the profile is
    /// returned in [`Decoded::icc_profile`] and the pixels stay in it. Grey and CMYK profiles
    /// are always applied (the RGB output cannot carry them). Default: true.
    pub to_srgb: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            scale_denom: 1,
            to_srgb: true,
        }
    }
}

/// A decoded image.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The pixels in *stored* orientation (EXIF not applied; [`Orientation::apply_owned`]
    /// turns them upright): `Rgb8` for opaque sources (grey expanded), `Rgba8` for sources
    /// with alpha.
    pub image: Image,
    /// The EXIF orientation.
    pub orientation: Orientation,
    /// The RGB ICC profile the pixels are in, byte for byte as embedded. Only with
    /// [`DecodeOptions::to_srgb`] false and an embedded RGB profile that moxcms parses;
    /// otherwise `None` and the pixels are sRGB.
    pub icc_profile: Option<Vec<u8>>,
}

/// Decodes `bytes` (JPEG, PNG, WebP, GIF, TIFF, SVG). The header is read and checked against
/// `limits` before any pixel buffer is allocated. An SVG is rendered at its intrinsic size
/// (which must then fit [`Limits::max_output_pixels`]); [`render_vector`] renders it at any
/// other size.
pub fn decode(bytes: &[u8], limits: &Limits, opts: &DecodeOptions) -> Result<Decoded, CodecError> {
    decode_pooled(bytes, limits, opts, &mut BufferPool::new())
}

/// Like [`decode`], taking the pixel buffer from `pool` where the decoder writes into a
/// buffer of ours (libjpeg-turbo, libwebp), so a batch run reuses one allocation.
pub fn decode_pooled(
    bytes: &[u8],
    limits: &Limits,
    opts: &DecodeOptions,
    pool: &mut BufferPool,
) -> Result<Decoded, CodecError> {
    let header = read_header(bytes, limits)?;
    decode_with_header(bytes, &header, limits, opts, pool)
}

/// The decoder path for a source and a shrink-on-load hint, as [`decode_hinted`] takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodePath {
    /// Full size: every format but JPEG, and JPEGs the plan needs at full resolution.
    Full,
    /// A JPEG downscaled by 1/d (2, 4 or 8) in the DCT domain by the regular decoder.
    DctScaled(u8),
    /// A progressive JPEG at 1/8 from its DC scans alone (the pixels of the pure-Rust
    /// `DctScaled(8)`, 12–29× faster on the bench corpus; `docs/jpeg-dc-decoder.md`). Baseline files gain
    /// nothing from it: every AC code must still be Huffman-decoded to find the next block.
    DcOnly,
}

/// The path [`decode_hinted`] takes for a source with these header facts and the plan's
/// JPEG shrink-on-load denominator (`scale_denom`; anything but 2, 4 or 8 means full size).
pub fn decode_path(info: &SourceInfo, scale_denom: u8) -> DecodePath {
    match (info.format, scale_denom) {
        (ImageFormat::Jpeg, 8) if info.progressive => DecodePath::DcOnly,
        (ImageFormat::Jpeg, d @ (2 | 4 | 8)) => DecodePath::DctScaled(d),
        _ => DecodePath::Full,
    }
}

/// Decodes `bytes` as a plan asks: [`DecodeOptions::scale_denom`] is the plan's JPEG
/// shrink-on-load hint, and the decoder path is [`decode_path`]'s. The pixels are those of
/// [`decode_pooled`] with the same options; a file the DC-only path does not support
/// (four components, arithmetic coding, 12-bit) takes the regular decoder.
pub fn decode_hinted(
    bytes: &[u8],
    limits: &Limits,
    opts: &DecodeOptions,
    pool: &mut BufferPool,
) -> Result<Decoded, CodecError> {
    let header = read_header(bytes, limits)?;
    if decode_path(&header.info, opts.scale_denom) == DecodePath::DcOnly {
        match jpeg_dc::decode_dc_with_header(bytes, &header, opts.to_srgb) {
            Err(CodecError::Unsupported { .. }) => {}
            other => return other,
        }
    }
    decode_with_header(bytes, &header, limits, opts, pool)
}

/// Renders `window` (in the source's intrinsic pixels; SVG has no EXIF orientation, so stored
/// and oriented agree) of a vector source straight into a `width`×`height` `Rgba8` image,
/// as a plan's crop and resize ask: no full-size raster, no resampling. The area must fit
/// [`Limits::max_output_pixels`]; the structural SVG limits are checked again.
///
/// Errors: [`CodecError::Unsupported`] for a raster source (decode it and resize instead).
pub fn render_vector(
    bytes: &[u8],
    limits: &Limits,
    window: SourceWindow,
    width: u32,
    height: u32,
) -> Result<Image, CodecError> {
    match super::header::sniff(bytes)? {
        ImageFormat::Svg => svg::render(bytes, limits, window, width, height),
        other => Err(CodecError::unsupported(
            other,
            "rendering at a size (not a vector format)",
        )),
    }
}

fn decode_with_header(
    bytes: &[u8],
    header: &Header,
    limits: &Limits,
    opts: &DecodeOptions,
    pool: &mut BufferPool,
) -> Result<Decoded, CodecError> {
    let format = header.info.format;
    if format == ImageFormat::Svg {
        let (w, h) = (header.info.stored_width, header.info.stored_height);
        return Ok(Decoded {
            image: svg::render(bytes, limits, SourceWindow::full(w, h), w, h)?,
            orientation: Orientation::Identity,
            icc_profile: None,
        });
    }
    let (samples, icc) = match format {
        ImageFormat::Jpeg => {
            let denom = match opts.scale_denom {
                2 | 4 | 8 => opts.scale_denom,
                _ => 1,
            };
            let opts = DecodeOptions {
                scale_denom: denom,
                ..opts.clone()
            };
            jpeg::decode(bytes, header, &opts, pool)?
        }
        ImageFormat::Png => png::decode(bytes, limits)?,
        ImageFormat::Webp => webp::decode(bytes, limits, pool)?,
        ImageFormat::Gif => (gif::decode(bytes, header)?, None),
        ImageFormat::Tiff => tiff::decode(bytes, limits)?,
        #[cfg(feature = "avif-decode")]
        ImageFormat::Avif => avif::decode(bytes, limits)?,
        #[cfg(feature = "heic")]
        ImageFormat::Heic => heic::decode(bytes, limits)?,
        #[allow(unreachable_patterns)]
        ImageFormat::Avif | ImageFormat::Heic => return Err(needs_decoder(format)),
        other => return Err(CodecError::unsupported(other, "input format (decoding)")),
    };
    let expected = match format {
        ImageFormat::Jpeg => scaled_size(
            header.info.stored_width,
            header.info.stored_height,
            opts.scale_denom,
        ),
        _ => (header.info.stored_width, header.info.stored_height),
    };
    if (samples.width, samples.height) != expected {
        return Err(CodecError::corrupt(
            format,
            format!(
                "header says {}x{}, image data is {}x{}",
                expected.0, expected.1, samples.width, samples.height
            ),
        ));
    }
    let converted = to_image(samples, icc, opts.to_srgb, format)?;
    Ok(Decoded {
        image: converted.image,
        orientation: header.info.orientation,
        icc_profile: converted.icc_profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_path_cases() {
        use ImageFormat::*;
        // (format, progressive, scale_denom, path)
        #[rustfmt::skip]
        let cases = [
            (Jpeg, true,  8, DecodePath::DcOnly),
            (Jpeg, true,  4, DecodePath::DctScaled(4)),
            (Jpeg, true,  1, DecodePath::Full),
            (Jpeg, false, 8, DecodePath::DctScaled(8)),
            (Jpeg, false, 2, DecodePath::DctScaled(2)),
            (Jpeg, false, 3, DecodePath::Full),
            (Png,  false, 8, DecodePath::Full),
            (Webp, false, 4, DecodePath::Full),
            (Gif,  false, 8, DecodePath::Full),
        ];
        for (format, progressive, denom, want) in cases {
            let mut info = SourceInfo::new(format, 64, 48);
            info.progressive = progressive;
            assert_eq!(
                decode_path(&info, denom),
                want,
                "{format} {progressive} {denom}"
            );
        }
    }
}
