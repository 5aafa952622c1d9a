//! HEIF (ISO/IEC 23008-12) container walk for AVIF and HEIC: the primary item, its size
//! (`ispe`, or `clap` when the image is cropped), rotation and mirroring (`irot`, `imir`), bit
//! depth (`pixi`), colour (`colr`), an alpha item (`auxl` reference with an `auxC` alpha URN)
//! and grids (`dimg` tiles). The walk descends a fixed path (meta → iprp → ipco → property),
//! never recursing on the file's say. Every box size and item location is checked against the input;
//! nothing sized by the file is allocated beyond the per-item tables, whose entries are bounded
//! by the bytes of the boxes that declare them and by [`MAX_ITEMS`].

use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::ops::Orientation;

use super::super::bytes::{be_u16, be_u32, byte, slice};
use super::super::error::CodecError;
use super::super::info::{check_metadata, ColorModel, FramePixels, SourceInfo};
use super::Header;

/// Items, properties, associations and references read at most: real files hold a few dozen
/// (an iPhone grid: 48 tiles plus thumbnails and metadata).
pub(crate) const MAX_ITEMS: usize = 4096;

/// The brands that make a file AVIF.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];
/// The brands that make a file HEIC (HEVC-coded HEIF).
const HEIC_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
/// Generic HEIF brands: the coding is decided by the primary item.
const HEIF_BRANDS: [&[u8; 4]; 2] = [b"mif1", b"msf1"];

/// The format of an `ftyp` box at the start of `bytes`, from its major and compatible brands:
/// AVIF brands win, then HEIC brands, then the generic HEIF brands (taken as HEIC until the
/// header says otherwise). `None` when `bytes` does not start with an `ftyp` box naming one.
pub(crate) fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if slice(bytes, 4, 4) != Some(&b"ftyp"[..]) {
        return None;
    }
    let size = usize::try_from(be_u32(bytes, 0)?).ok()?;
    // Brands past the first 256 bytes are not looked at: sniffing reads a bounded prefix.
    let body = bytes.get(8..size.clamp(8, 256).min(bytes.len()))?;
    let major = body.get(..4)?;
    let compatible = body.get(8..).unwrap_or(&[]);
    let brands = || std::iter::once(major).chain(compatible.chunks_exact(4));
    let has = |set: &[&[u8; 4]]| brands().any(|b| set.iter().any(|s| &s[..] == b));
    if has(&AVIF_BRANDS) {
        Some(ImageFormat::Avif)
    } else if has(&HEIC_BRANDS) || has(&HEIF_BRANDS) {
        Some(ImageFormat::Heic)
    } else {
        None
    }
}

/// The Cargo feature that would decode `format`'s pixels.
pub(crate) fn decoder_feature(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Avif => "avif-decode",
        _ => "heic",
    }
}

/// The error of a build without a decoder for `format` (AVIF or HEIC): 415, naming the
/// Cargo feature. The header is read by every build, so probing and planning still work.
pub(crate) fn needs_decoder(format: ImageFormat) -> CodecError {
    CodecError::unsupported(
        format,
        format!(
            "input: decoding needs pixform's `{}` Cargo feature (README: Formats), not in this build",
            decoder_feature(format)
        ),
    )
}

/// A typed error for the container of `format`.
fn corrupt(format: ImageFormat, detail: impl std::fmt::Display) -> CodecError {
    CodecError::corrupt(format, detail)
}

/// One box: its type, its payload and (for full boxes, read by the caller) nothing more.
#[derive(Clone, Copy)]
struct BoxRef<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

impl BoxRef<'_> {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }
}

/// The boxes laid end to end in `data`, each size checked against what is left.
struct Boxes<'a> {
    format: ImageFormat,
    data: &'a [u8],
    pos: usize,
    /// The box the children belong to, for error messages.
    parent: &'static str,
}

