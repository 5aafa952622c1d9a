//! TIFF: the first directory (IFD0) of a classic TIFF, little- or big-endian. Later pages
//! are never read: the first page is the image.
//!
//! Every tag the decoder (the `tiff` crate) reads when it opens the file is checked here, its
//! values against `max_metadata_bytes` and the input length, the strip or tile tables entry
//! by entry against the input length, so that the crate never sizes a buffer from a field
//! nobody checked. Nothing is allocated: the directory is read in place.

use std::ops::Range;

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::error::CodecError;
use super::super::exif::orientation_in;
use super::super::ifd::{Entry, Ifd, IfdError, TYPE_LONG, TYPE_SHORT};
use super::super::info::{check_metadata, check_source, ColorModel, SourceInfo};
use super::{still, Header};

const F: ImageFormat = ImageFormat::Tiff;

const WIDTH: u16 = 256;
const HEIGHT: u16 = 257;
const BITS_PER_SAMPLE: u16 = 258;
const COMPRESSION: u16 = 259;
const PHOTOMETRIC: u16 = 262;
const STRIP_OFFSETS: u16 = 273;
const SAMPLES_PER_PIXEL: u16 = 277;
const ROWS_PER_STRIP: u16 = 278;
const STRIP_BYTE_COUNTS: u16 = 279;
const PLANAR_CONFIGURATION: u16 = 284;
const PREDICTOR: u16 = 317;
const TILE_WIDTH: u16 = 322;
const TILE_LENGTH: u16 = 323;
const TILE_OFFSETS: u16 = 324;
const TILE_BYTE_COUNTS: u16 = 325;
const INK_SET: u16 = 332;
const EXTRA_SAMPLES: u16 = 338;
const SAMPLE_FORMAT: u16 = 339;
const COLOR_MAP: u16 = 320;
const YCBCR_SUBSAMPLING: u16 = 530;
const ICC_PROFILE: u16 = 34675;

/// The tags read by this parser or by the `tiff` crate when it opens a file, with their
/// names for error messages. `JPEGTables` is missing on purpose: the crate reads it only for
/// JPEG compression, which is refused first. So is Orientation: like an EXIF orientation, an
/// invalid one is ignored.
const CHECKED: [(u16, &str); 21] = [
    (WIDTH, "ImageWidth"),
    (HEIGHT, "ImageLength"),
    (BITS_PER_SAMPLE, "BitsPerSample"),
    (COMPRESSION, "Compression"),
    (PHOTOMETRIC, "PhotometricInterpretation"),
    (STRIP_OFFSETS, "StripOffsets"),
    (SAMPLES_PER_PIXEL, "SamplesPerPixel"),
    (ROWS_PER_STRIP, "RowsPerStrip"),
    (STRIP_BYTE_COUNTS, "StripByteCounts"),
    (PLANAR_CONFIGURATION, "PlanarConfiguration"),
    (PREDICTOR, "Predictor"),
    (TILE_WIDTH, "TileWidth"),
    (TILE_LENGTH, "TileLength"),
    (TILE_OFFSETS, "TileOffsets"),
    (TILE_BYTE_COUNTS, "TileByteCounts"),
    (COLOR_MAP, "ColorMap"),
    (INK_SET, "InkSet"),
    (EXTRA_SAMPLES, "ExtraSamples"),
    (SAMPLE_FORMAT, "SampleFormat"),
    (YCBCR_SUBSAMPLING, "YCbCrSubSampling"),
    (ICC_PROFILE, "ICC profile"),
];

fn tag_name(tag: u16) -> &'static str {
    CHECKED
        .iter()
        .find(|(t, _)| *t == tag)
        .map_or("tag", |(_, name)| name)
}

fn truncated(what: &str) -> CodecError {
    CodecError::corrupt(F, format!("truncated ({what})"))
}

/// How the samples of a pixel are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Photometric {
    /// Grey, 0 is white (the decoder inverts it).
    MinIsWhite,
    /// Grey, 0 is black.
    MinIsBlack,
    /// Red, green, blue.
    Rgb,
    /// Cyan, magenta, yellow, black ink amounts (InkSet 1).
    Cmyk,
    /// 8-bit indices into a colour map.
    Palette,
}

