//! GIF block walk over the whole file: logical screen, frame count and areas, transparency of
//! the first frame. Only the block structure is read; no LZW data is decoded.

use std::ops::Range;

use crate::format::ImageFormat;

use super::super::bytes::{byte, le_u16, slice};
use super::super::error::CodecError;
use super::super::info::{ColorModel, FramePixels, SourceInfo};
use super::Header;

const F: ImageFormat = ImageFormat::Gif;

fn truncated(what: &str) -> CodecError {
    CodecError::corrupt(F, format!("truncated ({what})"))
}

/// Skips a chain of data sub-blocks starting at `pos`; returns the position after the
/// terminator.
fn skip_sub_blocks(bytes: &[u8], pos: usize) -> Result<usize, CodecError> {
    sub_blocks(bytes, pos).map(|(end, _)| end)
}

/// Walks the data sub-blocks from `pos` through their terminator: the position after it, and
/// the range of the last non-empty sub-block (empty when there is none).
fn sub_blocks(bytes: &[u8], mut pos: usize) -> Result<(usize, Range<usize>), CodecError> {
    let mut last = pos..pos;
    loop {
        let n = byte(bytes, pos).ok_or_else(|| truncated("data sub-blocks"))?;
        pos += 1;
        if n == 0 {
            return Ok((pos, last));
        }
        let end = pos
            .checked_add(usize::from(n))
            .ok_or_else(|| truncated("data sub-blocks"))?;
        last = pos..end;
        pos = end;
    }
}

/// The size in bytes of a colour table whose presence/size is in `flags`.
fn color_table_len(flags: u8) -> usize {
    if flags & 0x80 != 0 {
        3usize << ((flags & 0x07) + 1)
    } else {
        0
    }
}

/// The repeat count of a NETSCAPE2.0 (or ANIMEXTS1.0) application extension at `pos`, `None`
/// for any other application extension or a malformed one (browsers ignore those).
fn looping_extension(bytes: &[u8], pos: usize) -> Option<u16> {
    let id = slice(bytes, pos + 2, 12)?;
    if id != b"\x0bNETSCAPE2.0" && id != b"\x0bANIMEXTS1.0" {
        return None;
    }
    // Sub-block of 3 bytes: id 1, then the repeat count.
    if slice(bytes, pos + 14, 2)? != [3, 1] {
        return None;
    }
    le_u16(bytes, pos + 16)
}

/// The first frame's placement and transparency.
struct FirstFrame {
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    transparent: bool,
    interlaced: bool,
}

pub(super) fn read(bytes: &[u8]) -> Result<Header, CodecError> {
    let screen_w = u32::from(le_u16(bytes, 6).ok_or_else(|| truncated("screen descriptor"))?);
    let screen_h = u32::from(le_u16(bytes, 8).ok_or_else(|| truncated("screen descriptor"))?);
    let flags = byte(bytes, 10).ok_or_else(|| truncated("screen descriptor"))?;
    let mut pos = 13 + color_table_len(flags);
    let mut frames = 0u32;
    let mut total = 0u64;
    let mut largest = 0u64;
    let mut first: Option<FirstFrame> = None;
    let mut transparent_pending = false;
    // Delays belong to the frame their graphic control extension precedes.
    let mut delay_pending = 0u64;
    let mut duration_ms = 0u64;
    let mut repeat: Option<u16> = None;
    loop {
        match byte(bytes, pos) {
            // A missing trailer is common in the wild; browsers show what was read.
            None | Some(0x3B) => break,
            Some(0x21) => {
                let label = byte(bytes, pos + 1).ok_or_else(|| truncated("extension"))?;
                let (end, last) = sub_blocks(bytes, pos + 2)?;
                if label == 0xF9 {
                    // The last sub-block holds the control fields, and it must be 4 bytes, as
                    // the frame decoder reads them: the header and the frames agree on delays
                    // and transparency even in a malformed extension.
                    let control = slice(bytes, last.start, last.len())
                        .ok_or_else(|| truncated("graphic control"))?;
                    let [packed, lo, hi, _] = <[u8; 4]>::try_from(control).map_err(|_| {
                        CodecError::corrupt(
                            F,
                            format!(
                                "graphic control extension at {pos} holds {} bytes, expected 4",
                                control.len()
                            ),
                        )
                    })?;
                    transparent_pending = packed & 0x01 != 0;
                    delay_pending = u64::from(u16::from_le_bytes([lo, hi])) * 10;
                } else if label == 0xFF && repeat.is_none() {
                    repeat = looping_extension(bytes, pos);
                }
                pos = end;
            }
            Some(0x2C) => {
                let field = |off: usize| {
                    le_u16(bytes, pos + off)
                        .map(u32::from)
                        .ok_or_else(|| truncated("image descriptor"))
                };
                let (left, top, width, height) = (field(1)?, field(3)?, field(5)?, field(7)?);
                let packed = byte(bytes, pos + 9).ok_or_else(|| truncated("image descriptor"))?;
                frames = frames.saturating_add(1);
                duration_ms = duration_ms.saturating_add(delay_pending);
                delay_pending = 0;
                let area = u64::from(width) * u64::from(height);
                total = total.saturating_add(area);
                largest = largest.max(area);
                if first.is_none() {
                    first = Some(FirstFrame {
                        left,
                        top,
                        width,
                        height,
                        transparent: transparent_pending,
                        interlaced: packed & 0x40 != 0,
                    });
                }
                transparent_pending = false;
                // Descriptor, local colour table, LZW minimum code size, then the data.
                pos = skip_sub_blocks(bytes, pos + 10 + color_table_len(packed) + 1)?;
            }
            Some(other) => {
                if first.is_some() {
                    // Trailing garbage after a frame: decoders stop here too.
                    break;
                }
                return Err(CodecError::corrupt(
                    F,
                    format!("unknown block {other:#04x} at {pos}"),
                ));
            }
        }
    }
    let first = first.ok_or_else(|| CodecError::corrupt(F, "no image frame"))?;
    // A zero logical screen is taken from the first frame, as browsers do.
    let (w, h) = if screen_w == 0 || screen_h == 0 {
        (first.left + first.width, first.top + first.height)
    } else {
        (screen_w, screen_h)
    };
    let mut info = SourceInfo::new(F, w, h);
    info.frames = frames;
    if frames > 1 {
        info.duration_ms = Some(duration_ms);
        info.loop_count = Some(match repeat {
            None => 1,
            Some(0) => 0,
            Some(n) => u32::from(n) + 1,
        });
    }
    info.color_model = ColorModel::Indexed;
    info.progressive = first.interlaced;
    let covers = first.left == 0 && first.top == 0 && first.width >= w && first.height >= h;
    info.has_alpha = first.transparent || !covers;
    Ok(Header {
        info,
        frame_pixels: FramePixels {
            largest,
            total: total.max(u64::from(w) * u64::from(h)),
        },
        adobe_transform: None,
        scan_offset: 0,
    })
}