impl<'a> Boxes<'a> {
    fn new(format: ImageFormat, data: &'a [u8], parent: &'static str) -> Self {
        Boxes {
            format,
            data,
            pos: 0,
            parent,
        }
    }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<BoxRef<'a>, CodecError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let f = self.format;
        let parent = self.parent;
        let result = (|| {
            let (Some(size32), Some(kind)) = (be_u32(rest, 0), slice(rest, 4, 4)) else {
                return Err(corrupt(
                    f,
                    format!(
                        "truncated box header in {parent} ({} bytes left)",
                        rest.len()
                    ),
                ));
            };
            let kind: [u8; 4] = kind.try_into().map_err(|_| corrupt(f, "box type"))?;
            let (size, header) = match size32 {
                // Size 0: the box runs to the end of its parent.
                0 => (rest.len() as u64, 8usize),
                1 => {
                    let hi = be_u32(rest, 8);
                    let lo = be_u32(rest, 12);
                    match (hi, lo) {
                        (Some(hi), Some(lo)) => ((u64::from(hi) << 32) | u64::from(lo), 16),
                        _ => {
                            return Err(corrupt(
                                f,
                                format!(
                                    "truncated 64-bit size of box '{}' in {parent}",
                                    String::from_utf8_lossy(&kind)
                                ),
                            ))
                        }
                    }
                }
                n => (u64::from(n), 8),
            };
            let name = String::from_utf8_lossy(&kind).into_owned();
            if size < header as u64 || size > rest.len() as u64 {
                return Err(corrupt(
                    f,
                    format!(
                        "box '{name}' in {parent} declares {size} bytes, {} are left",
                        rest.len()
                    ),
                ));
            }
            // In range: size ≤ rest.len().
            let size = size as usize;
            let body = rest
                .get(header..size)
                .ok_or_else(|| corrupt(f, format!("box '{name}' in {parent}")))?;
            self.pos += size;
            Ok(BoxRef { kind, body })
        })();
        if result.is_err() {
            // Stop after the first error: the rest cannot be framed.
            self.pos = self.data.len();
        }
        Some(result)
    }
}

/// A full box's version, flags and the bytes after them.
fn full_box<'a>(f: ImageFormat, b: &BoxRef<'a>) -> Result<(u8, u32, &'a [u8]), CodecError> {
    let vf = be_u32(b.body, 0)
        .ok_or_else(|| corrupt(f, format!("truncated '{}' box header", b.name())))?;
    Ok((
        (vf >> 24) as u8,
        vf & 0x00FF_FFFF,
        b.body.get(4..).unwrap_or(&[]),
    ))
}

/// A bounded big-endian cursor over a box payload.
struct Reader<'a> {
    f: ImageFormat,
    what: &'static str,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(f: ImageFormat, what: &'static str, data: &'a [u8]) -> Self {
        Reader {
            f,
            what,
            data,
            pos: 0,
        }
    }

    fn short(&self) -> CodecError {
        corrupt(
            self.f,
            format!("truncated '{}' box ({} bytes)", self.what, self.data.len()),
        )
    }

    fn u8(&mut self) -> Result<u8, CodecError> {
        let v = byte(self.data, self.pos).ok_or_else(|| self.short())?;
        self.pos += 1;
        Ok(v)
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        let v = be_u16(self.data, self.pos).ok_or_else(|| self.short())?;
        self.pos += 2;
        Ok(v)
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        let v = be_u32(self.data, self.pos).ok_or_else(|| self.short())?;
        self.pos += 4;
        Ok(v)
    }

    /// An unsigned integer of `n` bytes (0, 4 or 8 in `iloc`; 0 reads as 0).
    fn uint(&mut self, n: u8) -> Result<u64, CodecError> {
        match n {
            0 => Ok(0),
            4 => self.u32().map(u64::from),
            8 => Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?)),
            other => Err(corrupt(
                self.f,
                format!("'{}' field of {other} bytes", self.what),
            )),
        }
    }

    /// An item ID: 16 bits in version-0 boxes, 32 bits otherwise.
    fn item_id(&mut self, wide: bool) -> Result<u32, CodecError> {
        if wide {
            self.u32()
        } else {
            self.u16().map(u32::from)
        }
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn skip(&mut self, n: usize) -> Result<(), CodecError> {
        if n > self.remaining() {
            return Err(self.short());
        }
        self.pos += n;
        Ok(())
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }
}

/// Where an item's bytes are: the file, or the `idat` box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Construction {
    /// Offsets into the file.
    File,
    /// Offsets into the `idat` payload.
    Idat,
}

/// One item of `iinf` and its location from `iloc`.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// The item type (`av01`, `hvc1`, `grid`, `Exif`, …).
    pub kind: [u8; 4],
    /// Whether `iloc` places it in the file or in `idat`.
    pub construction: Construction,
    /// The (offset, length) extents, checked to lie within the file or `idat`.
    pub extents: Vec<(usize, usize)>,
}

/// A property of `ipco` that the probe or the decoders use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Property<'a> {
    /// `ispe`: the coded image size.
    Ispe { width: u32, height: u32 },
    /// `irot`: rotation anti-clockwise by 90° × `quarter_turns`.
    Irot { quarter_turns: u8 },
    /// `imir`: mirrored top to bottom (`axis` 0) or left to right (1).
    Imir { axis: u8 },
    /// `clap`: the clean aperture (the visible, cropped size) and its centre's offset from the
    /// image centre, as (numerator, denominator) fractions.
    Clap {
        width: u32,
        height: u32,
        horizontal: (i32, u32),
        vertical: (i32, u32),
    },
    /// `pixi`: bits per channel of the first channel, and the channel count.
    Pixi { channels: u8, bits: u8 },
    /// `colr` with an ICC profile (`prof` or `rICC`).
    Icc { data: &'a [u8] },
    /// `colr` with CICP code points (`nclx`).
    Nclx(Nclx),
    /// `auxC` naming an alpha plane.
    AlphaAux,
    /// `av1C` (AV1) or `hvcC` (HEVC) decoder configuration.
    Codec,
    /// Anything else.
    Other,
}