/// Whether the sample after the colour samples is alpha, and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alpha {
    /// No alpha sample (extra samples, if any, are dropped).
    None,
    /// Colour premultiplied by alpha (ExtraSamples 1, or an RGB pixel of four samples that
    /// declares no ExtraSamples, as libtiff reads it).
    Associated,
    /// Straight alpha (ExtraSamples 2).
    Unassociated,
}

/// What the decoder needs beyond [`SourceInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The colour interpretation.
    pub photometric: Photometric,
    /// Bits per sample: 8 or 16.
    pub bits: u8,
    /// Samples per pixel in the file.
    pub samples: u16,
    /// The alpha sample, if any.
    pub alpha: Alpha,
    /// Where the embedded ICC profile is in the input.
    pub icc: Option<Range<usize>>,
    /// The colour map of a palette image.
    pub palette: Option<ColorMap>,
}

/// A palette image's colours, and how to make the `tiff` crate (which decodes no palette
/// images) read its indices: as grey samples, by rewriting the PhotometricInterpretation
/// value in a copy of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColorMap {
    /// RGB of each index, reduced to 8 bits (see [`color_map`]).
    pub colours: [[u8; 3]; 256],
    /// Where the PhotometricInterpretation value (a SHORT) is in the input.
    pub photometric_at: Range<usize>,
    /// BlackIsZero (1) in the file's byte order.
    pub black_is_zero: [u8; 2],
}

/// The name of a compression scheme, for the error that refuses it.
fn compression_name(code: u32) -> Option<&'static str> {
    Some(match code {
        2 => "CCITT modified Huffman",
        3 => "CCITT Group 3 fax",
        4 => "CCITT Group 4 fax",
        6 => "old-style JPEG",
        7 => "JPEG",
        34661 => "JBIG",
        34712 => "JPEG 2000",
        34887 => "LERC",
        34925 => "LZMA",
        50000 => "Zstandard",
        50001 => "WebP",
        _ => return None,
    })
}

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Header, CodecError> {
    let (info, _) = layout(bytes, limits)?;
    Ok(Header {
        frame_pixels: still(&info),
        info,
        adobe_transform: None,
        scan_offset: 0,
    })
}

