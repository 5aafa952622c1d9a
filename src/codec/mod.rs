//! Decode and encode: bytes ⇄ [`crate::pixels::Image`].
//!
//! * [`probe`] reads the header facts ([`SourceInfo`]) without decoding pixels and checks
//!   them against the [`crate::Limits`]: input bytes, source width/height/area (of the
//!   *oriented* size), frame count and total frame area, ICC/EXIF size. Nothing sized by a
//!   header is allocated before these checks pass.
//! * [`decode`] probes, then decodes JPEG (baseline, progressive, grey, CMYK/YCCK with or
//!   without the Adobe APP14 segment), PNG (1–16 bit, palette, tRNS, grey+alpha, interlaced),
//!   WebP (lossy, lossless, alpha; first frame), GIF (first frame on its logical screen) and
//!   TIFF (first page; 8/16-bit grey, grey+alpha, RGB, RGBA, CMYK, 8-bit palette; uncompressed,
//!   LZW, Deflate, PackBits) to `Rgb8`/`Rgba8` in the *stored* orientation; SVG is rendered
//!   at its intrinsic size there, and by [`render_vector`] at any size and window. JPEGs can be downscaled in the DCT domain
//!   ([`DecodeOptions::scale_denom`], sizes from [`scaled_size`]). Embedded ICC profiles are
//!   converted to sRGB with moxcms unless asked to keep them.
//!   AVIF and HEIC headers are probed (the HEIF container: size, `irot`/`imir` orientation,
//!   depth, alpha item, grids); decoding them answers [`CodecError::Unsupported`] naming the
//!   Cargo feature a decoder would need.
//!   The decoded image carries its EXIF (for TIFF: Orientation tag)
//!   [`Orientation`](crate::ops::Orientation), which turns it upright.
//! * [`decode_hinted`] is the decode of a plan: given the plan's shrink-on-load hint it picks
//!   the path ([`decode_path`]): DC-only for a progressive JPEG at 1/8, DCT-scaled for other
//!   JPEGs, full size for everything else.
//! * [`encode`] writes JPEG, PNG, WebP, GIF or AVIF, with no metadata but an optional ICC
//!   profile; TIFF and SVG are never written.
//!
//! With the `turbojpeg` feature, JPEG decoding (grey and colour, every DCT scale) and JPEG
//! encoding go through libjpeg-turbo 3 instead of the pure-Rust codecs: same sizes, same
//! errors, pixels within the rounding differences of another IDCT. CMYK/YCCK files, and any
//! file libjpeg-turbo reports damage in, are decoded by the pure-Rust decoders.

mod anim;
mod bytes;
mod color;
mod decode;
mod encode;
mod error;
mod exif;
mod header;
mod ifd;
mod info;
mod jpeg_dc;
mod jpeg_icc;
#[cfg(feature = "turbojpeg")]
mod turbo;

pub use anim::{frames, FrameMeta, Frames};
pub use decode::{
    decode, decode_hinted, decode_path, decode_pooled, render_vector, DecodeOptions, DecodePath,
    Decoded,
};
pub use encode::{encode, encode_pooled, AnimationEncoder, EncodeOptions, GifAnimation};
pub use error::CodecError;
pub use info::{scaled_size, ColorModel, SourceInfo};
pub use jpeg_dc::{decode_dc, decode_dc_only, scan_script, ScanSummary};

use crate::format::ImageFormat;
use crate::limits::Limits;

/// Reads the header facts of `bytes` and checks them against `limits` (see the module docs).
/// Decodes no pixels.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<SourceInfo, CodecError> {
    header::read_header(bytes, limits).map(|h| h.info)
}

/// The format of `bytes` from its magic number, without reading further.
pub fn sniff_format(bytes: &[u8]) -> Result<ImageFormat, CodecError> {
    header::sniff(bytes)
}