#[cfg_attr(not(any(feature = "avif-decode", feature = "heic")), allow(dead_code))]
/// The CICP colour description of an `nclx` `colr` box (ITU-T H.273 code points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nclx {
    /// Colour primaries.
    pub primaries: u16,
    /// Transfer characteristics.
    pub transfer: u16,
    /// Matrix coefficients (YCbCr → RGB).
    pub matrix: u16,
    /// Full-range (true) or limited-range (false) samples.
    pub full_range: bool,
}

#[cfg_attr(not(any(feature = "avif-decode", feature = "heic")), allow(dead_code))]
/// A coded image: one item, or a grid of tile items, each with its `ispe` size.
#[derive(Debug, Clone)]
pub(crate) struct Coded {
    /// The grid layout when the image is a `grid` item.
    pub grid: Option<Grid>,
    /// The coded item (one) or the tiles (raster order), each with its `ispe` size.
    pub tiles: Vec<(Item, (u32, u32))>,
}

#[cfg_attr(not(any(feature = "avif-decode", feature = "heic")), allow(dead_code))]
impl Coded {
    /// The size of the coded image: the grid's, else the item's `ispe`.
    pub(crate) fn size(&self) -> (u32, u32) {
        match &self.grid {
            Some(g) => (g.width, g.height),
            None => self.tiles.first().map_or((0, 0), |t| t.1),
        }
    }
}

/// The crop of a `clap` box within the coded image: left, top, width, height.
pub(crate) type CropRect = (u32, u32, u32, u32);

#[cfg_attr(not(any(feature = "avif-decode", feature = "heic")), allow(dead_code))]
/// The parsed container: everything the probe reports and the decoders need.
#[derive(Debug, Clone)]
pub(crate) struct Container<'a> {
    /// AVIF or HEIC, from the primary item's coding.
    pub format: ImageFormat,
    /// The alpha item, when there is one.
    pub alpha: Option<u32>,
    /// The primary item's properties, in `ipma` order.
    pub properties: Vec<Property<'a>>,
    /// Bits per channel (`pixi`, else 8).
    pub bit_depth: u8,
    /// The output size before rotation (`clap`, else `ispe`).
    pub size: (u32, u32),
    /// `irot`/`imir` composed in `ipma` order.
    pub orientation: Orientation,
    /// The primary image's coded items.
    pub image: Coded,
    /// The alpha image's coded items.
    pub alpha_image: Option<Coded>,
    /// The coded size (`ispe`) of the primary image, before `clap`.
    pub coded_size: (u32, u32),
    /// The `clap` crop within the coded size.
    pub crop: Option<CropRect>,
    /// The `nclx` colour description of the primary item.
    pub nclx: Option<Nclx>,
    /// The ICC profile of the primary item.
    pub icc: Option<&'a [u8]>,
    /// The `idat` payload (items stored in the metadata).
    pub idat: &'a [u8],
}

/// A grid's layout from its `grid` item data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grid {
    /// Tile rows.
    pub rows: u16,
    /// Tile columns.
    pub columns: u16,
    /// The output size the grid declares.
    pub width: u32,
    /// See `width`.
    pub height: u32,
    /// The tile item IDs, in raster order.
    pub tiles: Vec<u32>,
}

/// An alpha `auxC` URN (AVIF's and HEVC's).
fn is_alpha_urn(urn: &[u8]) -> bool {
    let urn = urn.split(|&b| b == 0).next().unwrap_or(urn);
    urn == b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha" || urn == b"urn:mpeg:hevc:2015:auxid:1"
}

