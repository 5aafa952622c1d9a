//! WebP RIFF chunk walk: VP8/VP8L/VP8X sizes, alpha, ICCP, EXIF and animation frames.

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::bytes::{byte, le_u16, le_u24, le_u32, slice};
use super::super::error::CodecError;
use super::super::exif::orientation_from_exif;
use super::super::info::{check_metadata, ColorModel, FramePixels, SourceInfo};
use super::Header;

const F: ImageFormat = ImageFormat::Webp;

fn truncated(what: &str) -> CodecError {
    CodecError::corrupt(F, format!("truncated header ({what})"))
}

/// One RIFF chunk: its FourCC and payload.
struct Chunk<'a> {
    fourcc: &'a [u8],
    data: &'a [u8],
}

/// The chunk at `pos` and the position of the next one (payloads are padded to even length).
fn chunk_at(bytes: &[u8], pos: usize) -> Result<(Chunk<'_>, usize), CodecError> {
    let fourcc = slice(bytes, pos, 4).ok_or_else(|| truncated("chunk header"))?;
    let len = le_u32(bytes, pos + 4).ok_or_else(|| truncated("chunk header"))?;
    let len = usize::try_from(len).map_err(|_| truncated("chunk size"))?;
    let data = slice(bytes, pos + 8, len).ok_or_else(|| truncated("chunk"))?;
    let next = (pos + 8 + len).saturating_add(len & 1);
    Ok((Chunk { fourcc, data }, next))
}

/// Width and height of a lossy (VP8) bitstream.
fn vp8_size(data: &[u8]) -> Result<(u32, u32), CodecError> {
    if slice(data, 3, 3) != Some(&[0x9D, 0x01, 0x2A][..]) {
        return Err(CodecError::corrupt(F, "VP8 start code missing"));
    }
    let w = le_u16(data, 6).ok_or_else(|| truncated("VP8 header"))? & 0x3FFF;
    let h = le_u16(data, 8).ok_or_else(|| truncated("VP8 header"))? & 0x3FFF;
    Ok((w.into(), h.into()))
}

/// Width, height and alpha hint of a lossless (VP8L) bitstream.
fn vp8l_size(data: &[u8]) -> Result<(u32, u32, bool), CodecError> {
    if byte(data, 0) != Some(0x2F) {
        return Err(CodecError::corrupt(F, "VP8L signature missing"));
    }
    let bits = le_u32(data, 1).ok_or_else(|| truncated("VP8L header"))?;
    Ok((
        (bits & 0x3FFF) + 1,
        ((bits >> 14) & 0x3FFF) + 1,
        bits & (1 << 28) != 0,
    ))
}

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    let (first, mut pos) = chunk_at(bytes, 12)?;
    let mut info;
    // Whether VP8X flags an animation: decoders (libwebp's demuxer, image-webp) read ANMF
    // frames only then.
    let animated: bool;
    match first.fourcc {
        b"VP8 " => {
            let (w, h) = vp8_size(first.data)?;
            info = SourceInfo::new(F, w, h);
            info.color_model = ColorModel::YCbCr;
            return Ok(Header {
                info,
                frame_pixels: FramePixels::still(w, h),
                adobe_transform: None,
                scan_offset: 0,
            });
        }
        b"VP8L" => {
            let (w, h, alpha) = vp8l_size(first.data)?;
            info = SourceInfo::new(F, w, h);
            info.has_alpha = alpha;
            info.color_model = if alpha {
                ColorModel::Rgba
            } else {
                ColorModel::Rgb
            };
            return Ok(Header {
                info,
                frame_pixels: FramePixels::still(w, h),
                adobe_transform: None,
                scan_offset: 0,
            });
        }
        b"VP8X" => {
            let flags = byte(first.data, 0).ok_or_else(|| truncated("VP8X"))?;
            animated = flags & 0x02 != 0;
            let w = le_u24(first.data, 4).ok_or_else(|| truncated("VP8X"))? + 1;
            let h = le_u24(first.data, 7).ok_or_else(|| truncated("VP8X"))? + 1;
            info = SourceInfo::new(F, w, h);
            info.has_alpha = flags & 0x10 != 0;
        }
        other => {
            return Err(CodecError::corrupt(
                F,
                format!("unknown first chunk {}", String::from_utf8_lossy(other)),
            ))
        }
    }
    let mut frames = 0u32;
    let mut total = 0u64;
    let mut largest = 0u64;
    let mut lossless = false;
    let mut duration_ms = 0u64;
    let mut loop_count = None;
    while pos < bytes.len() {
        let (chunk, next) = chunk_at(bytes, pos)?;
        match chunk.fourcc {
            b"ICCP" => {
                check_metadata(F, chunk.data.len(), limits)?;
                info.has_icc = true;
            }
            b"EXIF" => {
                check_metadata(F, chunk.data.len(), limits)?;
                info.set_orientation(orientation_from_exif(chunk.data));
            }
            b"ANIM" => {
                loop_count = Some(u32::from(
                    le_u16(chunk.data, 4).ok_or_else(|| truncated("ANIM"))?,
                ));
            }
            b"ANMF" => {
                if !animated {
                    return Err(CodecError::corrupt(
                        F,
                        "an ANMF frame in a file whose VP8X flags no animation",
                    ));
                }
                let ms = le_u24(chunk.data, 12).ok_or_else(|| truncated("ANMF"))?;
                duration_ms = duration_ms.saturating_add(u64::from(ms));
                let fw = le_u24(chunk.data, 6).ok_or_else(|| truncated("ANMF"))? + 1;
                let fh = le_u24(chunk.data, 9).ok_or_else(|| truncated("ANMF"))? + 1;
                let area = u64::from(fw) * u64::from(fh);
                frames = frames.saturating_add(1);
                total = total.saturating_add(area);
                largest = largest.max(area);
            }
            // The still image's bitstream: a size other than the canvas's is an error for
            // decoders (libwebp's too), and it would size their buffers, so it is checked here.
            b"VP8L" | b"VP8 " => {
                let (w, h) = if chunk.fourcc == b"VP8L" {
                    lossless = true;
                    let (w, h, _) = vp8l_size(chunk.data)?;
                    (w, h)
                } else {
                    vp8_size(chunk.data)?
                };
                if (w, h) != (info.stored_width, info.stored_height) {
                    return Err(CodecError::corrupt(
                        F,
                        format!(
                            "the bitstream is {w}x{h}, the VP8X canvas {}x{}",
                            info.stored_width, info.stored_height
                        ),
                    ));
                }
            }
            _ => {}
        }
        pos = next;
    }
    info.frames = frames.max(1);
    if frames > 1 {
        info.duration_ms = Some(duration_ms);
        // An animation without an ANIM chunk is malformed; it is taken to play forever.
        info.loop_count = Some(loop_count.unwrap_or(0));
    }
    info.color_model = match (lossless, info.has_alpha) {
        (true, true) => ColorModel::Rgba,
        (true, false) => ColorModel::Rgb,
        (false, _) => ColorModel::YCbCr,
    };
    Ok(Header {
        frame_pixels: FramePixels {
            largest,
            total: total.max(u64::from(info.stored_width) * u64::from(info.stored_height)),
        },
        info,
        adobe_transform: None,
        scan_offset: 0,
    })
}
