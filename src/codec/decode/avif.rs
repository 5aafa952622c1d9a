//! AVIF decode (feature `avif-decode`). The container is pixform's own HEIF parser
//! (`header/heif.rs`); each coded item (the image or its grid tiles, and the alpha item) is
//! decoded by libdav1d on one thread with the frame area capped by the item's `ispe` (and
//! [`Limits::max_source_pixels`]), then converted to 8-bit RGB by [`to_rgb`] with the matrix
//! and range of the `nclx` `colr` box, else of the AV1 sequence header, else BT.601.

use dav1d::{Decoder, PixelLayout, PlanarImageComponent, Settings};

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::heif::{self, Coded, CropRect, Item};

const F: ImageFormat = ImageFormat::Avif;

fn corrupt(detail: impl std::fmt::Display) -> CodecError {
    CodecError::corrupt(F, detail)
}

/// Decodes the primary image (and its alpha item) of an AVIF file in stored orientation: the
/// `clap` crop applied, `irot`/`imir` left to the caller (the header reports them). Returns
/// the ICC profile when the file has one.
pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    let c = heif::parse(bytes, F)?;
    // The header check limited the coded size (`read_header` runs first): the canvases are
    // within `max_source_pixels`.
    let (width, height) = c.coded_size;
    let pixels = width as usize * height as usize;
    let mut rgb = vec![0u8; pixels * 3];
    let mut grey = true;
    decode_coded(bytes, c.idat, &c.image, limits, |pic, colour, x, y| {
        grey &= pic.pixel_layout() == PixelLayout::I400;
        let matrix = match c.nclx {
            Some(n) => Matrix::from_cicp(n.matrix, n.full_range)?,
            None => colour.map_or(Ok(Matrix::BT601_LIMITED), |(m, full)| {
                Matrix::from_cicp(m, full)
            })?,
        };
        to_rgb(pic, matrix, &mut rgb, width, (x, y))
    })?;
    let alpha = match &c.alpha_image {
        Some(a) => {
            if a.size() != (width, height) {
                return Err(corrupt(format!(
                    "alpha item is {}x{}, the image {width}x{height}",
                    a.size().0,
                    a.size().1
                )));
            }
            let mut plane = vec![0u8; pixels];
            decode_coded(bytes, c.idat, a, limits, |pic, colour, x, y| {
                // Alpha is full range unless its sequence header says otherwise (libavif).
                let full = colour.is_none_or(|(_, full)| full);
                to_alpha(pic, full, &mut plane, width, (x, y))
            })?;
            Some(plane)
        }
        None => None,
    };
    let crop = c.crop.unwrap_or((0, 0, width, height));
    let samples = assemble(rgb, alpha, grey, (width, height), crop);
    Ok((samples, c.icc.map(<[u8]>::to_vec)))
}

/// The (matrix coefficients, full range) of an AV1 sequence header.
type SeqColour = Option<(u16, bool)>;

/// Decodes every tile of `coded` and hands each picture, its sequence header's colour
/// description and its position to `put`.
fn decode_coded(
    bytes: &[u8],
    idat: &[u8],
    coded: &Coded,
    limits: &Limits,
    mut put: impl FnMut(&dav1d::Picture, SeqColour, u32, u32) -> Result<(), CodecError>,
) -> Result<(), CodecError> {
    let columns = coded.grid.as_ref().map_or(1, |g| u32::from(g.columns));
    for (i, (item, size)) in coded.tiles.iter().enumerate() {
        // libdav1d refuses a frame larger than the item declares before allocating it.
        let area =
            (u64::from(size.0) * u64::from(size.1)).clamp(1, limits.max_source_pixels.max(1));
        let (pic, colour) = decode_item(bytes, idat, item, area)?;
        if (pic.width(), pic.height()) != *size {
            return Err(corrupt(format!(
                "AV1 frame is {}x{}, its 'ispe' says {}x{}",
                pic.width(),
                pic.height(),
                size.0,
                size.1
            )));
        }
        // A grid has at most 256 × 256 tiles.
        let i = i as u32;
        put(&pic, colour, i % columns * size.0, i / columns * size.1)?;
    }
    Ok(())
}