fn read_property<'a>(f: ImageFormat, b: &BoxRef<'a>) -> Result<Property<'a>, CodecError> {
    Ok(match &b.kind {
        b"ispe" => {
            let (_, _, body) = full_box(f, b)?;
            let mut r = Reader::new(f, "ispe", body);
            Property::Ispe {
                width: r.u32()?,
                height: r.u32()?,
            }
        }
        b"irot" => Property::Irot {
            quarter_turns: Reader::new(f, "irot", b.body).u8()? & 3,
        },
        b"imir" => Property::Imir {
            axis: Reader::new(f, "imir", b.body).u8()? & 1,
        },
        b"clap" => {
            let mut r = Reader::new(f, "clap", b.body);
            let (wn, wd, hn, hd) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
            // The offsets are signed fractions.
            let (ho, hod, vo, vod) = (r.u32()? as i32, r.u32()?, r.u32()? as i32, r.u32()?);
            let exact = |n: u32, d: u32| (d != 0 && n.is_multiple_of(d)).then(|| n / d);
            match (exact(wn, wd), exact(hn, hd)) {
                (Some(width), Some(height)) if hod != 0 && vod != 0 => Property::Clap {
                    width,
                    height,
                    horizontal: (ho, hod),
                    vertical: (vo, vod),
                },
                _ => {
                    return Err(CodecError::unsupported(
                        f,
                        format!("clean aperture of fractional size {wn}/{wd} x {hn}/{hd} (or offset denominator 0)"),
                    ))
                }
            }
        }
        b"pixi" => {
            let (_, _, body) = full_box(f, b)?;
            let mut r = Reader::new(f, "pixi", body);
            let channels = r.u8()?;
            let bits = if channels == 0 { 8 } else { r.u8()? };
            Property::Pixi { channels, bits }
        }
        b"colr" => {
            let mut r = Reader::new(f, "colr", b.body);
            let kind = r.u32()?.to_be_bytes();
            match &kind {
                b"prof" | b"rICC" => Property::Icc { data: r.rest() },
                b"nclx" => {
                    let primaries = r.u16()?;
                    let transfer = r.u16()?;
                    let matrix = r.u16()?;
                    let full_range = r.u8()? & 0x80 != 0;
                    Property::Nclx(Nclx {
                        primaries,
                        transfer,
                        matrix,
                        full_range,
                    })
                }
                _ => Property::Other,
            }
        }
        b"auxC" => {
            let (_, _, body) = full_box(f, b)?;
            if is_alpha_urn(body) {
                Property::AlphaAux
            } else {
                Property::Other
            }
        }
        b"av1C" | b"hvcC" => Property::Codec,
        _ => Property::Other,
    })
}

/// `iinf`: item IDs and types.
fn read_iinf(f: ImageFormat, b: &BoxRef<'_>) -> Result<Vec<(u32, [u8; 4])>, CodecError> {
    let (version, _, body) = full_box(f, b)?;
    let mut r = Reader::new(f, "iinf", body);
    let count = if version == 0 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    if count as usize > MAX_ITEMS {
        return Err(CodecError::unsupported(
            f,
            format!("{count} items (pixform reads at most {MAX_ITEMS})"),
        ));
    }
    let mut items = Vec::new();
    for child in Boxes::new(f, r.rest(), "iinf") {
        let child = child?;
        if &child.kind != b"infe" {
            continue;
        }
        let (version, _, body) = full_box(f, &child)?;
        if version < 2 {
            // Version 0/1 entries carry no item type: such files predate HEIF images.
            return Err(CodecError::unsupported(
                f,
                format!("item info entry version {version}"),
            ));
        }
        let mut e = Reader::new(f, "infe", body);
        let id = e.item_id(version >= 3)?;
        e.skip(2)?;
        let kind = e.u32()?.to_be_bytes();
        items.push((id, kind));
    }
    if items.len() != count as usize {
        return Err(corrupt(
            f,
            format!(
                "iinf declares {count} items and holds {} entries",
                items.len()
            ),
        ));
    }
    Ok(items)
}

/// An `iloc` entry: item ID, construction method, (offset, length) extents.
type Location = (u32, Construction, Vec<(u64, u64)>);

/// `iloc`: each item's construction method and extents (offsets made absolute, not yet
/// checked against the file).
fn read_iloc(f: ImageFormat, b: &BoxRef<'_>) -> Result<Vec<Location>, CodecError> {
    let (version, _, body) = full_box(f, b)?;
    if version > 2 {
        return Err(CodecError::unsupported(
            f,
            format!("iloc version {version}"),
        ));
    }
    let mut r = Reader::new(f, "iloc", body);
    let sizes = r.u16()?;
    let offset_size = (sizes >> 12) as u8;
    let length_size = ((sizes >> 8) & 0xF) as u8;
    let base_offset_size = ((sizes >> 4) & 0xF) as u8;
    let index_size = if version >= 1 { (sizes & 0xF) as u8 } else { 0 };
    let count = if version < 2 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    if count as usize > MAX_ITEMS {
        return Err(CodecError::unsupported(
            f,
            format!("{count} item locations (pixform reads at most {MAX_ITEMS})"),
        ));
    }
    let mut out = Vec::new();
    for _ in 0..count {
        let id = r.item_id(version == 2)?;
        let construction = if version >= 1 {
            match r.u16()? & 0xF {
                0 => Construction::File,
                1 => Construction::Idat,
                m => {
                    return Err(CodecError::unsupported(
                        f,
                        format!("item {id} construction method {m}"),
                    ))
                }
            }
        } else {
            Construction::File
        };
        let data_ref = r.u16()?;
        if data_ref != 0 {
            return Err(CodecError::unsupported(
                f,
                format!("item {id} stored in another file (data reference {data_ref})"),
            ));
        }
        let base = r.uint(base_offset_size)?;
        let extent_count = r.u16()?;
        // Each extent takes index + offset + length bytes: a count the box cannot hold is
        // refused before anything is allocated for it.
        let per_extent =
            usize::from(index_size) + usize::from(offset_size) + usize::from(length_size);
        if usize::from(extent_count).saturating_mul(per_extent) > r.remaining() {
            return Err(corrupt(
                f,
                format!(
                    "iloc: item {id} declares {extent_count} extents, the box holds {} bytes",
                    r.remaining()
                ),
            ));
        }
        let mut extents = Vec::with_capacity(usize::from(extent_count));
        for _ in 0..extent_count {
            r.uint(index_size)?;
            let offset = r.uint(offset_size)?;
            let length = r.uint(length_size)?;
            extents.push((base.saturating_add(offset), length));
        }
        out.push((id, construction, extents));
    }
    Ok(out)
}