/// The header facts and the sample layout of IFD0, every value checked (see the module docs).
/// Sizes are checked against the source limits before the strip or tile tables are read.
pub(crate) fn layout(bytes: &[u8], limits: &Limits) -> Result<(SourceInfo, Layout), CodecError> {
    let ifd = Ifd::first(bytes).map_err(|e| match e {
        IfdError::NotTiff => CodecError::corrupt(F, "no TIFF header"),
        IfdError::BigTiff => CodecError::unsupported(F, "BigTIFF (64-bit offsets)"),
        IfdError::Truncated => truncated("header"),
    })?;
    if !ifd.is_complete() {
        return Err(truncated(&format!(
            "first directory of {} entries",
            ifd.len()
        )));
    }
    check_values(&ifd, limits)?;
    let tags = Tags { ifd: &ifd };

    let width = tags.required(WIDTH)?;
    let height = tags.required(HEIGHT)?;
    let mut info = SourceInfo::new(F, width, height);
    info.set_orientation(orientation_in(&ifd));

    let compression = tags.scalar(COMPRESSION)?.unwrap_or(1);
    match compression {
        // None, LZW, Deflate (Adobe and the older code), PackBits.
        1 | 5 | 8 | 32946 | 32773 => {}
        other => {
            return Err(CodecError::unsupported(
                F,
                match compression_name(other) {
                    Some(name) => format!("{name} compression ({other})"),
                    None => format!("compression {other}"),
                },
            ))
        }
    }
    let samples = tags.scalar(SAMPLES_PER_PIXEL)?.unwrap_or(1);
    let samples = u16::try_from(samples)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| CodecError::corrupt(F, format!("{samples} samples per pixel")))?;
    match tags.per_sample(SAMPLE_FORMAT, samples)?.unwrap_or(1) {
        1 => {}
        2 => return Err(CodecError::unsupported(F, "signed integer samples")),
        3 => return Err(CodecError::unsupported(F, "floating-point samples")),
        other => return Err(CodecError::unsupported(F, format!("sample format {other}"))),
    }
    let bits = match tags.per_sample(BITS_PER_SAMPLE, samples)?.unwrap_or(1) {
        8 => 8u8,
        16 => 16,
        other => return Err(CodecError::unsupported(F, format!("{other}-bit samples"))),
    };
    let photometric = match tags.scalar(PHOTOMETRIC)? {
        Some(0) => Photometric::MinIsWhite,
        Some(1) => Photometric::MinIsBlack,
        Some(2) => Photometric::Rgb,
        Some(3) => Photometric::Palette,
        Some(5) => Photometric::Cmyk,
        Some(6) => return Err(CodecError::unsupported(F, "YCbCr colour")),
        Some(8..=10) => return Err(CodecError::unsupported(F, "CIE L*a*b* colour")),
        Some(other) => {
            return Err(CodecError::unsupported(
                F,
                format!("photometric interpretation {other}"),
            ))
        }
        None => return Err(CodecError::corrupt(F, "no PhotometricInterpretation tag")),
    };
    if photometric == Photometric::Cmyk {
        if let Some(ink_set @ 2..) = tags.scalar(INK_SET)? {
            return Err(CodecError::unsupported(
                F,
                format!("separated colour other than CMYK (InkSet {ink_set})"),
            ));
        }
    }
    if samples > 1 && tags.scalar(PLANAR_CONFIGURATION)?.unwrap_or(1) == 2 {
        return Err(CodecError::unsupported(
            F,
            "separate colour planes (PlanarConfiguration 2)",
        ));
    }
    match tags.scalar(PREDICTOR)?.unwrap_or(1) {
        1 | 2 => {}
        3 => return Err(CodecError::unsupported(F, "floating-point predictor")),
        other => return Err(CodecError::corrupt(F, format!("predictor {other}"))),
    }
    let alpha = alpha(&tags, photometric, samples)?;

    info.bit_depth = bits;
    info.has_alpha = alpha != Alpha::None;
    info.color_model = match (photometric, info.has_alpha) {
        (Photometric::MinIsWhite | Photometric::MinIsBlack, false) => ColorModel::Grey,
        (Photometric::MinIsWhite | Photometric::MinIsBlack, true) => ColorModel::GreyAlpha,
        (Photometric::Rgb, false) => ColorModel::Rgb,
        (Photometric::Rgb, true) => ColorModel::Rgba,
        (Photometric::Cmyk, _) => ColorModel::Cmyk,
        (Photometric::Palette, _) => ColorModel::Indexed,
    };
    let palette = match photometric {
        Photometric::Palette if bits == 8 => Some(color_map(&ifd, &tags)?),
        Photometric::Palette => {
            return Err(CodecError::unsupported(F, format!("{bits}-bit palette")));
        }
        _ => None,
    };
    let icc = match ifd.find(ICC_PROFILE) {
        Some(e) => ifd.value_range(&e),
        None => None,
    };
    info.has_icc = icc.is_some();
    check_source(&info, still(&info), limits)?;
    check_chunks(&tags, bytes.len(), &info, limits)?;
    Ok((
        info,
        Layout {
            photometric,
            bits,
            samples,
            alpha,
            icc,
            palette,
        },
    ))
}

/// The 256 colours of an 8-bit palette image's ColorMap (all reds, then greens, then blues,
/// 16 bits each). As libtiff reads it: the high byte of each value (writers store `v·256` or
/// `v·257`), unless no value exceeds 255, when the map was written with 8-bit values.
fn color_map(ifd: &Ifd<'_>, tags: &Tags<'_, '_>) -> Result<ColorMap, CodecError> {
    let map = tags
        .entry(COLOR_MAP)
        .ok_or_else(|| CodecError::corrupt(F, "palette image without a ColorMap"))?;
    if map.count != 3 * 256 || map.typ != TYPE_SHORT {
        return Err(CodecError::corrupt(
            F,
            format!(
                "ColorMap of {} values of type {} for 8-bit indices (768 SHORTs)",
                map.count, map.typ
            ),
        ));
    }
    let mut wide = [[0u32; 3]; 256];
    for (i, colour) in (0u32..).zip(wide.iter_mut()) {
        for (channel, value) in (0u32..).zip(colour.iter_mut()) {
            *value = tags.value(&map, channel * 256 + i)?;
        }
    }
    let shift = if wide.iter().flatten().all(|&v| v <= 255) {
        0
    } else {
        8
    };
    let colours = wide.map(|c| c.map(|v| u8::try_from(v >> shift).unwrap_or(u8::MAX)));
    let photometric = tags
        .entry(PHOTOMETRIC)
        .filter(|e| e.typ == TYPE_SHORT && e.count == 1)
        .and_then(|e| ifd.value_range(&e))
        .ok_or_else(|| CodecError::corrupt(F, "PhotometricInterpretation is not one SHORT"))?;
    Ok(ColorMap {
        colours,
        photometric_at: photometric,
        black_is_zero: if ifd.is_little_endian() {
            1u16.to_le_bytes()
        } else {
            1u16.to_be_bytes()
        },
    })
}