/// One AV1 item through libdav1d.
fn decode_item(
    bytes: &[u8],
    idat: &[u8],
    item: &Item,
    max_area: u64,
) -> Result<(dav1d::Picture, SeqColour), CodecError> {
    let data = heif::item_data(F, bytes, idat, item)?;
    let colour = sequence_colour(&data);
    let mut settings = Settings::new();
    // One image, one thread: a server scales by processes (docs/measurements.md).
    settings.set_n_threads(1);
    settings.set_max_frame_delay(1);
    settings.set_frame_size_limit(u32::try_from(max_area).unwrap_or(u32::MAX));
    let mut decoder = Decoder::with_settings(&settings)
        .map_err(|e| CodecError::internal(F, format!("AV1 decoder: {e}")))?;
    let av1 = |e: dav1d::Error| {
        corrupt(match e {
            // ERANGE: the frame-size limit (the item's declared area).
            dav1d::Error::UnknownError(-34) => {
                "AV1 frame larger than its 'ispe' declares".to_owned()
            }
            e => format!("AV1 bitstream: {e}"),
        })
    };
    if data.is_empty() {
        return Err(corrupt("empty AV1 item"));
    }
    match decoder.send_data(data, None, None, None) {
        Ok(()) | Err(dav1d::Error::Again) => {}
        Err(e) => return Err(av1(e)),
    }
    // A still image is one frame: a few rounds of feeding what is left and asking for the
    // picture are enough; a payload that yields none is corrupt (truncated, most often).
    for _ in 0..8 {
        match decoder.get_picture() {
            Ok(pic) => return Ok((pic, colour)),
            Err(dav1d::Error::Again) => match decoder.send_pending_data() {
                Ok(()) | Err(dav1d::Error::Again) => {}
                Err(e) => return Err(av1(e)),
            },
            Err(e) => return Err(av1(e)),
        }
    }
    Err(corrupt("AV1 item holds no complete frame"))
}

/// YCbCr → RGB coefficients: `R = Y + cr_r·Cr`, `G = Y − cb_g·Cb − cr_g·Cr`, `B = Y + cb_b·Cb`,
/// or the identity matrix (GBR planes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix {
    kr: f32,
    kb: f32,
    identity: bool,
    full_range: bool,
}

impl Matrix {
    /// The last resort, as libavif and libheif take it for unspecified matrices.
    const BT601_LIMITED: Matrix = Matrix {
        kr: 0.299,
        kb: 0.114,
        identity: false,
        full_range: false,
    };

    /// The matrix of an ITU-T H.273 `matrix_coefficients` code point.
    fn from_cicp(code: u16, full_range: bool) -> Result<Matrix, CodecError> {
        let (kr, kb) = match code {
            0 => {
                return Ok(Matrix {
                    identity: true,
                    full_range,
                    ..Matrix::BT601_LIMITED
                })
            }
            1 => (0.2126, 0.0722),
            // 2 = unspecified, 3 = reserved: BT.601, as libavif and libheif.
            2 | 3 | 5 | 6 => (0.299, 0.114),
            4 => (0.30, 0.11),
            7 => (0.212, 0.087),
            9 | 10 => (0.2627, 0.0593),
            other => {
                return Err(CodecError::unsupported(
                    F,
                    format!("YCbCr matrix coefficients {other} (ITU-T H.273)"),
                ))
            }
        };
        Ok(Matrix {
            kr,
            kb,
            identity: false,
            full_range,
        })
    }
}

/// Reads one sample of a plane (8 or 16 bits per sample, native byte order).
#[derive(Clone, Copy)]
struct Plane<'a> {
    data: &'a [u8],
    stride: usize,
    wide: bool,
}

impl Plane<'_> {
    #[inline]
    fn get(&self, x: usize, y: usize) -> f32 {
        let at = y * self.stride;
        let v = if self.wide {
            let i = at + 2 * x;
            match self.data.get(i..i + 2) {
                Some(&[a, b]) => u16::from_ne_bytes([a, b]),
                _ => 0,
            }
        } else {
            self.data.get(at + x).copied().map_or(0, u16::from)
        };
        f32::from(v)
    }
}

/// The three planes of a picture (the chroma ones empty for monochrome), their subsampling
/// shifts, and the sample scale of its bit depth.
struct Planes {
    y: dav1d::Plane,
    u: Option<(dav1d::Plane, dav1d::Plane)>,
    shift: (u32, u32),
    strides: [usize; 2],
    wide: bool,
    bits: u32,
}