/// `ipma`: for each item, its property indices (1-based into `ipco`; 0 = none).
fn read_ipma(f: ImageFormat, b: &BoxRef<'_>) -> Result<Vec<(u32, Vec<u16>)>, CodecError> {
    let (version, flags, body) = full_box(f, b)?;
    let mut r = Reader::new(f, "ipma", body);
    let count = r.u32()?;
    if count as usize > MAX_ITEMS {
        return Err(CodecError::unsupported(
            f,
            format!("{count} property associations (pixform reads at most {MAX_ITEMS})"),
        ));
    }
    let mut out = Vec::new();
    for _ in 0..count {
        let id = r.item_id(version >= 1)?;
        let n = r.u8()?;
        let mut indices = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let index = if flags & 1 != 0 {
                r.u16()? & 0x7FFF
            } else {
                u16::from(r.u8()? & 0x7F)
            };
            indices.push(index);
        }
        out.push((id, indices));
    }
    Ok(out)
}

/// `iref`: (type, from, to…) references.
type Reference = ([u8; 4], u32, Vec<u32>);

fn read_iref(f: ImageFormat, b: &BoxRef<'_>) -> Result<Vec<Reference>, CodecError> {
    let (version, _, body) = full_box(f, b)?;
    let mut out = Vec::new();
    for child in Boxes::new(f, body, "iref") {
        let child = child?;
        if out.len() >= MAX_ITEMS {
            return Err(CodecError::unsupported(
                f,
                format!("more than {MAX_ITEMS} item references"),
            ));
        }
        let mut r = Reader::new(f, "iref", child.body);
        let from = r.item_id(version != 0)?;
        let n = r.u16()?;
        let width = if version != 0 { 4 } else { 2 };
        if usize::from(n) * width > r.remaining() {
            return Err(corrupt(
                f,
                format!(
                    "iref: item {from} declares {n} references, the box holds {} bytes",
                    r.remaining()
                ),
            ));
        }
        let mut to = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            to.push(r.item_id(version != 0)?);
        }
        out.push((child.kind, from, to));
    }
    Ok(out)
}

/// The `grid` item's payload.
fn read_grid(f: ImageFormat, data: &[u8], tiles: Vec<u32>) -> Result<Grid, CodecError> {
    let mut r = Reader::new(f, "grid", data);
    let _version = r.u8()?;
    let flags = r.u8()?;
    let rows = u16::from(r.u8()?) + 1;
    let columns = u16::from(r.u8()?) + 1;
    let (width, height) = if flags & 1 != 0 {
        (r.u32()?, r.u32()?)
    } else {
        (u32::from(r.u16()?), u32::from(r.u16()?))
    };
    if tiles.len() != usize::from(rows) * usize::from(columns) {
        return Err(corrupt(
            f,
            format!("a {columns}x{rows} grid references {} tiles", tiles.len()),
        ));
    }
    Ok(Grid {
        rows,
        columns,
        width,
        height,
        tiles,
    })
}

