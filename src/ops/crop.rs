//! Integer cropping.

use super::buffer;
use super::error::{OpKind, OpsError};
use crate::pixels::Image;

const OP: OpKind = OpKind::Crop;

/// Byte range of each row that an `x`,`w` crop keeps, or the error for a rectangle that is
/// empty or not inside the image.
fn checked_rect(
    img: &Image,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
) -> Result<std::ops::Range<usize>, OpsError> {
    let outside = || OpsError::RectOutside {
        op: OP,
        rect: [x, y, w, h].map(u64::from),
        width: img.width(),
        height: img.height(),
    };
    let fits = |start: u32, len: u32, side: u32| start.checked_add(len).is_some_and(|e| e <= side);
    if w == 0 || h == 0 || !fits(x, w, img.width()) || !fits(y, h, img.height()) {
        return Err(outside());
    }
    let ch = img.layout().channels();
    // x + w <= width, and width * channels fits in memory (it is the image's stride).
    let start = x as usize * ch;
    Ok(start..start + w as usize * ch)
}

/// Copies the `w`×`h` rectangle at (`x`, `y`) into a new image of the same layout.
///
/// Errors: [`OpsError::RectOutside`] when the rectangle is empty or not inside the image.
pub fn crop(img: &Image, x: u32, y: u32, w: u32, h: u32) -> Result<Image, OpsError> {
    let cols = checked_rect(img, x, y, w, h)?;
    let mut data = buffer::with_capacity(OP, w, h, img.layout())?;
    for row in img
        .data()
        .chunks_exact(img.stride())
        .skip(y as usize)
        .take(h as usize)
    {
        data.extend_from_slice(row.get(cols.clone()).unwrap_or_default());
    }
    buffer::image_from(OP, w, h, img.layout(), data)
}

/// Like [`crop`], but reuses `img`'s buffer (the rows move down in place; no allocation).
pub fn crop_owned(img: Image, x: u32, y: u32, w: u32, h: u32) -> Result<Image, OpsError> {
    let cols = checked_rect(&img, x, y, w, h)?;
    if (w, h) == (img.width(), img.height()) {
        return Ok(img);
    }
    let (stride, layout) = (img.stride(), img.layout());
    let row_len = cols.len();
    let mut data = img.into_vec();
    let first = y as usize * stride;
    for i in 0..h as usize {
        // Row i of the crop lands at i * row_len, never past where it is read from
        // (first + i * stride + start), so earlier rows are never overwritten before use.
        let from = first + i * stride + cols.start;
        data.copy_within(from..from + row_len, i * row_len);
    }
    data.truncate(h as usize * row_len);
    buffer::image_from(OP, w, h, layout, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::PixelLayout;

    /// Pixel (x, y) holds [x, y, x + 10 * y].
    fn numbered(w: u32, h: u32) -> Image {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[x as u8, y as u8, (x + 10 * y) as u8]);
            }
        }
        Image::from_vec(w, h, PixelLayout::Rgb8, data).unwrap()
    }

    #[test]
    fn crops_exact_pixels() {
        let img = numbered(6, 5);
        let cases: [(u32, u32, u32, u32); 5] = [
            (0, 0, 6, 5),
            (1, 2, 3, 2),
            (5, 4, 1, 1),
            (0, 4, 6, 1),
            (2, 0, 1, 5),
        ];
        for (x, y, w, h) in cases {
            let mut expected = Vec::new();
            for yy in y..y + h {
                for xx in x..x + w {
                    expected.extend_from_slice(&[xx as u8, yy as u8, (xx + 10 * yy) as u8]);
                }
            }
            let out = crop(&img, x, y, w, h).unwrap();
            assert_eq!((out.width(), out.height()), (w, h));
            assert_eq!(out.data(), &expected[..], "{x},{y},{w},{h}");
            let owned = crop_owned(img.clone(), x, y, w, h).unwrap();
            assert_eq!(owned, out, "owned {x},{y},{w},{h}");
        }
    }

    #[test]
    fn rectangles_outside_are_errors() {
        let img = numbered(6, 5);
        let cases: [(u32, u32, u32, u32); 5] = [
            (0, 0, 7, 5),
            (6, 0, 1, 1),
            (0, 0, 0, 5),
            (0, 3, 6, 3),
            (u32::MAX, 0, 2, 1),
        ];
        for (x, y, w, h) in cases {
            let err = crop(&img, x, y, w, h).unwrap_err();
            assert_eq!(
                err,
                OpsError::RectOutside {
                    op: OpKind::Crop,
                    rect: [x, y, w, h].map(u64::from),
                    width: 6,
                    height: 5
                }
            );
            assert!(crop_owned(img.clone(), x, y, w, h).is_err());
        }
    }
}
