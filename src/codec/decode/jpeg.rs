//! JPEG decoding with `jpeg-decoder`, at full size or downscaled in the DCT domain.
//!
//! `zune-jpeg` decodes full-size baseline files faster (numbers in Cargo.toml) but was measured
//! here decoding valid files with wrong colours (jpeg-encoder's optimized-Huffman 4:2:0 output:
//! mean error 83 per channel, where libjpeg-turbo reads the same file within 1.4 of the
//! source), and its tracker lists more such mis-decodes; a decoder that is fast but wrong is
//! not an option for an image server.

use crate::format::ImageFormat;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::Header;
use super::{scaled_size, DecodeOptions};

const F: ImageFormat = ImageFormat::Jpeg;

/// Most scans a JPEG may have (zune-jpeg's default limit too). Real
/// progressive files have about 10 (3 components, spectral selection and refinement).
const MAX_SCANS: usize = 100;

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
    // Each scan costs a pass over every block, however few bytes it has (an EOB run covers
    // thousands of blocks in two bytes), so the scan count bounds the decoding time; the
    // decoder has no such limit of its own. Entropy-coded data stuffs 0xFF as FF 00, so FF DA
    // only starts a scan.
    let scans = bytes
        .get(header.scan_offset..)
        .unwrap_or(&[])
        .windows(2)
        .filter(|w| *w == [0xFF, 0xDA])
        .count();
    if scans > MAX_SCANS {
        return Err(CodecError::corrupt(
            F,
            format!("{scans} scans, expected at most {MAX_SCANS}"),
        ));
    }
    decode_jpeg_decoder(bytes, header, opts.scale_denom)
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