/// Walks the container (see the module docs).
pub(crate) fn parse(bytes: &[u8], sniffed: ImageFormat) -> Result<Container<'_>, CodecError> {
    let f = sniffed;
    let mut meta = None;
    // Every top-level box is framed, so a file whose boxes run past its end is refused even
    // when the damage is after `meta`.
    for b in Boxes::new(f, bytes, "file") {
        let b = b?;
        if &b.kind == b"meta" && meta.is_none() {
            meta = Some(b);
        }
    }
    let meta = meta.ok_or_else(|| corrupt(f, "no 'meta' box"))?;
    let (_, _, meta_body) = full_box(f, &meta)?;

    let mut primary_id = None;
    let mut infos = Vec::new();
    let mut locations = Vec::new();
    let mut ipco = Vec::new();
    let mut ipma = Vec::new();
    let mut irefs = Vec::new();
    let mut idat: &[u8] = &[];
    for b in Boxes::new(f, meta_body, "meta") {
        let b = b?;
        match &b.kind {
            b"pitm" => {
                let (version, _, body) = full_box(f, &b)?;
                primary_id = Some(Reader::new(f, "pitm", body).item_id(version != 0)?);
            }
            b"iinf" => infos = read_iinf(f, &b)?,
            b"iloc" => locations = read_iloc(f, &b)?,
            b"iref" => irefs = read_iref(f, &b)?,
            b"idat" => idat = b.body,
            b"iprp" => {
                for c in Boxes::new(f, b.body, "iprp") {
                    let c = c?;
                    match &c.kind {
                        b"ipco" => {
                            for p in Boxes::new(f, c.body, "ipco") {
                                if ipco.len() >= MAX_ITEMS {
                                    return Err(CodecError::unsupported(
                                        f,
                                        format!("more than {MAX_ITEMS} item properties"),
                                    ));
                                }
                                ipco.push(read_property(f, &p?)?);
                            }
                        }
                        b"ipma" => ipma.extend(read_ipma(f, &c)?),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let primary_id = primary_id.ok_or_else(|| corrupt(f, "no primary item ('pitm')"))?;
    let item = |id: u32| -> Result<Item, CodecError> {
        let kind = infos
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, k)| *k)
            .ok_or_else(|| corrupt(f, format!("item {id} has no 'infe' entry")))?;
        let (construction, raw) = locations
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, c, e)| (*c, e.as_slice()))
            .ok_or_else(|| corrupt(f, format!("item {id} has no location in 'iloc'")))?;
        let space = match construction {
            Construction::File => bytes.len(),
            Construction::Idat => idat.len(),
        };
        let mut extents = Vec::with_capacity(raw.len());
        for &(offset, length) in raw {
            let end = offset.checked_add(length);
            // Length 0 means "to the end of the file" (single-extent items only).
            let length = if length == 0 {
                (space as u64).saturating_sub(offset)
            } else {
                length
            };
            if end.is_none_or(|e| e > space as u64) || offset > space as u64 {
                return Err(corrupt(
                    f,
                    format!(
                        "item {id}: extent of {length} bytes at offset {offset} lies past the end of the {} ({space} bytes)",
                        match construction {
                            Construction::File => "file",
                            Construction::Idat => "'idat' box",
                        }
                    ),
                ));
            }
            // Both fit in `space`, a usize.
            extents.push((offset as usize, length as usize));
        }
        Ok(Item {
            kind,
            construction,
            extents,
        })
    };
    let properties_of = |id: u32| -> Result<Vec<Property>, CodecError> {
        let mut out = Vec::new();
        for (_, indices) in ipma.iter().filter(|(i, _)| *i == id) {
            for &index in indices {
                if index == 0 {
                    continue;
                }
                let p = ipco.get(usize::from(index) - 1).ok_or_else(|| {
                    corrupt(
                        f,
                        format!(
                            "item {id} refers to property {index}, 'ipco' holds {}",
                            ipco.len()
                        ),
                    )
                })?;
                out.push(p.clone());
            }
        }
        Ok(out)
    };

    let ispe_of = |props: &[Property]| {
        props.iter().find_map(|p| match p {
            Property::Ispe { width, height } => Some((*width, *height)),
            _ => None,
        })
    };
    // A coded image: the item itself, or a grid's tiles (each with its size). The tiles of a
    // grid must be coded items, not grids: the recursion is one level by construction.
    let coded = |id: u32, kind: &[u8; 4]| -> Result<(Coded, [u8; 4]), CodecError> {
        let it = item(id)?;
        if kind != b"grid" {
            let size = ispe_of(&properties_of(id)?)
                .ok_or_else(|| corrupt(f, format!("item {id} has no size ('ispe')")))?;
            return Ok((
                Coded {
                    grid: None,
                    tiles: vec![(it, size)],
                },
                *kind,
            ));
        }
        let tile_ids: Vec<u32> = irefs
            .iter()
            .filter(|(k, from, _)| k == b"dimg" && *from == id)
            .flat_map(|(_, _, to)| to.iter().copied())
            .collect();
        if tile_ids.contains(&id) {
            return Err(corrupt(f, format!("grid item {id} is its own tile")));
        }
        let data = item_bytes(bytes, idat, &it)
            .ok_or_else(|| corrupt(f, "grid description spans several extents"))?;
        let first = *tile_ids
            .first()
            .ok_or_else(|| corrupt(f, format!("grid item {id} has no tiles")))?;
        let first_kind = item(first)?.kind;
        let mut tiles = Vec::with_capacity(tile_ids.len());
        for &t in &tile_ids {
            let tile = item(t)?;
            if tile.kind != first_kind || &tile.kind == b"grid" {
                return Err(corrupt(f, "grid tiles of different codings"));
            }
            let size = ispe_of(&properties_of(t)?)
                .ok_or_else(|| corrupt(f, "grid tile has no size ('ispe')"))?;
            tiles.push((tile, size));
        }
        let grid = read_grid(f, data, tile_ids)?;
        // Every tile of a grid has the first tile's size (libheif's rule), and the tiles must
        // cover the output.
        let tile = tiles.first().map(|t| t.1).unwrap_or((0, 0));
        if let Some((_, other)) = tiles.iter().find(|t| t.1 != tile) {
            return Err(corrupt(
                f,
                format!(
                    "grid tiles of different sizes: {}x{} and {}x{}",
                    tile.0, tile.1, other.0, other.1
                ),
            ));
        }
        let covered = (
            u64::from(tile.0) * u64::from(grid.columns),
            u64::from(tile.1) * u64::from(grid.rows),
        );
        if covered.0 < u64::from(grid.width) || covered.1 < u64::from(grid.height) {
            return Err(corrupt(
                f,
                format!(
                    "{}x{} tiles of {}x{} do not cover the {}x{} grid",
                    grid.columns, grid.rows, tile.0, tile.1, grid.width, grid.height
                ),
            ));
        }
        Ok((
            Coded {
                grid: Some(grid),
                tiles,
            },
            first_kind,
        ))
    };

    let primary = item(primary_id)?;
    let properties = properties_of(primary_id)?;
    let (image, coded_kind) = coded(primary_id, &primary.kind)?;
    let format = match &coded_kind {
        b"av01" => ImageFormat::Avif,
        b"hvc1" => ImageFormat::Heic,
        other => {
            return Err(CodecError::unsupported(
                f,
                format!(
                    "primary image coded as '{}'",
                    String::from_utf8_lossy(other)
                ),
            ))
        }
    };

    let mut clap = None;
    let mut orientation = Orientation::Identity;
    let mut bit_depth = 8;
    let mut nclx = None;
    let mut icc = None;
    for p in &properties {
        match *p {
            Property::Clap {
                width,
                height,
                horizontal,
                vertical,
            } => clap = Some((width, height, horizontal, vertical)),
            Property::Irot { quarter_turns } => {
                let cw = (4 - u16::from(quarter_turns)) % 4 * 90;
                orientation =
                    orientation.then(Orientation::rotate_cw(cw).unwrap_or(Orientation::Identity));
            }
            Property::Imir { axis } => {
                orientation = orientation.then(Orientation::flip(axis == 1, axis == 0));
            }
            Property::Pixi { bits, .. } => bit_depth = bits,
            // The first `colr` of each kind counts (HEIF allows one ICC and one nclx).
            Property::Nclx(n) => nclx = nclx.or(Some(n)),
            Property::Icc { data } => icc = icc.or(Some(data)),
            _ => {}
        }
    }
    let ispe = ispe_of(&properties).ok_or_else(|| {
        corrupt(
            format,
            format!("primary item {primary_id} has no size ('ispe')"),
        )
    })?;
    if let Some(g) = &image.grid {
        if (g.width, g.height) != ispe {
            return Err(corrupt(
                format,
                format!(
                    "grid declares {}x{}, its 'ispe' {}x{}",
                    g.width, g.height, ispe.0, ispe.1
                ),
            ));
        }
    }
    let crop = match clap {
        Some((w, h, horizontal, vertical)) => {
            Some(clap_rect(format, ispe, (w, h), horizontal, vertical)?)
        }
        None => None,
    };
    let size = crop.map_or(ispe, |(_, _, w, h)| (w, h));

    let alpha = irefs
        .iter()
        .filter(|(k, _, to)| k == b"auxl" && to.contains(&primary_id))
        .map(|(_, from, _)| *from)
        .find(|&from| properties_of(from).is_ok_and(|ps| ps.contains(&Property::AlphaAux)));
    let alpha_image = match alpha {
        Some(id) => {
            let (c, kind) = coded(id, &item(id)?.kind)?;
            if kind != coded_kind {
                return Err(corrupt(
                    format,
                    "alpha item of another coding than the image",
                ));
            }
            Some(c)
        }
        None => None,
    };

    Ok(Container {
        format,
        alpha,
        properties,
        bit_depth,
        size,
        orientation,
        image,
        alpha_image,
        coded_size: ispe,
        crop,
        nclx,
        icc,
        idat,
    })
}

