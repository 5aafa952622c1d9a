//! The eight orientations of an image (the symmetry group of the square), in EXIF numbering.
//!
//! Every orientation is stored as "transpose or not, then mirror horizontally and/or
//! vertically". That makes composition a few boolean operations, and lets the pipeline
//! resize the stored image first and orient the small result afterwards
//! ([`Orientation::map_rect`] carries a window back to stored coordinates).

use super::error::{OpKind, OpsError};
use super::resize::SourceWindow;
use crate::pixels::{BufferPool, Image, PixelLayout};

/// One of the eight rotations/mirrorings of an image. The discriminants are the EXIF
/// `Orientation` tag values, which say how to turn the *stored* pixels into the *displayed*
/// (oriented) image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// 1: as stored.
    #[default]
    Identity = 1,
    /// 2: mirrored left to right.
    FlipHorizontal = 2,
    /// 3: rotated 180°.
    Rotate180 = 3,
    /// 4: mirrored top to bottom.
    FlipVertical = 4,
    /// 5: mirrored along the top-left to bottom-right diagonal.
    Transpose = 5,
    /// 6: rotated 90° clockwise.
    Rotate90 = 6,
    /// 7: mirrored along the top-right to bottom-left diagonal.
    Transverse = 7,
    /// 8: rotated 270° clockwise (90° counter-clockwise).
    Rotate270 = 8,
}

/// Transpose first?, then mirror x?, then mirror y? — the normal form of each element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts {
    transpose: bool,
    flip_x: bool,
    flip_y: bool,
}

const ALL: [Orientation; 8] = [
    Orientation::Identity,
    Orientation::FlipHorizontal,
    Orientation::Rotate180,
    Orientation::FlipVertical,
    Orientation::Transpose,
    Orientation::Rotate90,
    Orientation::Transverse,
    Orientation::Rotate270,
];

/// Serialized as the EXIF tag value (1–8), the number image tools print.
impl serde::Serialize for Orientation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.exif())
    }
}

impl Orientation {
    /// All eight orientations in EXIF order (1 to 8).
    pub const ALL: [Orientation; 8] = ALL;

    /// The orientation for an EXIF `Orientation` tag value; `None` outside 1–8.
    pub fn from_exif(value: u8) -> Option<Self> {
        ALL.get(usize::from(value).checked_sub(1)?).copied()
    }

    /// The EXIF `Orientation` tag value (1–8).
    pub fn exif(self) -> u8 {
        self as u8
    }

    /// A clockwise rotation by `degrees` (0, 90, 180 or 270; `None` otherwise).
    pub fn rotate_cw(degrees: u16) -> Option<Self> {
        match degrees {
            0 => Some(Orientation::Identity),
            90 => Some(Orientation::Rotate90),
            180 => Some(Orientation::Rotate180),
            270 => Some(Orientation::Rotate270),
            _ => None,
        }
    }

    /// Mirroring left to right (`horizontal`) and/or top to bottom (`vertical`); both is a
    /// 180° rotation.
    pub fn flip(horizontal: bool, vertical: bool) -> Self {
        Self::from_parts(Parts {
            transpose: false,
            flip_x: horizontal,
            flip_y: vertical,
        })
    }

    fn parts(self) -> Parts {
        let p = |transpose, flip_x, flip_y| Parts {
            transpose,
            flip_x,
            flip_y,
        };
        match self {
            Orientation::Identity => p(false, false, false),
            Orientation::FlipHorizontal => p(false, true, false),
            Orientation::Rotate180 => p(false, true, true),
            Orientation::FlipVertical => p(false, false, true),
            Orientation::Transpose => p(true, false, false),
            Orientation::Rotate90 => p(true, true, false),
            Orientation::Transverse => p(true, true, true),
            Orientation::Rotate270 => p(true, false, true),
        }
    }

