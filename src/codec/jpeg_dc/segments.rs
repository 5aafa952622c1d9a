//! Marker-segment payloads the DC decoder needs: SOF, SOS, DQT, DHT, DRI (T.81 B.2, B.2.4).

use super::huffman::HuffmanTable;
use super::CorruptError;

/// One frame component with its block grid and its DC coefficients.
pub(super) struct Component {
    pub id: u8,
    pub h: usize,
    pub v: usize,
    /// Quantization table selector.
    pub tq: usize,
    /// Blocks per row, padded to whole MCUs (the grid interleaved scans cover).
    pub grid_w: usize,
    /// Blocks per row and rows of blocks that carry image data (the grid a non-interleaved scan
    /// covers; also the component's size at 1/8 scale).
    pub blocks_w: usize,
    pub blocks_h: usize,
    /// DC coefficient of each block of the padded grid, row-major.
    pub dc: Vec<i16>,
    /// The DC quantizer in force when the component was last scanned.
    pub q0: Option<u16>,
    /// Whether a first DC scan covered the component.
    pub has_dc: bool,
}

/// The frame header facts.
pub(super) struct Frame {
    pub width: usize,
    pub height: usize,
    pub progressive: bool,
    pub components: Vec<Component>,
    pub hmax: usize,
    pub vmax: usize,
    /// MCUs per row and MCU rows of interleaved scans.
    pub mcus_x: usize,
    pub mcus_y: usize,
}

/// Why a frame cannot be decoded here.
pub(super) enum FrameError {
    Corrupt(CorruptError),
    Unsupported(&'static str),
}

impl From<CorruptError> for FrameError {
    fn from(e: CorruptError) -> Self {
        FrameError::Corrupt(e)
    }
}

const fn corrupt(what: &'static str) -> CorruptError {
    CorruptError(what)
}

fn at(p: &[u8], i: usize) -> Result<u8, CorruptError> {
    p.get(i).copied().ok_or(corrupt("segment too short"))
}

fn be16(p: &[u8], i: usize) -> Result<usize, CorruptError> {
    Ok(usize::from(at(p, i)?) << 8 | usize::from(at(p, i + 1)?))
}

/// Parses SOF0/1/2 and allocates the DC planes. The caller has checked the size against the
/// limits already (the header probe).
pub(super) fn parse_frame(p: &[u8], progressive: bool) -> Result<Frame, FrameError> {
    if at(p, 0)? != 8 {
        return Err(FrameError::Unsupported(
            "sample precision other than 8 bits",
        ));
    }
    let height = be16(p, 1)?;
    let width = be16(p, 3)?;
    let n = usize::from(at(p, 5)?);
    if width == 0 || height == 0 {
        return Err(FrameError::Unsupported("zero-sized frame (DNL)"));
    }
    match n {
        1 | 3 => {}
        4 => return Err(FrameError::Unsupported("4-component (CMYK/YCCK) JPEG")),
        _ => return Err(corrupt("component count").into()),
    }
    let mut specs = Vec::with_capacity(n);
    for i in 0..n {
        let base = 6 + 3 * i;
        let sampling = at(p, base + 1)?;
        let (h, v) = (usize::from(sampling >> 4), usize::from(sampling & 15));
        let tq = usize::from(at(p, base + 2)?);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || tq > 3 {
            return Err(corrupt("component sampling factors or table").into());
        }
        specs.push((at(p, base)?, h, v, tq));
    }
    let hmax = specs.iter().map(|s| s.1).max().unwrap_or(1);
    let vmax = specs.iter().map(|s| s.2).max().unwrap_or(1);
    if specs.iter().any(|s| hmax % s.1 != 0 || vmax % s.2 != 0) {
        return Err(FrameError::Unsupported(
            "non-integer chroma subsampling ratio",
        ));
    }
    let mcus_x = width.div_ceil(8 * hmax);
    let mcus_y = height.div_ceil(8 * vmax);
    let mut components = Vec::with_capacity(n);
    for (id, h, v, tq) in specs {
        let grid_w = mcus_x * h;
        let grid_h = mcus_y * v;
        // width, height < 2^16 and h, v ≤ 4: no overflow on any target with ≥ 32-bit usize.
        let blocks_w = (width * h).div_ceil(hmax * 8);
        let blocks_h = (height * v).div_ceil(vmax * 8);
        let len = grid_w
            .checked_mul(grid_h)
            .ok_or(corrupt("block count overflows"))?;
        components.push(Component {
            id,
            h,
            v,
            tq,
            grid_w,
            blocks_w,
            blocks_h,
            dc: vec![0; len],
            q0: None,
            has_dc: false,
        });
    }
    Ok(Frame {
        width,
        height,
        progressive,
        components,
        hmax,
        vmax,
        mcus_x,
        mcus_y,
    })
}

/// A scan header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScanHeader {
    /// Indices into the frame's components, with their DC and AC table selectors.
    pub components: Vec<(usize, usize, usize)>,
    pub ss: u8,
    pub se: u8,
    pub ah: u8,
    pub al: u8,
}

