//! Reading the facts and a small preview out of image bytes.
//!
//! This is the only file of the module that touches a decoder: everything else works on the
//! [`Source`] it returns.

use std::io::Cursor;

use fast_image_resize::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::error::{internal, AnalyzeError};
use super::resize::{fit_within, resize};
use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::pixels::{Image, PixelLayout};

/// What analysis needs from a decoded image.
#[derive(Debug)]
pub(crate) struct Source {
    /// Oriented width (EXIF orientations 5–8 swap the stored sides).
    pub width: u32,
    /// Oriented height.
    pub height: u32,
    /// Whether the file has an alpha channel.
    pub has_alpha: bool,
    /// Whether every pixel of the full-resolution image is opaque.
    pub is_opaque: bool,
    /// The oriented image, downscaled so its longer side is at most the requested size;
    /// `Rgba8` when the file has alpha, else `Rgb8`.
    pub preview: Image,
}

/// Decodes `bytes` (already known to be `format`) within `limits`, and builds a preview whose
/// longer side is at most `preview_side`.
pub(crate) fn load(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
    preview_side: u32,
) -> Result<Source, AnalyzeError> {
    let decode_error = |e: image::ImageError| AnalyzeError::Decode {
        format,
        message: e.to_string(),
    };
    let image_format = match format {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Gif => image::ImageFormat::Gif,
        other => {
            return Err(AnalyzeError::UnsupportedFormat {
                format: other.extension(),
            })
        }
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder_limits = image::Limits::default();
    // 16 bytes per pixel covers the widest sample type (RGBA f32) plus the conversions below.
    decoder_limits.max_alloc = Some(limits.max_source_pixels.saturating_mul(16));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;

    let (width, height) = decoder.dimensions();
    check_size(width, height, limits)?;
    // A damaged EXIF block only loses the orientation, as browsers do.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let has_alpha = decoder.color_type().has_alpha();

    let full = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let is_opaque = !has_alpha || all_opaque(&full);
    let (layout, pixels) = if has_alpha {
        (PixelLayout::Rgba8, full.into_rgba8().into_raw())
    } else {
        (PixelLayout::Rgb8, full.into_rgb8().into_raw())
    };
    let full = Image::from_vec(width, height, layout, pixels).map_err(|e| internal("decode", e))?;
    let (pw, ph) = fit_within(width, height, preview_side);
    let small = resize(&full, pw, ph, FilterType::Bilinear)?;
    drop(full);
    let preview = orient(small, orientation)?;
    Ok(Source {
        width: if swaps_sides(orientation) {
            height
        } else {
            width
        },
        height: if swaps_sides(orientation) {
            width
        } else {
            height
        },
        has_alpha,
        is_opaque,
        preview,
    })
}

fn check_size(width: u32, height: u32, limits: &Limits) -> Result<(), AnalyzeError> {
    if width == 0 || height == 0 {
        return Err(AnalyzeError::EmptySource { width, height });
    }
    let too_large = |limit| AnalyzeError::SourceTooLarge {
        width,
        height,
        limit,
    };
    if width > limits.max_source_width {
        return Err(too_large("max_source_width"));
    }
    if height > limits.max_source_height {
        return Err(too_large("max_source_height"));
    }
    if u64::from(width) * u64::from(height) > limits.max_source_pixels {
        return Err(too_large("max_source_pixels"));
    }
    Ok(())
}

fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

fn all_opaque(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageLumaA8(b) => b.pixels().all(|p| p.0[1] == u8::MAX),
        DynamicImage::ImageRgba8(b) => b.pixels().all(|p| p.0[3] == u8::MAX),
        DynamicImage::ImageLumaA16(b) => b.pixels().all(|p| p.0[1] == u16::MAX),
        DynamicImage::ImageRgba16(b) => b.pixels().all(|p| p.0[3] == u16::MAX),
        DynamicImage::ImageRgba32F(b) => b.pixels().all(|p| p.0[3] >= 1.0),
        _ => true,
    }
}

/// Applies the EXIF orientation to the (small) preview.
fn orient(image: Image, orientation: Orientation) -> Result<Image, AnalyzeError> {
    if orientation == Orientation::NoTransforms {
        return Ok(image);
    }
    let (w, h, layout) = (image.width(), image.height(), image.layout());
    let mut dynamic = match layout {
        PixelLayout::Rgb8 => {
            image::RgbImage::from_raw(w, h, image.into_vec()).map(DynamicImage::from)
        }
        PixelLayout::Rgba8 => {
            image::RgbaImage::from_raw(w, h, image.into_vec()).map(DynamicImage::from)
        }
    }
    .ok_or_else(|| internal("orient", "preview buffer size mismatch"))?;
    dynamic.apply_orientation(orientation);
    let (w, h) = (dynamic.width(), dynamic.height());
    let data = match layout {
        PixelLayout::Rgb8 => dynamic.into_rgb8().into_raw(),
        PixelLayout::Rgba8 => dynamic.into_rgba8().into_raw(),
    };
    Image::from_vec(w, h, layout, data).map_err(|e| internal("orient", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_checks() {
        let limits = Limits {
            max_source_width: 100,
            max_source_height: 50,
            max_source_pixels: 4000,
            ..Limits::default()
        };
        let too_large = |width, height, limit| {
            Err(AnalyzeError::SourceTooLarge {
                width,
                height,
                limit,
            })
        };
        let cases = [
            ((100, 40), Ok(())),
            (
                (0, 10),
                Err(AnalyzeError::EmptySource {
                    width: 0,
                    height: 10,
                }),
            ),
            (
                (10, 0),
                Err(AnalyzeError::EmptySource {
                    width: 10,
                    height: 0,
                }),
            ),
            ((101, 1), too_large(101, 1, "max_source_width")),
            ((1, 51), too_large(1, 51, "max_source_height")),
            ((100, 41), too_large(100, 41, "max_source_pixels")),
        ];
        for ((w, h), want) in cases {
            assert_eq!(check_size(w, h, &limits), want, "{w}x{h}");
        }
    }
}