    fn from_parts(p: Parts) -> Self {
        match (p.transpose, p.flip_x, p.flip_y) {
            (false, false, false) => Orientation::Identity,
            (false, true, false) => Orientation::FlipHorizontal,
            (false, true, true) => Orientation::Rotate180,
            (false, false, true) => Orientation::FlipVertical,
            (true, false, false) => Orientation::Transpose,
            (true, true, false) => Orientation::Rotate90,
            (true, true, true) => Orientation::Transverse,
            (true, false, true) => Orientation::Rotate270,
        }
    }

    /// The orientation that applies `self` and then `next`.
    pub fn then(self, next: Orientation) -> Orientation {
        let (a, b) = (self.parts(), next.parts());
        // b.T · a.F = a.F' · b.T, where a.F' swaps the axes of a's mirrors when b transposes.
        let (ax, ay) = if b.transpose {
            (a.flip_y, a.flip_x)
        } else {
            (a.flip_x, a.flip_y)
        };
        Self::from_parts(Parts {
            transpose: a.transpose ^ b.transpose,
            flip_x: ax ^ b.flip_x,
            flip_y: ay ^ b.flip_y,
        })
    }

    /// The orientation that undoes `self`.
    pub fn inverse(self) -> Orientation {
        let p = self.parts();
        if p.transpose {
            Self::from_parts(Parts {
                transpose: true,
                flip_x: p.flip_y,
                flip_y: p.flip_x,
            })
        } else {
            self
        }
    }

    /// Whether width and height trade places (the 90° and 270° turns and the diagonal
    /// mirrors).
    pub fn swaps_axes(self) -> bool {
        self.parts().transpose
    }

    /// The size of a `width`×`height` stored image once oriented.
    pub fn oriented_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_axes() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// Maps `rect`, given in the coordinates of the oriented image, to the same pixels'
    /// rectangle in the stored `stored_width`×`stored_height` image. Cropping the stored
    /// image there and orienting the result equals orienting first and cropping `rect`.
    pub fn map_rect(
        self,
        rect: SourceWindow,
        stored_width: u32,
        stored_height: u32,
    ) -> SourceWindow {
        let p = self.parts();
        let (sw, sh) = (f64::from(stored_width), f64::from(stored_height));
        let mirror = |start: f64, len: f64, extent: f64| extent - start - len;
        // Oriented x comes from stored y when transposed (and vice versa); the mirrors act in
        // the oriented frame, whose extents are the stored ones swapped.
        let (ox_extent, oy_extent) = if p.transpose { (sh, sw) } else { (sw, sh) };
        let ox = if p.flip_x {
            mirror(rect.left, rect.width, ox_extent)
        } else {
            rect.left
        };
        let oy = if p.flip_y {
            mirror(rect.top, rect.height, oy_extent)
        } else {
            rect.top
        };
        if p.transpose {
            SourceWindow {
                left: oy,
                top: ox,
                width: rect.height,
                height: rect.width,
            }
        } else {
            SourceWindow {
                left: ox,
                top: oy,
                width: rect.width,
                height: rect.height,
            }
        }
    }

    /// The oriented copy of `img`.
    pub fn apply(self, img: &Image) -> Result<Image, OpsError> {
        match img.layout() {
            PixelLayout::Rgb8 => self.apply_n::<3>(img, Vec::new()),
            PixelLayout::Rgba8 => self.apply_n::<4>(img, Vec::new()),
        }
    }

    /// Like [`Orientation::apply`], but the identity returns `img` as is and the mirrors
    /// and the 180° turn work in place (no allocation).
    pub fn apply_owned(self, img: Image) -> Result<Image, OpsError> {
        self.apply_pooled(img, &mut BufferPool::new())
    }

    /// Like [`Orientation::apply_owned`]; the quarter turns write into a buffer from `pool`
    /// and give `img`'s buffer back to it.
    pub fn apply_pooled(self, mut img: Image, pool: &mut BufferPool) -> Result<Image, OpsError> {
        let p = self.parts();
        if p.transpose {
            let (ow, oh) = self.oriented_size(img.width(), img.height());
            let len = super::buffer::checked_len(OpKind::Orient, ow, oh, img.layout())?;
            let out = pool.take(len).unwrap_or_default();
            let turned = match img.layout() {
                PixelLayout::Rgb8 => self.apply_n::<3>(&img, out),
                PixelLayout::Rgba8 => self.apply_n::<4>(&img, out),
            }?;
            pool.give(img.into_vec());
            return Ok(turned);
        }
        match img.layout() {
            PixelLayout::Rgb8 => flip_in_place::<3>(&mut img, p.flip_x, p.flip_y),
            PixelLayout::Rgba8 => flip_in_place::<4>(&mut img, p.flip_x, p.flip_y),
        }
        Ok(img)
    }