/// Parses SOS against the frame.
pub(super) fn parse_scan(p: &[u8], frame: &Frame) -> Result<ScanHeader, CorruptError> {
    let n = usize::from(at(p, 0)?);
    if n == 0 || n > 4 || n > frame.components.len() {
        return Err(corrupt("scan component count"));
    }
    let mut components = Vec::with_capacity(n);
    for i in 0..n {
        let id = at(p, 1 + 2 * i)?;
        let tables = at(p, 2 + 2 * i)?;
        let index = frame
            .components
            .iter()
            .position(|c| c.id == id)
            .ok_or(corrupt("scan names a component the frame does not have"))?;
        if components
            .iter()
            .any(|c: &(usize, usize, usize)| c.0 == index)
        {
            return Err(corrupt("scan names a component twice"));
        }
        let (td, ta) = (usize::from(tables >> 4), usize::from(tables & 15));
        if td > 3 || ta > 3 {
            return Err(corrupt("Huffman table selector"));
        }
        components.push((index, td, ta));
    }
    let ss = at(p, 1 + 2 * n)?;
    let se = at(p, 2 + 2 * n)?;
    let a = at(p, 3 + 2 * n)?;
    let (ah, al) = (a >> 4, a & 15);
    if n > 1 {
        let blocks: usize = components
            .iter()
            .filter_map(|c| frame.components.get(c.0))
            .map(|c| c.h * c.v)
            .sum();
        if blocks > 10 {
            return Err(corrupt("more than 10 blocks per MCU"));
        }
    }
    if frame.progressive {
        if se > 63 || ss > se || (ss == 0 && se != 0) || (ss != 0 && n != 1) {
            return Err(corrupt("progressive spectral selection"));
        }
        if ah > 13 || al > 13 || (ah != 0 && ah != al + 1) {
            return Err(corrupt("successive approximation"));
        }
    }
    // Sequential scans carry all 64 coefficients at full precision whatever Ss/Se/Ah/Al say
    // (libjpeg and jpeg-decoder ignore them too).
    Ok(ScanHeader {
        components,
        ss,
        se,
        ah,
        al,
    })
}

/// Applies a DQT segment: records each table's DC quantizer (the only entry a 1×1 IDCT uses).
pub(super) fn parse_dqt(p: &[u8], q0: &mut [Option<u16>; 4]) -> Result<(), CorruptError> {
    let mut i = 0;
    while i < p.len() {
        let pq_tq = at(p, i)?;
        let (precision, id) = (pq_tq >> 4, usize::from(pq_tq & 15));
        let (dc, entry_len) = match precision {
            0 => (u16::from(at(p, i + 1)?), 1),
            1 => (u16::from(at(p, i + 1)?) << 8 | u16::from(at(p, i + 2)?), 2),
            _ => return Err(corrupt("quantization table precision")),
        };
        if i + 1 + 64 * entry_len > p.len() {
            return Err(corrupt("quantization table truncated"));
        }
        *q0.get_mut(id).ok_or(corrupt("quantization table id"))? = Some(dc);
        i += 1 + 64 * entry_len;
    }
    Ok(())
}

/// Huffman tables by class (0 = DC, 1 = AC) and id.
pub(super) type Tables = [[Option<HuffmanTable>; 4]; 2];

/// Applies a DHT segment.
pub(super) fn parse_dht(p: &[u8], tables: &mut Tables) -> Result<(), CorruptError> {
    let mut i = 0;
    while i < p.len() {
        let tc_th = at(p, i)?;
        let (class, id) = (usize::from(tc_th >> 4), usize::from(tc_th & 15));
        let mut counts = [0u8; 16];
        for (k, c) in counts.iter_mut().enumerate() {
            *c = at(p, i + 1 + k)?;
        }
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values = p
            .get(i + 17..i + 17 + total)
            .ok_or(corrupt("Huffman table truncated"))?;
        let table = HuffmanTable::new(&counts, values)?;
        let slot = tables
            .get_mut(class)
            .and_then(|t| t.get_mut(id))
            .ok_or(corrupt("Huffman table class or id"))?;
        *slot = Some(table);
        i += 17 + total;
    }
    Ok(())
}

/// The restart interval of a DRI segment, in MCUs.
pub(super) fn parse_dri(p: &[u8]) -> Result<usize, CorruptError> {
    be16(p, 0)
}