impl Planes {
    fn of(pic: &dav1d::Picture) -> Planes {
        use PlanarImageComponent::{U, V, Y};
        let shift = match pic.pixel_layout() {
            PixelLayout::I420 => (1, 1),
            PixelLayout::I422 => (1, 0),
            PixelLayout::I444 | PixelLayout::I400 => (0, 0),
        };
        let bits = pic
            .bits_per_component()
            .map_or(8, |b| b.0 as u32)
            .clamp(8, 16);
        Planes {
            y: pic.plane(Y),
            u: (pic.pixel_layout() != PixelLayout::I400).then(|| (pic.plane(U), pic.plane(V))),
            shift,
            strides: [pic.stride(Y) as usize, pic.stride(U) as usize],
            wide: pic.bit_depth() > 8,
            bits,
        }
    }

    fn luma(&self) -> Plane<'_> {
        Plane {
            data: &self.y,
            stride: self.strides[0],
            wide: self.wide,
        }
    }

    fn chroma(&self) -> Option<(Plane<'_>, Plane<'_>)> {
        let stride = self.strides[1];
        let wide = self.wide;
        self.u.as_ref().map(|(u, v)| {
            (
                Plane {
                    data: u,
                    stride,
                    wide,
                },
                Plane {
                    data: v,
                    stride,
                    wide,
                },
            )
        })
    }
}

/// The normalising of samples of `bits` bits: `(value − offset) · scale` gives 0..1 for luma
/// and −0.5..0.5 for chroma.
fn ranges(bits: u32, full: bool) -> ((f32, f32), (f32, f32)) {
    let s = (1u32 << (bits - 8)) as f32;
    let max = ((1u32 << bits) - 1) as f32;
    let half = (1u32 << (bits - 1)) as f32;
    if full {
        ((0.0, 1.0 / max), (half, 1.0 / max))
    } else {
        (
            (16.0 * s, 1.0 / (219.0 * s)),
            (128.0 * s, 1.0 / (224.0 * s)),
        )
    }
}

#[inline]
fn to_u8(v: f32) -> u8 {
    // Saturating float → int cast: NaN is 0.
    (v * 255.0 + 0.5).clamp(0.0, 255.0) as u8
}

/// Converts a picture into the RGB canvas of width `canvas_w` at `at`, clipped to the canvas
/// (grid tiles may reach past the grid's size). Chroma is upsampled by replication, as
/// libheif does.
fn to_rgb(
    pic: &dav1d::Picture,
    m: Matrix,
    rgb: &mut [u8],
    canvas_w: u32,
    at: (u32, u32),
) -> Result<(), CodecError> {
    let planes = Planes::of(pic);
    let ((y_off, y_scale), (c_off, c_scale)) = ranges(planes.bits, m.full_range);
    // Identity (GBR) planes share the luma range.
    let (c_off, c_scale) = if m.identity {
        (y_off, y_scale)
    } else {
        (c_off, c_scale)
    };
    let kg = 1.0 - m.kr - m.kb;
    let cr_r = 2.0 * (1.0 - m.kr);
    let cb_b = 2.0 * (1.0 - m.kb);
    let cb_g = 2.0 * m.kb * (1.0 - m.kb) / kg;
    let cr_g = 2.0 * m.kr * (1.0 - m.kr) / kg;
    let luma = planes.luma();
    let chroma = planes.chroma();
    let (sx, sy) = planes.shift;
    let canvas_w = canvas_w as usize;
    let rows = rgb.len() / 3 / canvas_w.max(1);
    let (x0, y0) = (at.0 as usize, at.1 as usize);
    let w = (pic.width() as usize).min(canvas_w.saturating_sub(x0));
    let h = (pic.height() as usize).min(rows.saturating_sub(y0));
    for y in 0..h {
        let start = ((y0 + y) * canvas_w + x0) * 3;
        let Some(row) = rgb.get_mut(start..start + w * 3) else {
            return Err(CodecError::internal(F, "tile outside the canvas"));
        };
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let l = (luma.get(x, y) - y_off) * y_scale;
            let out = match chroma {
                None => [l; 3],
                Some((u, v)) => {
                    let (cx, cy) = (x >> sx, y >> sy);
                    let cb = (u.get(cx, cy) - c_off) * c_scale;
                    let cr = (v.get(cx, cy) - c_off) * c_scale;
                    if m.identity {
                        [cr, l, cb]
                    } else {
                        [l + cr_r * cr, l - cb_g * cb - cr_g * cr, l + cb_b * cb]
                    }
                }
            };
            px.copy_from_slice(&out.map(to_u8));
        }
    }
    Ok(())
}