/// The `clap` rectangle within a `coded` image: the aperture's centre is the image centre
/// moved by the offsets (ISO/IEC 14496-12 `CleanApertureBox`); its left and top edges are
/// rounded down, as libheif does. A rectangle outside the image is refused.
fn clap_rect(
    format: ImageFormat,
    coded: (u32, u32),
    size: (u32, u32),
    horizontal: (i32, u32),
    vertical: (i32, u32),
) -> Result<CropRect, CodecError> {
    // left = offset + (coded - 1) / 2 - (size - 1) / 2, as a fraction over 2 * denominator.
    let edge = |coded: u32, size: u32, (n, d): (i32, u32)| -> Option<u32> {
        let d = i64::from(d);
        let num = 2 * i64::from(n) + (i64::from(coded) - i64::from(size)) * d;
        let left = num.div_euclid(2 * d);
        u32::try_from(left)
            .ok()
            .filter(|&l| u64::from(l) + u64::from(size) <= u64::from(coded))
    };
    match (
        edge(coded.0, size.0, horizontal),
        edge(coded.1, size.1, vertical),
    ) {
        (Some(left), Some(top)) if size.0 > 0 && size.1 > 0 => Ok((left, top, size.0, size.1)),
        _ => Err(corrupt(
            format,
            format!(
                "clean aperture {}x{} (offsets {}/{}, {}/{}) lies outside the {}x{} image",
                size.0,
                size.1,
                horizontal.0,
                horizontal.1,
                vertical.0,
                vertical.1,
                coded.0,
                coded.1
            ),
        )),
    }
}