    /// Writes the oriented image into `buffer` (any length: it is sized here, and every byte
    /// is overwritten).
    fn apply_n<const C: usize>(self, img: &Image, buffer: Vec<u8>) -> Result<Image, OpsError> {
        let p = self.parts();
        let (w, h) = (img.width(), img.height());
        let (ow, oh) = self.oriented_size(w, h);
        let (src, _) = img.data().as_chunks::<C>();
        let mut out = super::buffer::resize_buffer(OpKind::Orient, buffer, ow, oh, img.layout())?;
        let (dst, _) = out.as_chunks_mut::<C>();
        if p.transpose {
            transpose_tiled(src, dst, w as usize, h as usize, p.flip_x, p.flip_y);
        } else {
            let wu = w as usize;
            let rows = dst.chunks_exact_mut(wu);
            let src_rows = src.chunks_exact(wu);
            let copy_row = |d: &mut [[u8; C]], s: &[[u8; C]]| {
                if p.flip_x {
                    d.iter_mut().zip(s.iter().rev()).for_each(|(d, s)| *d = *s);
                } else {
                    d.copy_from_slice(s);
                }
            };
            if p.flip_y {
                rows.zip(src_rows.rev()).for_each(|(d, s)| copy_row(d, s));
            } else {
                rows.zip(src_rows).for_each(|(d, s)| copy_row(d, s));
            }
        }
        super::buffer::image_from(OpKind::Orient, ow, oh, img.layout(), out)
    }
}

/// Side of the square tiles the transpose walks: 32 pixels of 4 bytes keep a tile's source
/// rows and destination rows in L1 together.
const TILE: usize = 32;

/// Writes the transpose of the `w`×`h` image `src` into `dst` (`h`×`w`), then mirrored:
/// `flip_x` reverses each destination row, `flip_y` reverses the row order.
fn transpose_tiled<const C: usize>(
    src: &[[u8; C]],
    dst: &mut [[u8; C]],
    w: usize,
    h: usize,
    flip_x: bool,
    flip_y: bool,
) {
    let mut tile_rows: Vec<&[[u8; C]]> = Vec::with_capacity(TILE);
    for y0 in (0..h).step_by(TILE) {
        let y1 = (y0 + TILE).min(h);
        // Destination columns for source rows y0..y1 (mirrored when flip_x).
        let cols = if flip_x { h - y1..h - y0 } else { y0..y1 };
        for x0 in (0..w).step_by(TILE) {
            let x1 = (x0 + TILE).min(w);
            tile_rows.clear();
            tile_rows.extend(
                src.chunks_exact(w)
                    .skip(y0)
                    .take(y1 - y0)
                    .map(|row| row.get(x0..x1).unwrap_or_default()),
            );
            for (j, x) in (x0..x1).enumerate() {
                let out_row = if flip_y { w - 1 - x } else { x };
                let start = out_row * h;
                let Some(seg) = dst.get_mut(start + cols.start..start + cols.end) else {
                    continue;
                };
                let column = tile_rows
                    .iter()
                    .map(|row| row.get(j).copied().unwrap_or([0; C]));
                if flip_x {
                    seg.iter_mut().rev().zip(column).for_each(|(d, s)| *d = s);
                } else {
                    seg.iter_mut().zip(column).for_each(|(d, s)| *d = s);
                }
            }
        }
    }
}