/// Writes the luma plane of an alpha picture into the alpha canvas (see [`to_rgb`]).
fn to_alpha(
    pic: &dav1d::Picture,
    full: bool,
    alpha: &mut [u8],
    canvas_w: u32,
    at: (u32, u32),
) -> Result<(), CodecError> {
    let planes = Planes::of(pic);
    let ((off, scale), _) = ranges(planes.bits, full);
    let luma = planes.luma();
    let canvas_w = canvas_w as usize;
    let rows = alpha.len() / canvas_w.max(1);
    let (x0, y0) = (at.0 as usize, at.1 as usize);
    let w = (pic.width() as usize).min(canvas_w.saturating_sub(x0));
    let h = (pic.height() as usize).min(rows.saturating_sub(y0));
    for y in 0..h {
        let start = (y0 + y) * canvas_w + x0;
        let Some(row) = alpha.get_mut(start..start + w) else {
            return Err(CodecError::internal(F, "tile outside the canvas"));
        };
        for (x, a) in row.iter_mut().enumerate() {
            *a = to_u8((luma.get(x, y) - off) * scale);
        }
    }
    Ok(())
}

/// The samples of the `crop` rectangle: RGB, RGBA with the alpha plane, grey (one channel of a
/// monochrome image, whose ICC profile is then a grey one).
fn assemble(
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
    grey: bool,
    (width, height): (u32, u32),
    crop: CropRect,
) -> Samples {
    let (left, top, w, h) = crop;
    let (kind, channels) = match (grey, alpha.is_some()) {
        (true, false) => (SampleKind::Grey, 1),
        (true, true) => (SampleKind::GreyAlpha, 2),
        (false, false) => (SampleKind::Rgb, 3),
        (false, true) => (SampleKind::Rgba, 4),
    };
    if crop == (0, 0, width, height) && kind == SampleKind::Rgb {
        return Samples {
            width: w,
            height: h,
            kind,
            data: rgb,
        };
    }
    let mut data = Vec::with_capacity(w as usize * h as usize * channels);
    for y in top..top + h {
        for x in left..left + w {
            let i = y as usize * width as usize + x as usize;
            let px = rgb.get(i * 3..i * 3 + 3).unwrap_or(&[0, 0, 0]);
            if grey {
                data.push(px[0]);
            } else {
                data.extend_from_slice(px);
            }
            if let Some(a) = &alpha {
                data.push(a.get(i).copied().unwrap_or(255));
            }
        }
    }
    Samples {
        width: w,
        height: h,
        kind,
        data,
    }
}

/// The colour description of the first sequence header OBU in `data` (AV1 spec 5.5):
/// `(matrix_coefficients, color_range)`; `None` when there is none or it cannot be read (the
/// decoder then reports the damage).
fn sequence_colour(data: &[u8]) -> SeqColour {
    let mut pos = 0;
    while pos < data.len() {
        let header = *data.get(pos)?;
        let kind = (header >> 3) & 0xF;
        let extension = header & 0b100 != 0;
        let has_size = header & 0b10 != 0;
        pos += 1 + usize::from(extension);
        let size = if has_size {
            let mut size = 0u64;
            let mut i = 0;
            loop {
                let b = *data.get(pos)?;
                pos += 1;
                size |= u64::from(b & 0x7F) << (7 * i);
                i += 1;
                if b & 0x80 == 0 || i == 8 {
                    break;
                }
            }
            usize::try_from(size).ok()?
        } else {
            data.len().saturating_sub(pos)
        };
        let body = data.get(pos..pos.checked_add(size)?)?;
        if kind == 1 {
            return parse_sequence_colour(body);
        }
        pos += size;
    }
    None
}

/// A most-significant-bit-first reader (the AV1 `f(n)` descriptor).
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn f(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            let bit = (byte >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u32::from(bit);
            self.pos += 1;
        }
        Some(v)
    }

    fn flag(&mut self) -> Option<bool> {
        self.f(1).map(|b| b == 1)
    }

    fn uvlc(&mut self) -> Option<()> {
        let mut zeros = 0;
        while !self.flag()? {
            zeros += 1;
            if zeros >= 32 {
                return None;
            }
        }
        self.f(zeros).map(|_| ())
    }
}

