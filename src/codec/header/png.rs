//! PNG chunk walk up to the first IDAT: IHDR, tRNS, iCCP, eXIf, acTL.

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::bytes::{be_u16, be_u32, byte, slice};
use super::super::error::CodecError;
use super::super::exif::orientation_from_exif;
use super::super::info::{check_metadata, ColorModel, FramePixels, SourceInfo};
use super::Header;

const F: ImageFormat = ImageFormat::Png;

fn truncated(what: &str) -> CodecError {
    CodecError::corrupt(F, format!("truncated header ({what})"))
}

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    let mut pos = 8usize;
    let mut info: Option<SourceInfo> = None;
    let mut trns = false;
    let mut plays = 0u32;
    let mut duration_ms = 0u64;
    loop {
        let len = be_u32(bytes, pos).ok_or_else(|| truncated("chunk length"))?;
        let len = usize::try_from(len).map_err(|_| truncated("chunk length"))?;
        let kind = slice(bytes, pos + 4, 4).ok_or_else(|| truncated("chunk type"))?;
        let data = slice(bytes, pos + 8, len).ok_or_else(|| truncated("chunk"))?;
        match kind {
            b"IHDR" => info = Some(read_ihdr(data)?),
            b"IDAT" => break,
            b"IEND" => return Err(CodecError::corrupt(F, "no image data")),
            _ => {
                let Some(info) = info.as_mut() else {
                    return Err(CodecError::corrupt(F, "first chunk is not IHDR"));
                };
                match kind {
                    b"tRNS" => trns = true,
                    b"iCCP" => {
                        check_metadata(F, data.len(), limits)?;
                        info.has_icc = true;
                    }
                    b"eXIf" => {
                        check_metadata(F, data.len(), limits)?;
                        info.set_orientation(orientation_from_exif(data));
                    }
                    b"fcTL" => duration_ms = duration_ms.saturating_add(fctl_delay_ms(data)?),
                    b"acTL" => {
                        info.frames = be_u32(data, 0).unwrap_or(1).max(1);
                        plays = be_u32(data, 4).unwrap_or(0);
                    }
                    _ => {}
                }
            }
        }
        // Length, type, data and CRC.
        pos = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .ok_or_else(|| truncated("chunk"))?;
    }
    let mut info = info.ok_or_else(|| CodecError::corrupt(F, "no IHDR chunk"))?;
    if info.frames > 1 {
        duration_ms = duration_ms.saturating_add(later_delays_ms(bytes, pos)?);
        info.duration_ms = Some(duration_ms);
        info.loop_count = Some(plays);
    }
    if trns {
        info.has_alpha = true;
    }
    // APNG frames all fit inside the canvas, so frames × area bounds their total.
    let area = u64::from(info.stored_width) * u64::from(info.stored_height);
    let frame_pixels = FramePixels {
        largest: area,
        total: u64::from(info.frames).saturating_mul(area),
    };
    Ok(Header {
        info,
        frame_pixels,
        adobe_transform: None,
        scan_offset: 0,
    })
}

/// The delay of an fcTL chunk ([`apng_delay_ms`]).
fn fctl_delay_ms(data: &[u8]) -> Result<u64, CodecError> {
    let num = be_u16(data, 20).ok_or_else(|| truncated("fcTL"))?;
    let den = be_u16(data, 22).ok_or_else(|| truncated("fcTL"))?;
    Ok(u64::from(apng_delay_ms(num, den)))
}

/// An APNG frame delay of `num`/`den` seconds in whole milliseconds (rounded half up); a
/// zero denominator means 1/100 s, as the APNG specification says.
pub(crate) fn apng_delay_ms(num: u16, den: u16) -> u32 {
    let den = if den == 0 { 100 } else { u32::from(den) };
    (u32::from(num) * 1000 + den / 2) / den
}

/// The delays of the fcTL chunks from the chunk at `pos` (the first IDAT) to the end. Only
/// chunk headers are read; the walk stops at IEND or where the file is cut short (the
/// decoder reports a truncation that matters).
fn later_delays_ms(bytes: &[u8], mut pos: usize) -> Result<u64, CodecError> {
    let mut total = 0u64;
    while let (Some(len), Some(kind)) = (be_u32(bytes, pos), slice(bytes, pos + 4, 4)) {
        let Ok(len) = usize::try_from(len) else { break };
        if kind == b"IEND" {
            break;
        }
        if kind == b"fcTL" {
            let Some(data) = slice(bytes, pos + 8, len) else {
                break;
            };
            total = total.saturating_add(fctl_delay_ms(data)?);
        }
        let Some(next) = pos.checked_add(12).and_then(|p| p.checked_add(len)) else {
            break;
        };
        pos = next;
    }
    Ok(total)
}

fn read_ihdr(data: &[u8]) -> Result<SourceInfo, CodecError> {
    let width = be_u32(data, 0).ok_or_else(|| truncated("IHDR"))?;
    let height = be_u32(data, 4).ok_or_else(|| truncated("IHDR"))?;
    let depth = byte(data, 8).ok_or_else(|| truncated("IHDR"))?;
    let color = byte(data, 9).ok_or_else(|| truncated("IHDR"))?;
    let interlace = byte(data, 12).ok_or_else(|| truncated("IHDR"))?;
    let mut info = SourceInfo::new(F, width, height);
    info.bit_depth = depth;
    info.progressive = interlace == 1;
    (info.color_model, info.has_alpha) = match color {
        0 => (ColorModel::Grey, false),
        2 => (ColorModel::Rgb, false),
        3 => (ColorModel::Indexed, false),
        4 => (ColorModel::GreyAlpha, true),
        6 => (ColorModel::Rgba, true),
        other => return Err(CodecError::corrupt(F, format!("colour type {other}"))),
    };
    Ok(info)
}
