//! JPEG marker walk up to the first scan: frame header, EXIF, ICC chunks, Adobe APP14.

use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::ops::Orientation;

use super::super::bytes::{be_u16, byte, slice};
use super::super::error::CodecError;
use super::super::exif::orientation_from_exif;
use super::super::info::{check_metadata, ColorModel, SourceInfo};
use super::{still, Header};

const F: ImageFormat = ImageFormat::Jpeg;

fn truncated(what: &str) -> CodecError {
    CodecError::corrupt(F, format!("truncated header ({what})"))
}

/// The frame header (SOFn) facts.
struct Frame {
    width: u32,
    height: u32,
    precision: u8,
    components: u8,
    progressive: bool,
}

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    let mut pos = 2usize;
    let mut frame: Option<Frame> = None;
    let mut orientation = Orientation::Identity;
    let mut icc_len = 0usize;
    let mut adobe_transform = None;
    let scan_offset = loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if byte(bytes, pos) != Some(0xFF) {
            return Err(match byte(bytes, pos) {
                None => truncated("marker"),
                Some(b) => {
                    CodecError::corrupt(F, format!("expected a marker at {pos}, got {b:#04x}"))
                }
            });
        }
        while byte(bytes, pos) == Some(0xFF) {
            pos += 1;
        }
        let marker = byte(bytes, pos).ok_or_else(|| truncated("marker"))?;
        pos += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if marker == 0xD9 {
            return Err(CodecError::corrupt(F, "end of image before the first scan"));
        }
        let len = usize::from(be_u16(bytes, pos).ok_or_else(|| truncated("segment length"))?);
        let payload_len = len
            .checked_sub(2)
            .ok_or_else(|| CodecError::corrupt(F, format!("segment length {len}")))?;
        let payload = slice(bytes, pos + 2, payload_len).ok_or_else(|| truncated("segment"))?;
        match marker {
            // A second frame header makes a hierarchical file; taking either frame's size would
            // let the other one, unchecked, size the decoder's buffers.
            0xC0..=0xC2 if frame.is_some() => {
                return Err(CodecError::unsupported(F, "hierarchical JPEG"));
            }
            0xC0..=0xC2 => frame = Some(read_frame(payload, marker == 0xC2)?),
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                let kind = match marker {
                    0xC3 | 0xC7 | 0xCB | 0xCF => "lossless JPEG",
                    0xC5 | 0xC6 | 0xCD | 0xCE => "hierarchical JPEG",
                    _ => "arithmetic-coded JPEG",
                };
                return Err(CodecError::unsupported(F, kind));
            }
            0xE1 if payload.starts_with(b"Exif\0\0") => {
                check_metadata(F, payload.len(), limits)?;
                orientation = orientation_from_exif(payload);
            }
            0xE2 if payload.starts_with(b"ICC_PROFILE\0") => {
                icc_len = icc_len.saturating_add(payload.len().saturating_sub(14));
                check_metadata(F, icc_len, limits)?;
            }
            0xEE if payload.starts_with(b"Adobe") => adobe_transform = byte(payload, 11),
            0xDA => break pos - 2,
            _ => {}
        }
        pos += len;
    };
    let frame = frame.ok_or_else(|| CodecError::corrupt(F, "scan before the frame header"))?;
    let mut info = SourceInfo::new(F, frame.width, frame.height);
    info.set_orientation(orientation);
    info.progressive = frame.progressive;
    info.has_icc = icc_len > 0;
    info.bit_depth = frame.precision;
    info.color_model = match (frame.components, adobe_transform) {
        (1, _) => ColorModel::Grey,
        (3, Some(0)) => ColorModel::Rgb,
        (3, _) => ColorModel::YCbCr,
        (4, Some(2)) => ColorModel::Ycck,
        (4, _) => ColorModel::Cmyk,
        (n, _) => {
            return Err(CodecError::unsupported(F, format!("{n}-component image")));
        }
    };
    if frame.precision != 8 {
        return Err(CodecError::unsupported(
            F,
            format!("{}-bit samples", frame.precision),
        ));
    }
    Ok(Header {
        frame_pixels: still(&info),
        info,
        adobe_transform,
        scan_offset,
    })
}

fn read_frame(payload: &[u8], progressive: bool) -> Result<Frame, CodecError> {
    let precision = byte(payload, 0).ok_or_else(|| truncated("frame header"))?;
    let height = be_u16(payload, 1).ok_or_else(|| truncated("frame header"))?;
    let width = be_u16(payload, 3).ok_or_else(|| truncated("frame header"))?;
    let components = byte(payload, 5).ok_or_else(|| truncated("frame header"))?;
    if height == 0 {
        // The height would come from a DNL marker after the first scan; no decoder here reads it.
        return Err(CodecError::unsupported(F, "height defined by a DNL marker"));
    }
    Ok(Frame {
        width: width.into(),
        height: height.into(),
        precision,
        components,
        progressive,
    })
}
