//! Encoding: an sRGB `Rgb8`/`Rgba8` [`Image`] to bytes. No metadata is written except the ICC
//! profile given in [`EncodeOptions::icc_profile`].

mod anim;
#[cfg(feature = "avif")]
mod avif;
mod gif;
pub use anim::AnimationEncoder;
pub use gif::GifAnimation;
#[cfg(not(feature = "turbojpeg"))]
mod jpeg;
mod png;
mod webp;
mod webp_icc;

use crate::format::ImageFormat;
use crate::pixels::{BufferPool, Image, PixelLayout};

use super::color::{to_image, SampleKind, Samples};
use super::error::CodecError;
#[cfg(feature = "turbojpeg")]
use super::turbo::encode as encode_jpeg;
#[cfg(not(feature = "turbojpeg"))]
use jpeg::encode as encode_jpeg;

/// How to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Quality 0–100 for JPEG (0 is encoded as 1), lossy WebP and AVIF; ignored by PNG and
    /// GIF. Default: 75.
    pub quality: u8,
    /// Progressive JPEG (`fm=pjpg`); ignored by other formats. Default: false.
    pub progressive: bool,
    /// An RGB ICC profile the pixels are in (`cs=origin`). JPEG, PNG and WebP embed it; AVIF
    /// and GIF cannot carry it here, so the pixels are converted from it to sRGB instead.
    /// Default: None (pixels are sRGB, nothing is embedded).
    pub icc_profile: Option<Vec<u8>>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            quality: 75,
            progressive: false,
            icc_profile: None,
        }
    }
}

/// Checks that neither side is zero nor above `max_side`.
fn check_size(image: &Image, format: ImageFormat, max_side: u32) -> Result<(), CodecError> {
    check_dims(image.width(), image.height(), format, max_side)
}

/// [`check_size`] for a size given before any image exists (an animation's canvas).
fn check_dims(
    width: u32,
    height: u32,
    format: ImageFormat,
    max_side: u32,
) -> Result<(), CodecError> {
    if width == 0 || height == 0 {
        return Err(CodecError::internal(
            format,
            format!("cannot encode a {width}x{height} image"),
        ));
    }
    if width > max_side || height > max_side {
        return Err(CodecError::TooLargeForFormat {
            format,
            width,
            height,
            max_side,
        });
    }
    Ok(())
}

/// `image` in sRGB: converted from `icc` when it is given and parses (for formats that cannot
/// embed a profile).
fn to_srgb(image: &Image, icc: Option<&[u8]>, format: ImageFormat) -> Result<Image, CodecError> {
    let Some(icc) = icc else {
        return Ok(image.clone());
    };
    let kind = match image.layout() {
        PixelLayout::Rgb8 => SampleKind::Rgb,
        PixelLayout::Rgba8 => SampleKind::Rgba,
    };
    let samples = Samples {
        width: image.width(),
        height: image.height(),
        kind,
        data: image.data().to_vec(),
    };
    Ok(to_image(samples, Some(icc.to_vec()), true, format)?.image)
}

/// Encodes `image` as `format`.
///
/// JPEG: 4:2:0, baseline or progressive (optimized Huffman tables with the `turbojpeg`
/// feature); alpha is dropped (flatten first). PNG: fast compression. WebP: lossy at
/// `quality`, alpha kept. GIF: one frame, palette quantized, alpha below 128 becomes the
/// transparent index. AVIF: `ravif`. TIFF and SVG: never written ([`CodecError::Unsupported`]).
pub fn encode(
    image: &Image,
    format: ImageFormat,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, CodecError> {
    encode_pooled(image, format, opts, &mut BufferPool::new())
}

/// Like [`encode`], taking the encoder's scratch memory from `pool` where it has any
/// (libjpeg-turbo writes into a worst-case-sized buffer of ours).
pub fn encode_pooled(
    image: &Image,
    format: ImageFormat,
    opts: &EncodeOptions,
    pool: &mut BufferPool,
) -> Result<Vec<u8>, CodecError> {
    let icc = opts.icc_profile.as_deref();
    match format {
        ImageFormat::Jpeg => {
            check_size(image, format, u32::from(u16::MAX))?;
            encode_jpeg(image, opts.quality, opts.progressive, icc, pool)
        }
        ImageFormat::Png => {
            check_size(image, format, i32::MAX.unsigned_abs())?;
            png::encode(image, icc)
        }
        ImageFormat::Webp => {
            check_size(image, format, webp::MAX_SIDE)?;
            webp::encode(image, opts.quality, icc)
        }
        ImageFormat::Gif => {
            check_size(image, format, u32::from(u16::MAX))?;
            gif::encode(&to_srgb(image, icc, format)?)
        }
        #[cfg(feature = "avif")]
        ImageFormat::Avif => {
            check_size(image, format, u32::from(u16::MAX))?;
            avif::encode(&to_srgb(image, icc, format)?, opts.quality)
        }
        #[cfg(not(feature = "avif"))]
        ImageFormat::Avif => Err(CodecError::unsupported(
            format,
            "output format (built without the `avif` feature)",
        )),
        ImageFormat::Tiff => Err(CodecError::unsupported(
            format,
            "output format (TIFF is read, never written)",
        )),
        ImageFormat::Svg => Err(CodecError::unsupported(
            format,
            "output format (SVG is rasterised, or served as it is; never written)",
        )),
        ImageFormat::Heic => Err(CodecError::unsupported(
            format,
            "output format (HEIC is read, never written)",
        )),
    }
}