fn flip_in_place<const C: usize>(img: &mut Image, flip_x: bool, flip_y: bool) {
    let w = img.width() as usize;
    let h = img.height() as usize;
    let (px, _) = img.data_mut().as_chunks_mut::<C>();
    if flip_x {
        px.chunks_exact_mut(w).for_each(<[[u8; C]]>::reverse);
    }
    if flip_y {
        let (top, bottom) = px.split_at_mut(w * (h / 2));
        // With an odd height the middle row stays put: skip it at the start of `bottom`.
        let bottom_rows = bottom.chunks_exact_mut(w).skip(h % 2).rev();
        top.chunks_exact_mut(w)
            .zip(bottom_rows)
            .for_each(|(a, b)| a.swap_with_slice(b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small asymmetric RGBA image: every pixel distinct.
    fn numbered(w: u32, h: u32, layout: PixelLayout) -> Image {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(
                    &[x as u8, y as u8, (x * 3 + y * 7) as u8, 255 - x as u8][..layout.channels()],
                );
            }
        }
        Image::from_vec(w, h, layout, data).unwrap()
    }

    fn pixel(img: &Image, x: u32, y: u32) -> Vec<u8> {
        let ch = img.layout().channels();
        let i = (y as usize * img.width() as usize + x as usize) * ch;
        img.data()[i..i + ch].to_vec()
    }

    #[test]
    fn exif_numbers_round_trip() {
        for v in 0..=9u8 {
            let o = Orientation::from_exif(v);
            assert_eq!(o.map(Orientation::exif), (1..=8).contains(&v).then_some(v));
        }
    }

    #[test]
    fn each_orientation_moves_corners_as_exif_says() {
        // Stored 3x2 image; where does the stored top-left pixel (0,0) land, and the size?
        let img = numbered(3, 2, PixelLayout::Rgb8);
        type Point = (u32, u32);
        let cases: [(u8, Point, Point); 8] = [
            (1, (3, 2), (0, 0)),
            (2, (3, 2), (2, 0)),
            (3, (3, 2), (2, 1)),
            (4, (3, 2), (0, 1)),
            (5, (2, 3), (0, 0)),
            (6, (2, 3), (1, 0)),
            (7, (2, 3), (1, 2)),
            (8, (2, 3), (0, 2)),
        ];
        for (exif, size, at) in cases {
            let o = Orientation::from_exif(exif).unwrap();
            let out = o.apply(&img).unwrap();
            assert_eq!((out.width(), out.height()), size, "exif {exif}");
            assert_eq!(pixel(&out, at.0, at.1), pixel(&img, 0, 0), "exif {exif}");
            assert_eq!(o.swaps_axes(), size == (2, 3));
        }
    }

    #[test]
    fn rotation_and_flip_constructors() {
        use Orientation as O;
        let rotations = [
            (0, O::Identity),
            (90, O::Rotate90),
            (180, O::Rotate180),
            (270, O::Rotate270),
        ];
        for (deg, o) in rotations {
            assert_eq!(O::rotate_cw(deg), Some(o));
        }
        assert_eq!(O::rotate_cw(45), None);
        assert_eq!(O::flip(false, false), O::Identity);
        assert_eq!(O::flip(true, false), O::FlipHorizontal);
        assert_eq!(O::flip(false, true), O::FlipVertical);
        assert_eq!(O::flip(true, true), O::Rotate180);
        assert_eq!(O::Rotate90.then(O::Rotate90), O::Rotate180);
        assert_eq!(O::Rotate90.then(O::Rotate180), O::Rotate270);
    }

    #[test]
    fn composition_matches_applying_step_by_step() {
        for layout in [PixelLayout::Rgb8, PixelLayout::Rgba8] {
            // Odd and even sides, and one larger than a tile, so the tiling edges are covered.
            for (w, h) in [(5, 3), (4, 7), (37, 70)] {
                let img = numbered(w, h, layout);
                for a in Orientation::ALL {
                    let once = a.apply(&img).unwrap();
                    assert_eq!(a.apply_owned(img.clone()).unwrap(), once, "owned {a:?}");
                    assert_eq!(a.inverse().apply(&once).unwrap(), img, "inverse {a:?}");
                    assert_eq!(a.then(a.inverse()), Orientation::Identity);
                    for b in Orientation::ALL {
                        let stepwise = b.apply(&once).unwrap();
                        let composed = a.then(b).apply(&img).unwrap();
                        assert_eq!(composed, stepwise, "{a:?} then {b:?} on {w}x{h}");
                    }
                }
            }
        }
    }

    #[test]
    fn map_rect_matches_apply() {
        use super::super::crop::crop;
        let (w, h) = (7, 5);
        let img = numbered(w, h, PixelLayout::Rgb8);
        for o in Orientation::ALL {
            let oriented = o.apply(&img).unwrap();
            let (ow, oh) = o.oriented_size(w, h);
            for (l, t, rw, rh) in [
                (0, 0, ow, oh),
                (1, 2, 2, 1),
                (0, 1, 3, 2),
                (ow - 1, oh - 1, 1, 1),
            ] {
                let rect = SourceWindow {
                    left: f64::from(l),
                    top: f64::from(t),
                    width: f64::from(rw),
                    height: f64::from(rh),
                };
                let m = o.map_rect(rect, w, h);
                let stored = crop(
                    &img,
                    m.left as u32,
                    m.top as u32,
                    m.width as u32,
                    m.height as u32,
                )
                .unwrap();
                let expected = crop(&oriented, l, t, rw, rh).unwrap();
                assert_eq!(
                    o.apply(&stored).unwrap(),
                    expected,
                    "{o:?} {l},{t},{rw},{rh}"
                );
            }
        }
    }

    #[test]
    fn resizing_before_orienting_matches_orienting_first() {
        use super::super::resize::{resize, Filter};
        let (w, h) = (40u32, 24u32);
        // Smooth ramps: resampling rounds the same way in any direction, within 1.
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(
                    &[x * 6, y * 10, x * 3 + y * 4, 255 - x * 2].map(|v| v as u8),
                );
            }
        }
        let img = Image::from_vec(w, h, PixelLayout::Rgba8, data).unwrap();
        let rect = SourceWindow {
            left: 2.5,
            top: 3.0,
            width: 15.0,
            height: 30.25,
        };
        for o in Orientation::ALL {
            let (ow, oh) = o.oriented_size(w, h);
            let rect = if o.swaps_axes() {
                rect
            } else {
                SourceWindow {
                    width: rect.height,
                    height: rect.width,
                    ..rect
                }
            };
            assert!(
                rect.left + rect.width <= f64::from(ow) && rect.top + rect.height <= f64::from(oh)
            );
            let (dw, dh) = (7, 11);
            let first = resize(&o.apply(&img).unwrap(), rect, dw, dh, Filter::Lanczos3).unwrap();
            let (sw, sh) = if o.swaps_axes() { (dh, dw) } else { (dw, dh) };
            let small = resize(&img, o.map_rect(rect, w, h), sw, sh, Filter::Lanczos3).unwrap();
            let after = o.apply(&small).unwrap();
            assert_eq!((after.width(), after.height()), (dw, dh));
            // Mirrors commute exactly; a transpose swaps which axis is filtered first, and each
            // order rounds its intermediate on its own (±1 each).
            let diffs: Vec<u8> = after
                .data()
                .iter()
                .zip(first.data())
                .map(|(a, b)| a.abs_diff(*b))
                .collect();
            let max = diffs.iter().copied().max().unwrap_or(0);
            let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
            let exact = !o.swaps_axes() && max == 0;
            assert!(
                exact || (o.swaps_axes() && max <= 2 && mean <= 0.1),
                "{o:?}: max {max}, mean {mean}"
            );
        }
    }

    #[test]
    fn map_rect_keeps_fractions() {
        let rect = SourceWindow {
            left: 0.5,
            top: 1.25,
            width: 2.0,
            height: 3.0,
        };
        let m = Orientation::Rotate90.map_rect(rect, 10, 4);
        // Oriented 4x10; x' = 4 - 1 - y mirrored, so stored y spans [4 - 0.5 - 2, 4 - 0.5).
        assert_eq!(
            m,
            SourceWindow {
                left: 1.25,
                top: 1.5,
                width: 3.0,
                height: 2.0
            }
        );
    }
}
