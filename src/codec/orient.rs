//! EXIF orientation: turning a stored-orientation image upright.

use crate::pixels::{Image, PixelLayout};

/// Side of the square tiles the transposing orientations (5..=8) copy through, so that both
/// the rows read and the rows written stay in cache.
const TILE: usize = 64;

/// Applies EXIF orientation `orientation` (1..=8; anything else is treated as 1) and returns
/// the upright image. Orientations 5..=8 swap width and height.
///
/// | value | operation |
/// |---|---|
/// | 1 | none |
/// | 2 | mirror horizontally |
/// | 3 | rotate 180° |
/// | 4 | mirror vertically |
/// | 5 | transpose (mirror across the main diagonal) |
/// | 6 | rotate 90° clockwise |
/// | 7 | transverse (mirror across the anti-diagonal) |
/// | 8 | rotate 90° counter-clockwise |
pub fn apply_orientation(image: Image, orientation: u8) -> Image {
    match image.layout() {
        PixelLayout::Rgb8 => orient::<3>(image, orientation),
        PixelLayout::Rgba8 => orient::<4>(image, orientation),
    }
}

fn orient<const N: usize>(mut image: Image, orientation: u8) -> Image {
    let stride = image.stride();
    match orientation {
        2 => image
            .data_mut()
            .chunks_exact_mut(stride.max(1))
            .for_each(mirror_row::<N>),
        3 => mirror_row::<N>(image.data_mut()),
        4 => flip_vertical(image.data_mut(), stride),
        5..=8 => return transposed::<N>(&image, orientation),
        _ => {}
    }
    image
}

/// Reverses the order of the pixels in `row` (or in a whole buffer: that is a 180° turn).
fn mirror_row<const N: usize>(row: &mut [u8]) {
    row.reverse();
    row.chunks_exact_mut(N).for_each(<[u8]>::reverse);
}

fn flip_vertical(data: &mut [u8], stride: usize) {
    if stride == 0 {
        return;
    }
    let rows = data.len() / stride;
    let (top, mut bottom) = data.split_at_mut(rows / 2 * stride);
    // With an odd row count the middle row stays where it is.
    if rows % 2 == 1 {
        bottom = bottom.get_mut(stride..).unwrap_or_default();
    }
    for (a, b) in top
        .chunks_exact_mut(stride)
        .zip(bottom.chunks_exact_mut(stride).rev())
    {
        a.swap_with_slice(b);
    }
}

/// Orientations 5..=8: output pixel (x, y) of the `h × w` result is read from the source pixel
/// that the orientation maps there; copied tile by tile.
fn transposed<const N: usize>(image: &Image, orientation: u8) -> Image {
    // u32 → usize is lossless on the 32/64-bit targets this crate builds for.
    let (sw, sh) = (image.width() as usize, image.height() as usize);
    let ow = sh;
    let src = image.data();
    let mut out = vec![0u8; src.len()];
    // Source coordinates of output pixel (ox, oy).
    let source = |ox: usize, oy: usize| -> (usize, usize) {
        match orientation {
            5 => (oy, ox),
            6 => (oy, sh - 1 - ox),
            7 => (sw - 1 - oy, sh - 1 - ox),
            _ => (sw - 1 - oy, ox),
        }
    };
    let out_stride = ow * N;
    if out_stride > 0 {
        for (band_index, band) in out.chunks_mut(out_stride * TILE).enumerate() {
            let oy0 = band_index * TILE;
            for ox0 in (0..ow).step_by(TILE) {
                let ox1 = (ox0 + TILE).min(ow);
                for (r, row) in band.chunks_exact_mut(out_stride).enumerate() {
                    let oy = oy0 + r;
                    let Some(part) = row.get_mut(ox0 * N..ox1 * N) else {
                        continue;
                    };
                    for (i, px) in part.chunks_exact_mut(N).enumerate() {
                        let (sx, sy) = source(ox0 + i, oy);
                        let at = (sy * sw + sx) * N;
                        if let Some(s) = src.get(at..at + N) {
                            px.copy_from_slice(s);
                        }
                    }
                }
            }
        }
    }
    match Image::from_vec(image.height(), image.width(), image.layout(), out) {
        Ok(img) => img,
        // Unreachable: the buffer has the source's length and the sides are swapped.
        Err(_) => image.clone(),
    }
}
