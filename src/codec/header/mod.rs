//! Header parsers: format sniffing and the facts of [`SourceInfo`], read without decoding
//! pixels and without allocating anything sized by the header.

mod gif;
pub(crate) mod heif;
mod jpeg;
pub(crate) mod png;
pub(crate) mod svg;
pub(crate) mod tiff;
mod webp;

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::error::CodecError;
use super::info::{check_input_size, check_source, FramePixels, SourceInfo};

/// The header facts plus what the decoders need beyond [`SourceInfo`].
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// The public facts.
    pub info: SourceInfo,
    /// The largest frame area and the sum of the frame areas (both the area for still images).
    pub frame_pixels: FramePixels,
    /// The transform byte of a JPEG's Adobe APP14 segment, when there is one.
    pub adobe_transform: Option<u8>,
    /// Offset of a JPEG's first start-of-scan marker (0 for other formats).
    pub scan_offset: usize,
}

/// Recognises the container from its magic bytes.
pub(crate) fn sniff(bytes: &[u8]) -> Result<ImageFormat, CodecError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(ImageFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(ImageFormat::Gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Ok(ImageFormat::Webp)
    } else if matches!(
        bytes.get(..4),
        Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+")
    ) {
        // Classic and BigTIFF, in either byte order (BigTIFF is refused by the header reader,
        // naming it).
        Ok(ImageFormat::Tiff)
    } else if let Some(format) = heif::sniff(bytes) {
        Ok(format)
    } else if svg::sniff(bytes) {
        Ok(ImageFormat::Svg)
    } else {
        let head = bytes.get(..8).unwrap_or(bytes);
        Err(CodecError::UnknownFormat {
            leading_bytes: head.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// Reads and limit-checks the header of any supported format.
pub(crate) fn read_header(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    check_input_size(bytes.len(), limits)?;
    let header = match sniff(bytes)? {
        ImageFormat::Jpeg => jpeg::read(bytes, limits)?,
        ImageFormat::Png => png::read(bytes, limits)?,
        ImageFormat::Gif => gif::read(bytes)?,
        ImageFormat::Webp => webp::read(bytes, limits)?,
        ImageFormat::Tiff => tiff::read(bytes, limits)?,
        ImageFormat::Svg => svg::read(bytes, limits)?,
        f @ (ImageFormat::Avif | ImageFormat::Heic) => heif::read(bytes, f, limits)?,
    };
    check_source(&header.info, header.frame_pixels, limits)?;
    Ok(header)
}

/// The frame areas of a still image.
fn still(info: &SourceInfo) -> FramePixels {
    FramePixels::still(info.stored_width, info.stored_height)
}
