//! JPEG decoding: `jpeg-decoder` for DCT-domain downscaling and CMYK/YCCK, `zune-jpeg` for
//! full-size RGB and grey decodes (faster at full size; numbers in Cargo.toml).

use crate::format::ImageFormat;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::Header;
use super::super::info::ColorModel;
use super::{scaled_size, DecodeOptions};

const F: ImageFormat = ImageFormat::Jpeg;

/// Decodes to samples (and the embedded ICC profile).
pub(super) fn decode(
    bytes: &[u8],
    header: &Header,
    opts: &DecodeOptions,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    // Both decoders pad a truncated scan with grey instead of failing; an EOI marker after the
    // first scan (scan data cannot contain one) shows that the file is complete.
    let complete = bytes
        .windows(2)
        .rposition(|w| w == [0xFF, 0xD9])
        .is_some_and(|eoi| eoi > header.scan_offset);
    if !complete {
        return Err(CodecError::corrupt(F, "truncated: no end-of-image marker"));
    }
    let four_components = matches!(header.info.color_model, ColorModel::Cmyk | ColorModel::Ycck);
    if opts.scale_denom > 1 || four_components {
        decode_jpeg_decoder(bytes, header, opts.scale_denom)
    } else {
        decode_zune(bytes, header)
    }
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

fn decode_zune(bytes: &[u8], header: &Header) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    use zune_core::colorspace::ColorSpace;
    let grey = header.info.color_model == ColorModel::Grey;
    let (out, kind) = if grey {
        (ColorSpace::Luma, SampleKind::Grey)
    } else {
        (ColorSpace::RGB, SampleKind::Rgb)
    };
    // Sizes were checked against the caller's limits already; lift zune's own caps, and be
    // strict so that truncated data is an error rather than grey padding.
    let options = zune_core::options::DecoderOptions::default()
        .jpeg_set_out_colorspace(out)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .set_strict_mode(true);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(
        zune_core::bytestream::ZCursor::new(bytes),
        options,
    );
    let data = d
        .decode()
        .map_err(|e| CodecError::corrupt(F, format!("{e:?}")))?;
    let icc = d.icc_profile();
    let (w, h) = d
        .dimensions()
        .ok_or_else(|| CodecError::internal(F, "no dimensions after decode"))?;
    Ok((
        Samples {
            width: u32::try_from(w).map_err(|e| CodecError::internal(F, e))?,
            height: u32::try_from(h).map_err(|e| CodecError::internal(F, e))?,
            kind,
            data,
        },
        icc,
    ))
}