/// Every checked tag once, with a known type, its values within `max_metadata_bytes` and
/// inside the input.
fn check_values(ifd: &Ifd<'_>, limits: &Limits) -> Result<(), CodecError> {
    let mut seen = 0u32;
    for entry in ifd.entries() {
        let Some(index) = CHECKED.iter().position(|(t, _)| *t == entry.tag) else {
            continue;
        };
        let name = tag_name(entry.tag);
        // The crate keeps the last of two equal tags, a reader of the first the first: they
        // would disagree on the image.
        if seen & (1 << index) != 0 {
            return Err(CodecError::corrupt(F, format!("{name} appears twice")));
        }
        seen |= 1 << index;
        let len = Ifd::value_bytes(&entry).ok_or_else(|| {
            CodecError::corrupt(F, format!("{name} has unknown type {}", entry.typ))
        })?;
        check_metadata(F, usize::try_from(len).unwrap_or(usize::MAX), limits)?;
        if ifd.value_range(&entry).is_none() {
            return Err(truncated(&format!(
                "{name}: {} values end past the end of the file",
                entry.count
            )));
        }
    }
    Ok(())
}

/// Reads the checked tags' values.
struct Tags<'a, 'b> {
    ifd: &'a Ifd<'b>,
}

impl Tags<'_, '_> {
    fn entry(&self, tag: u16) -> Option<Entry> {
        self.ifd.find(tag)
    }

    /// The `i`-th value of an unsigned integer tag.
    fn value(&self, e: &Entry, i: u32) -> Result<u32, CodecError> {
        self.ifd.uint(e, i).ok_or_else(|| {
            CodecError::corrupt(
                F,
                format!(
                    "{} has type {}, not an unsigned integer",
                    tag_name(e.tag),
                    e.typ
                ),
            )
        })
    }

    /// The first value of a tag, `None` when the tag is absent.
    fn scalar(&self, tag: u16) -> Result<Option<u32>, CodecError> {
        match self.entry(tag) {
            None => Ok(None),
            Some(e) if e.count == 0 => Err(CodecError::corrupt(
                F,
                format!("{} has no value", tag_name(tag)),
            )),
            Some(e) => self.value(&e, 0).map(Some),
        }
    }

    fn required(&self, tag: u16) -> Result<u32, CodecError> {
        self.scalar(tag)?
            .ok_or_else(|| CodecError::corrupt(F, format!("no {} tag", tag_name(tag))))
    }

    /// A tag with one value per sample (or one for all, as libtiff allows), all equal.
    fn per_sample(&self, tag: u16, samples: u16) -> Result<Option<u32>, CodecError> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.count != 1 && e.count != u32::from(samples) {
            return Err(CodecError::corrupt(
                F,
                format!(
                    "{} has {} values for {samples} samples",
                    tag_name(tag),
                    e.count
                ),
            ));
        }
        let first = self.value(&e, 0)?;
        for i in 1..e.count {
            if self.value(&e, i)? != first {
                return Err(CodecError::unsupported(
                    F,
                    format!("samples with different {}", tag_name(tag)),
                ));
            }
        }
        Ok(Some(first))
    }
}

