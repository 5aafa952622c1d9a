//! GIF decoding with the `gif` crate: the first frame, placed on the logical screen (parts
//! outside the screen are clipped; uncovered screen is transparent).

use crate::format::ImageFormat;

use super::super::color::{SampleKind, Samples};
use super::super::error::{usize_of, CodecError};
use super::super::header::Header;

const F: ImageFormat = ImageFormat::Gif;

pub(super) fn decode(bytes: &[u8], header: &Header) -> Result<Samples, CodecError> {
    let (sw, sh) = (header.info.stored_width, header.info.stored_height);
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts
        .read_info(bytes)
        .map_err(|e| CodecError::corrupt(F, e))?;
    let frame = d
        .read_next_frame()
        .map_err(|e| CodecError::corrupt(F, e))?
        .ok_or_else(|| CodecError::corrupt(F, "no image frame"))?;
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    let sw_us = usize_of(F, sw)?;
    let sh_us = usize_of(F, sh)?;
    let mut canvas = vec![0u8; sw_us * sh_us * 4];
    let visible_w = fw.min(sw_us.saturating_sub(left));
    if fw == 0 || visible_w == 0 {
        // Nothing of the frame is on the screen.
        return finish(header, canvas);
    }
    for (row, src) in frame.buffer.chunks_exact(fw * 4).take(fh).enumerate() {
        let y = top + row;
        if y >= sh_us {
            break;
        }
        let start = (y * sw_us + left) * 4;
        let (Some(dst), Some(src)) = (
            canvas.get_mut(start..start + visible_w * 4),
            src.get(..visible_w * 4),
        ) else {
            break;
        };
        dst.copy_from_slice(src);
    }
    finish(header, canvas)
}

/// Wraps the RGBA canvas, dropping alpha when the header says the image is opaque.
fn finish(header: &Header, canvas: Vec<u8>) -> Result<Samples, CodecError> {
    let (kind, data) = if header.info.has_alpha {
        (SampleKind::Rgba, canvas)
    } else {
        let rgb = canvas
            .chunks_exact(4)
            .flat_map(|p| p.iter().take(3).copied())
            .collect();
        (SampleKind::Rgb, rgb)
    };
    Ok(Samples {
        width: header.info.stored_width,
        height: header.info.stored_height,
        kind,
        data,
    })
}