fn parse_sequence_colour(body: &[u8]) -> SeqColour {
    let mut r = Bits { data: body, pos: 0 };
    let profile = r.f(3)?;
    let _still = r.f(1)?;
    let reduced = r.flag()?;
    if reduced {
        r.f(5)?;
    } else {
        let timing = r.flag()?;
        let mut decoder_model = false;
        let mut buffer_delay_len = 0;
        if timing {
            r.f(32)?;
            r.f(32)?;
            if r.flag()? {
                r.uvlc()?;
            }
            decoder_model = r.flag()?;
            if decoder_model {
                buffer_delay_len = r.f(5)? + 1;
                r.f(32)?;
                r.f(5)?;
                r.f(5)?;
            }
        }
        let initial_display_delay = r.flag()?;
        let points = r.f(5)? + 1;
        for _ in 0..points {
            r.f(12)?;
            let level = r.f(5)?;
            if level > 7 {
                r.f(1)?;
            }
            if decoder_model && r.flag()? {
                r.f(buffer_delay_len)?;
                r.f(buffer_delay_len)?;
                r.f(1)?;
            }
            if initial_display_delay && r.flag()? {
                r.f(4)?;
            }
        }
    }
    let width_bits = r.f(4)? + 1;
    let height_bits = r.f(4)? + 1;
    r.f(width_bits)?;
    r.f(height_bits)?;
    if !reduced && r.flag()? {
        r.f(4)?;
        r.f(3)?;
    }
    // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter.
    r.f(3)?;
    if !reduced {
        // interintra, masked compound, warped motion, dual filter.
        r.f(4)?;
        let order_hint = r.flag()?;
        if order_hint {
            r.f(2)?;
        }
        let force_screen_content = if r.flag()? { 2 } else { r.f(1)? };
        if force_screen_content > 0 && !r.flag()? {
            r.f(1)?;
        }
        if order_hint {
            r.f(3)?;
        }
    }
    // superres, cdef, restoration.
    r.f(3)?;
    // color_config()
    let high_bitdepth = r.flag()?;
    if profile == 2 && high_bitdepth {
        r.f(1)?;
    }
    let mono = if profile == 1 { false } else { r.flag()? };
    let (primaries, transfer, matrix) = if r.flag()? {
        (r.f(8)?, r.f(8)?, r.f(8)?)
    } else {
        (2, 2, 2)
    };
    let full = if mono {
        r.flag()?
    } else if primaries == 1 && transfer == 13 && matrix == 0 {
        true
    } else {
        r.flag()?
    };
    Some((matrix as u16, full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_of_cicp_code_points() {
        let m = Matrix::from_cicp(1, true).unwrap();
        assert_eq!(
            (m.kr, m.kb, m.identity, m.full_range),
            (0.2126, 0.0722, false, true)
        );
        assert!(Matrix::from_cicp(0, true).unwrap().identity);
        assert_eq!(Matrix::from_cicp(2, false).unwrap(), Matrix::BT601_LIMITED);
        let err = Matrix::from_cicp(8, true).unwrap_err().to_string();
        assert!(err.contains("matrix coefficients 8"), "{err}");
    }

    #[test]
    fn reduced_still_picture_sequence_header() {
        // seq_profile 0, still 1, reduced 1, level 0; 4+4 size bits, 16x16; 3 tool flags; 3
        // more; high_bitdepth 0, mono 0, colour description 1 (1, 13, 6), full range 1.
        let mut bits = String::from("000" /* profile */);
        bits += "1" /* still */;
        bits += "1" /* reduced */;
        bits += "00000" /* level */;
        bits += "0011" /* width bits - 1 = 3 */;
        bits += "0011";
        bits += "1111" /* width - 1 = 15 */;
        bits += "1111";
        bits += "000" /* sb, filter intra, edge */;
        bits += "000" /* superres, cdef, restoration */;
        bits += "0" /* high bitdepth */;
        bits += "0" /* mono */;
        bits += "1" /* colour description */;
        bits += "00000001" /* primaries */;
        bits += "00001101" /* transfer */;
        bits += "00000110" /* matrix */;
        bits += "1" /* full range */;
        while bits.len() % 8 != 0 {
            bits.push('0');
        }
        let body: Vec<u8> = bits
            .as_bytes()
            .chunks(8)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap())
            .collect();
        let mut obu = vec![0b0000_1010, body.len() as u8];
        obu.extend_from_slice(&body);
        assert_eq!(sequence_colour(&obu), Some((6, true)));
        // A temporal delimiter first, then the header.
        let mut with_td = vec![0b0001_0010, 0];
        with_td.extend_from_slice(&obu);
        assert_eq!(sequence_colour(&with_td), Some((6, true)));
        assert_eq!(sequence_colour(&obu[..4]), None);
    }
}