/// The alpha sample: the first extra sample when it is associated (1) or unassociated (2)
/// alpha. Samples beyond the colour samples and alpha are dropped.
fn alpha(tags: &Tags<'_, '_>, photometric: Photometric, samples: u16) -> Result<Alpha, CodecError> {
    let extras = tags.entry(EXTRA_SAMPLES);
    let extra_count = extras.map_or(0, |e| e.count);
    let colour = u32::from(samples).checked_sub(extra_count).ok_or_else(|| {
        CodecError::corrupt(
            F,
            format!("{extra_count} extra samples in a pixel of {samples}"),
        )
    })?;
    let declared = match extras {
        Some(e) if e.count > 0 => match tags.value(&e, 0)? {
            1 => Alpha::Associated,
            2 => Alpha::Unassociated,
            _ => Alpha::None,
        },
        _ => Alpha::None,
    };
    let layout = |what: &str| {
        Err(CodecError::unsupported(
            F,
            format!("{what} with {samples} samples per pixel ({extra_count} extra)"),
        ))
    };
    match (photometric, colour) {
        (Photometric::MinIsBlack, 1) => Ok(declared),
        // The decoder inverts only single-sample white-is-zero pixels.
        (Photometric::MinIsWhite, 1) if samples == 1 => Ok(Alpha::None),
        (Photometric::Rgb, 3) => Ok(declared),
        (Photometric::Rgb, 4) if extra_count == 0 => Ok(Alpha::Associated),
        (Photometric::Cmyk, 4) if declared == Alpha::None => Ok(Alpha::None),
        (Photometric::Cmyk, 4) => Err(CodecError::unsupported(F, "CMYK with alpha")),
        (Photometric::Palette, 1) if samples == 1 => Ok(Alpha::None),
        (Photometric::MinIsWhite, _) => layout("white-is-zero grey"),
        (Photometric::MinIsBlack, _) => layout("grey"),
        (Photometric::Rgb, _) => layout("RGB"),
        (Photometric::Cmyk, _) => layout("CMYK"),
        (Photometric::Palette, _) => layout("palette colour"),
    }
}

/// The strip or tile tables: as many entries as the image needs (what the crate requires),
/// each chunk inside the input, tiles within the source size limits.
fn check_chunks(
    tags: &Tags<'_, '_>,
    input_len: usize,
    info: &SourceInfo,
    limits: &Limits,
) -> Result<(), CodecError> {
    let (w, h) = (info.stored_width, info.stored_height);
    let strips = (tags.entry(STRIP_OFFSETS), tags.entry(STRIP_BYTE_COUNTS));
    let tiles = (tags.entry(TILE_OFFSETS), tags.entry(TILE_BYTE_COUNTS));
    let (offsets, counts, needed, what) = match (strips, tiles) {
        ((Some(offsets), Some(counts)), (None, None)) => {
            let rows = tags.scalar(ROWS_PER_STRIP)?.unwrap_or(h);
            if rows == 0 {
                return Err(CodecError::corrupt(F, "RowsPerStrip is 0"));
            }
            let needed = u64::from(h.div_ceil(rows));
            (offsets, counts, needed, format!("strips of {rows} rows"))
        }
        ((None, None), (Some(offsets), Some(counts))) => {
            let tw = tags.required(TILE_WIDTH)?;
            let tl = tags.required(TILE_LENGTH)?;
            // The specification requires it, and it bounds the tile table (which the crate
            // holds at 40 bytes an entry) to one entry per 256 source pixels.
            if tw == 0 || tl == 0 || tw % 16 != 0 || tl % 16 != 0 {
                return Err(CodecError::corrupt(
                    F,
                    format!("{tw}x{tl} tiles (sides must be multiples of 16)"),
                ));
            }
            // A tile is decoded whole: it must fit the limits an image of its size would.
            limits
                .check_source(tw, tl, u64::from(tw) * u64::from(tl), 1)
                .map_err(|e| CodecError::limit(F, e))?;
            let needed = u64::from(w.div_ceil(tw)) * u64::from(h.div_ceil(tl));
            (offsets, counts, needed, format!("{tw}x{tl} tiles"))
        }
        ((None, None), (None, None)) => {
            return Err(CodecError::corrupt(F, "no strip or tile offsets"));
        }
        _ => {
            return Err(CodecError::corrupt(
                F,
                "incomplete or mixed strip and tile tables",
            ));
        }
    };
    for table in [&offsets, &counts] {
        if u64::from(table.count) != needed {
            return Err(CodecError::corrupt(
                F,
                format!(
                    "{} has {} entries, a {w}x{h} image in {what} needs {needed}",
                    tag_name(table.tag),
                    table.count
                ),
            ));
        }
        if table.typ != TYPE_SHORT && table.typ != TYPE_LONG {
            return Err(CodecError::corrupt(
                F,
                format!("{} has type {}", tag_name(table.tag), table.typ),
            ));
        }
    }
    for i in 0..offsets.count {
        let start = u64::from(tags.value(&offsets, i)?);
        let end = start + u64::from(tags.value(&counts, i)?);
        if end > u64::try_from(input_len).unwrap_or(u64::MAX) {
            return Err(truncated(&format!(
                "chunk {i} at bytes {start}..{end} of a {input_len}-byte file"
            )));
        }
    }
    Ok(())
}
