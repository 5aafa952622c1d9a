//! Header facts about a source image and the limit checks made on them.

use crate::format::ImageFormat;
use crate::limits::{LimitKind, Limits};
use crate::ops::Orientation;

use super::error::CodecError;

/// How a file stores colour (before any conversion pixform makes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ColorModel {
    /// One grey channel.
    Grey,
    /// Grey and alpha.
    GreyAlpha,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha.
    Rgba,
    /// Luma and chroma (JPEG, lossy WebP).
    YCbCr,
    /// Palette indices (PNG palette, GIF, TIFF palette).
    Indexed,
    /// Cyan, magenta, yellow, black (JPEG, TIFF).
    Cmyk,
    /// YCbCr-coded CMY plus black (Adobe JPEG).
    Ycck,
}

/// Facts read from a file's header, before any pixel buffer is allocated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SourceInfo {
    /// The container format.
    pub format: ImageFormat,
    /// Width as stored in the file (EXIF orientation not applied).
    pub stored_width: u32,
    /// Height as stored in the file (EXIF orientation not applied).
    pub stored_height: u32,
    /// The EXIF orientation (a TIFF's own Orientation tag; serialized as its tag value
    /// 1..=8); the identity when there is no EXIF, no orientation tag, or it is invalid.
    pub orientation: Orientation,
    /// Width after applying the orientation (stored height for orientations 5..=8).
    pub width: u32,
    /// Height after applying the orientation (stored width for orientations 5..=8).
    pub height: u32,
    /// Whether the source has an alpha channel (PNG alpha or tRNS, WebP alpha, a GIF
    /// transparent index or a first frame that leaves part of the screen uncovered).
    pub has_alpha: bool,
    /// Number of frames: 1 unless the file is an animated GIF, WebP or PNG (the pages of a
    /// TIFF are not frames: its first page is the image).
    pub frames: u32,
    /// The sum of the frame delays of an animation, in milliseconds, as the header states
    /// them (GIF centiseconds × 10, WebP ANMF and APNG fcTL delays rounded to whole ms per
    /// frame; no minimum delay applied, as players do); `None` for a single frame.
    pub duration_ms: Option<u64>,
    /// How many times an animation plays: 0 = forever, n = n plays in all. GIF's NETSCAPE2.0
    /// repeat count n > 0 means n + 1 plays (what browsers and gif2webp do) and a GIF without
    /// the extension plays once; WebP's ANIM and APNG's acTL already count plays. `None` for
    /// a single frame.
    pub loop_count: Option<u32>,
    /// Whether an ICC profile is embedded.
    pub has_icc: bool,
    /// Progressive JPEG or interlaced PNG/GIF.
    pub progressive: bool,
    /// How the file stores colour.
    pub color_model: ColorModel,
    /// Bits per sample as stored (1..=16).
    pub bit_depth: u8,
}

impl SourceInfo {
    /// Assembles the facts, deriving the oriented size.
    pub(crate) fn new(format: ImageFormat, stored_width: u32, stored_height: u32) -> Self {
        SourceInfo {
            format,
            stored_width,
            stored_height,
            orientation: Orientation::Identity,
            width: stored_width,
            height: stored_height,
            has_alpha: false,
            frames: 1,
            duration_ms: None,
            loop_count: None,
            has_icc: false,
            progressive: false,
            color_model: ColorModel::Rgb,
            bit_depth: 8,
        }
    }

    /// Sets the orientation and the oriented size.
    pub(crate) fn set_orientation(&mut self, orientation: Orientation) {
        self.orientation = orientation;
        (self.width, self.height) =
            orientation.oriented_size(self.stored_width, self.stored_height);
    }
}

/// The size a JPEG decodes to with `scale_denom` `d`: `(ceil(w/d), ceil(h/d))` for d in
/// {2, 4, 8}, `(w, h)` otherwise. Apply it to the stored size.
pub fn scaled_size(width: u32, height: u32, scale_denom: u8) -> (u32, u32) {
    match scale_denom {
        2 | 4 | 8 => {
            let d = u32::from(scale_denom);
            (width.div_ceil(d), height.div_ceil(d))
        }
        _ => (width, height),
    }
}

/// Rejects an input larger than `max_input_bytes`.
pub(crate) fn check_input_size(len: usize, limits: &Limits) -> Result<(), CodecError> {
    let bytes = u64::try_from(len).unwrap_or(u64::MAX);
    if bytes > limits.max_input_bytes {
        return Err(CodecError::InputTooLarge {
            bytes,
            max: limits.max_input_bytes,
        });
    }
    Ok(())
}

/// Fails with [`CodecError::LimitExceeded`] when `value > max`.
pub(crate) fn check_limit(
    format: ImageFormat,
    limit: LimitKind,
    value: u64,
    max: u64,
) -> Result<(), CodecError> {
    if value > max {
        return Err(CodecError::LimitExceeded {
            format,
            limit,
            value,
            max,
        });
    }
    Ok(())
}

/// Checks a metadata block (ICC profile, EXIF) against `max_metadata_bytes`.
pub(crate) fn check_metadata(
    format: ImageFormat,
    len: usize,
    limits: &Limits,
) -> Result<(), CodecError> {
    check_limit(
        format,
        LimitKind::MaxMetadataBytes,
        u64::try_from(len).unwrap_or(u64::MAX),
        u64::try_from(limits.max_metadata_bytes).unwrap_or(u64::MAX),
    )
}

/// The frame areas of a source, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FramePixels {
    /// The area of the largest frame: a decoder holds a whole frame before placing it on the
    /// canvas, so a frame larger than the canvas costs its own area, not the canvas's.
    pub largest: u64,
    /// The sum of the frame areas (the area itself for still images).
    pub total: u64,
}

impl FramePixels {
    /// The frame areas of a still image of `width`×`height`.
    pub(crate) fn still(width: u32, height: u32) -> Self {
        let area = u64::from(width) * u64::from(height);
        FramePixels {
            largest: area,
            total: area,
        }
    }
}

/// Checks the size and frame facts against the limits, in the order of the [`Limits`] fields.
/// The oriented size is compared with the width/height limits (it is what every later stage
/// sees); zero sides are corrupt.
pub(crate) fn check_source(
    info: &SourceInfo,
    frame_pixels: FramePixels,
    limits: &Limits,
) -> Result<(), CodecError> {
    let f = info.format;
    if info.stored_width == 0 || info.stored_height == 0 {
        return Err(CodecError::corrupt(
            f,
            format!(
                "header declares a {}x{} image",
                info.stored_width, info.stored_height
            ),
        ));
    }
    limits
        .check_source(info.width, info.height, frame_pixels.largest, info.frames)
        .map_err(|e| CodecError::limit(f, e))?;
    check_limit(
        f,
        LimitKind::MaxTotalFramePixels,
        frame_pixels.total,
        limits.max_total_frame_pixels,
    )?;
    limits
        .check_animation(info.width, info.height, info.frames)
        .map_err(|e| CodecError::limit(f, e))
}
