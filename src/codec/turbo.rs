//! JPEG decode and encode through libjpeg-turbo 3 (feature `turbojpeg`).
//!
//! Decode covers grey and YCbCr/RGB files at every DCT scale (1, 1/2, 1/4, 1/8);
//! libjpeg-turbo cannot turn CMYK/YCCK into RGB, so those stay with jpeg-decoder. libjpeg-turbo
//! reports recoverable damage as a warning, which the `turbojpeg` crate turns into an error
//! like any other: the caller falls back to the pure-Rust decoders on any error, so a file
//! decodes with this feature exactly when it decodes without it.

use turbojpeg::{Compressor, Decompressor, PixelFormat, ScalingFactor, Subsamp};

use crate::format::ImageFormat;
use crate::pixels::{BufferPool, Image, PixelLayout};

use super::color::{SampleKind, Samples};
use super::error::{usize_of, CodecError};
use super::header::Header;
use super::info::{scaled_size, ColorModel};
use super::jpeg_icc;

const F: ImageFormat = ImageFormat::Jpeg;

fn map_error(e: turbojpeg::Error) -> CodecError {
    match e {
        // libjpeg-turbo's own messages are about the data.
        turbojpeg::Error::TurboJpegError(msg) => CodecError::corrupt(F, msg),
        other => CodecError::internal(F, other),
    }
}

/// Decodes a grey or YCbCr/RGB file at 1/`denom` (1, 2, 4 or 8) of the stored size, to grey or
/// RGB samples, with the embedded ICC profile.
pub(crate) fn decode(
    bytes: &[u8],
    header: &Header,
    denom: u8,
    pool: &mut BufferPool,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let (w, h) = scaled_size(header.info.stored_width, header.info.stored_height, denom);
    let (format, kind) = if header.info.color_model == ColorModel::Grey {
        (PixelFormat::GRAY, SampleKind::Grey)
    } else {
        (PixelFormat::RGB, SampleKind::Rgb)
    };
    let mut d = Decompressor::new().map_err(map_error)?;
    let factor = ScalingFactor::new(1, usize::from(denom.max(1)));
    d.set_scaling_factor(factor).map_err(map_error)?;
    let scaled = d.read_header(bytes).map_err(map_error)?.scaled(factor);
    let (width, height) = (usize_of(F, w)?, usize_of(F, h)?);
    if (scaled.width, scaled.height) != (width, height) {
        return Err(CodecError::corrupt(
            F,
            format!(
                "libjpeg-turbo decodes {}x{}, expected {w}x{h}",
                scaled.width, scaled.height
            ),
        ));
    }
    // The probe checked the source area against the limits; the scaled one is no larger.
    let pitch = width
        .checked_mul(format.size())
        .ok_or_else(|| CodecError::internal(F, "row size overflows"))?;
    let len = pitch
        .checked_mul(height)
        .ok_or_else(|| CodecError::internal(F, "buffer size overflows"))?;
    // libjpeg-turbo writes every byte or fails, so a reused buffer's old contents never show.
    let mut data = pool
        .take(len)
        .ok_or_else(|| CodecError::internal(F, format!("cannot allocate {len} bytes")))?;
    let out = turbojpeg::Image {
        pixels: &mut data[..],
        width,
        pitch,
        height,
        format,
    };
    if let Err(e) = d.decompress(bytes, out) {
        pool.give(data);
        return Err(map_error(e));
    }
    Ok((
        Samples {
            width: w,
            height: h,
            kind,
            data,
        },
        jpeg_icc::read(bytes),
    ))
}

/// Encodes 4:2:0 with optimized Huffman tables, baseline or progressive, embedding `icc`.
/// Alpha is ignored. libjpeg-turbo writes into a worst-case-sized scratch buffer from `pool`
/// (only the pages it fills are ever touched); the result is copied out at its real size.
pub(crate) fn encode(
    image: &Image,
    quality: u8,
    progressive: bool,
    icc: Option<&[u8]>,
    pool: &mut BufferPool,
) -> Result<Vec<u8>, CodecError> {
    let mut c = Compressor::new().map_err(map_error)?;
    let setup = |c: &mut Compressor| -> Result<(), turbojpeg::Error> {
        c.set_quality(i32::from(quality.clamp(1, 100)))?;
        c.set_subsamp(Subsamp::Sub2x2)?;
        c.set_optimize(true)?;
        c.set_progressive(progressive)
    };
    // Settings are not about the pixels: a failure here is ours.
    setup(&mut c).map_err(|e| CodecError::internal(F, e))?;
    let format = match image.layout() {
        PixelLayout::Rgb8 => PixelFormat::RGB,
        PixelLayout::Rgba8 => PixelFormat::RGBA,
    };
    let src = turbojpeg::Image {
        pixels: image.data(),
        width: usize_of(F, image.width())?,
        pitch: image.stride(),
        height: usize_of(F, image.height())?,
        format,
    };
    let capacity = c
        .buf_len(src.width, src.height)
        .map_err(|e| CodecError::internal(F, e))?;
    let mut scratch = pool
        .take(capacity)
        .ok_or_else(|| CodecError::internal(F, format!("cannot allocate {capacity} bytes")))?;
    let written = c.compress_to_slice(src, &mut scratch);
    let jpeg = match written {
        Ok(n) => scratch.get(..n).map(<[u8]>::to_vec),
        Err(_) => None,
    };
    pool.give(scratch);
    let jpeg = match (jpeg, written) {
        (Some(jpeg), _) => jpeg,
        (None, Err(e)) => return Err(CodecError::internal(F, e)),
        (None, Ok(n)) => {
            return Err(CodecError::internal(
                F,
                format!("libjpeg-turbo reports {n} bytes written into {capacity}"),
            ))
        }
    };
    match icc {
        Some(icc) => jpeg_icc::insert(jpeg, icc),
        None => Ok(jpeg),
    }
}
