//! The chunks of a WebP file as libwebp writes it, and rebuilding one: an ICCP chunk added
//! (libwebp's simple encoder writes none; the file becomes an extended VP8X WebP with the ICC
//! flag set), or the image chunks lifted into an animation frame ([`super::webp_anim`]).

use crate::format::ImageFormat;

use super::super::bytes::{le_u32, slice};
use super::super::error::CodecError;

const F: ImageFormat = ImageFormat::Webp;
const FLAG_ICC: u8 = 0x20;
/// VP8X: some image has alpha.
pub(super) const FLAG_ALPHA: u8 = 0x10;
/// VP8X: the file is an animation.
pub(super) const FLAG_ANIMATION: u8 = 0x02;

/// Appends one RIFF chunk (padded to an even length).
pub(super) fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8], data: &[u8]) -> Result<(), CodecError> {
    let len = u32::try_from(data.len()).map_err(|_| CodecError::internal(F, "chunk too large"))?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// One RIFF chunk: its fourcc and payload.
pub(super) type Chunk<'a> = ([u8; 4], &'a [u8]);

/// The chunks of `webp` after the RIFF header, in file order.
pub(super) fn chunks(webp: &[u8]) -> Result<Vec<Chunk<'_>>, CodecError> {
    let bad = || CodecError::internal(F, "unexpected libwebp output");
    let mut out = Vec::new();
    let mut pos = 12usize;
    while pos < webp.len() {
        let fourcc = slice(webp, pos, 4).ok_or_else(bad)?;
        let len = usize::try_from(le_u32(webp, pos + 4).ok_or_else(bad)?).map_err(|_| bad())?;
        let data = slice(webp, pos + 8, len).ok_or_else(bad)?;
        out.push(([fourcc[0], fourcc[1], fourcc[2], fourcc[3]], data));
        pos = pos + 8 + len + (len & 1);
    }
    Ok(out)
}

/// Rebuilds `webp` (as libwebp wrote it) with a VP8X header and an ICCP chunk.
pub(super) fn embed_icc(
    webp: &[u8],
    icc: &[u8],
    width: u32,
    height: u32,
    alpha: bool,
) -> Result<Vec<u8>, CodecError> {
    let bad = || CodecError::internal(F, "unexpected libwebp output");
    let mut flags = FLAG_ICC | if alpha { FLAG_ALPHA } else { 0 };
    let mut rest = Vec::with_capacity(webp.len());
    for (fourcc, data) in chunks(webp)? {
        if &fourcc == b"VP8X" {
            flags |= data.first().copied().unwrap_or(0);
        } else if &fourcc != b"ICCP" {
            push_chunk(&mut rest, &fourcc, data)?;
        }
    }
    let vp8x = vp8x(flags, width, height);
    let mut body = Vec::with_capacity(rest.len() + icc.len() + 32);
    body.extend_from_slice(b"WEBP");
    push_chunk(&mut body, b"VP8X", &vp8x)?;
    push_chunk(&mut body, b"ICCP", icc)?;
    body.extend_from_slice(&rest);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    let riff_len = u32::try_from(body.len()).map_err(|_| bad())?;
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// The payload of a VP8X chunk: `flags` and the canvas size (24 bits a side, minus one).
pub(super) fn vp8x(flags: u8, width: u32, height: u32) -> [u8; 10] {
    let mut vp8x = [0u8; 10];
    vp8x[0] = flags;
    let (w1, h1) = (
        width.saturating_sub(1).to_le_bytes(),
        height.saturating_sub(1).to_le_bytes(),
    );
    vp8x[4..7].copy_from_slice(&w1[..3]);
    vp8x[7..10].copy_from_slice(&h1[..3]);
    vp8x
}