#[cfg_attr(not(any(feature = "avif-decode", feature = "heic")), allow(dead_code))]
/// An item's bytes: its extents, in order, joined (checked against the file or `idat` when
/// the container was parsed).
pub(crate) fn item_data(
    format: ImageFormat,
    file: &[u8],
    idat: &[u8],
    item: &Item,
) -> Result<Vec<u8>, CodecError> {
    let space = match item.construction {
        Construction::File => file,
        Construction::Idat => idat,
    };
    let total = item
        .extents
        .iter()
        .try_fold(0usize, |acc, &(_, len)| acc.checked_add(len))
        // Extents may overlap; a valid item never holds more bytes than its file or `idat`.
        .filter(|&t| t <= space.len())
        .ok_or_else(|| corrupt(format, "item extents add up to more than the file"))?;
    let mut out = Vec::with_capacity(total);
    for &(offset, length) in &item.extents {
        out.extend_from_slice(slice(space, offset, length).ok_or_else(|| {
            corrupt(
                format,
                format!("item extent of {length} bytes at {offset} lies past the end of its data"),
            )
        })?);
    }
    Ok(out)
}

/// An item's bytes when it is one extent (grid descriptions, coded images of the files pixform
/// reads); `None` for several extents.
pub(crate) fn item_bytes<'a>(file: &'a [u8], idat: &'a [u8], item: &Item) -> Option<&'a [u8]> {
    let space = match item.construction {
        Construction::File => file,
        Construction::Idat => idat,
    };
    match item.extents.as_slice() {
        [(offset, length)] => slice(space, *offset, *length),
        _ => None,
    }
}

/// What a decoder allocates: the canvas of the coded size (before `clap`) and every tile it
/// decodes on the way (a tile larger than the grid, or many tiles, cost their own area). The
/// alpha image is decoded after the colour one, so the total is the larger of the two.
fn decoded_pixels(c: &Container<'_>) -> FramePixels {
    let areas = |coded: &Coded| {
        coded
            .tiles
            .iter()
            .fold((0u64, 0u64), |(largest, total), (_, (w, h))| {
                let area = u64::from(*w) * u64::from(*h);
                (largest.max(area), total.saturating_add(area))
            })
    };
    let canvas = u64::from(c.coded_size.0) * u64::from(c.coded_size.1);
    let (image_largest, image_total) = areas(&c.image);
    let (alpha_largest, alpha_total) = c.alpha_image.as_ref().map_or((0, 0), areas);
    FramePixels {
        largest: canvas.max(image_largest).max(alpha_largest),
        total: image_total.max(alpha_total).max(canvas),
    }
}

/// The header facts of an AVIF or HEIC file.
pub(super) fn read(
    bytes: &[u8],
    sniffed: ImageFormat,
    limits: &Limits,
) -> Result<Header, CodecError> {
    let c = parse(bytes, sniffed)?;
    let mut info = SourceInfo::new(c.format, c.size.0, c.size.1);
    info.set_orientation(c.orientation);
    info.has_alpha = c.alpha.is_some();
    info.bit_depth = c.bit_depth.clamp(1, 16);
    let grey = c
        .properties
        .iter()
        .any(|p| matches!(p, Property::Pixi { channels: 1, .. }));
    info.color_model = match (grey, info.has_alpha) {
        (true, true) => ColorModel::GreyAlpha,
        (true, false) => ColorModel::Grey,
        (false, _) => ColorModel::YCbCr,
    };
    if let Some(icc) = c.icc {
        check_metadata(c.format, icc.len(), limits)?;
        info.has_icc = true;
    }
    Ok(Header {
        frame_pixels: decoded_pixels(&c),
        info,
        adobe_transform: None,
        scan_offset: 0,
    })
}
