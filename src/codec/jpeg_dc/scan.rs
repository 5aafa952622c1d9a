//! Entropy-coded scans: DC coefficients decoded, everything else stepped over.

use super::huffman::{next_marker, BitReader, HuffmanTable};
use super::segments::{Frame, ScanHeader, Tables};
use super::CorruptError;

/// What a scan contributes at 1/8 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanKind {
    /// Progressive AC band: nothing; its data is skipped without decoding.
    SkipAc,
    /// Progressive first DC scan (Ss = 0, Ah = 0).
    DcFirst,
    /// Progressive DC refinement (Ss = 0, Ah > 0): one bit per block.
    DcRefine,
    /// Sequential scan: DC decoded, the AC codes decoded only to find the next block.
    Sequential,
}

/// Decodes (or skips) one scan whose entropy-coded data starts at `start`; returns the
/// offset of the marker that follows it.
pub(super) fn decode_scan(
    data: &[u8],
    start: usize,
    frame: &mut Frame,
    scan: &ScanHeader,
    tables: &Tables,
    q0: &[Option<u16>; 4],
    restart_interval: usize,
) -> Result<usize, CorruptError> {
    let kind = match (frame.progressive, scan.ss, scan.ah) {
        (false, _, _) => ScanKind::Sequential,
        (true, 0, 0) => ScanKind::DcFirst,
        (true, 0, _) => ScanKind::DcRefine,
        (true, _, _) => ScanKind::SkipAc,
    };
    // The quantizer in force at the component's last scan is the one its IDCT uses.
    for &(ci, _, _) in &scan.components {
        if let Some(c) = frame.components.get_mut(ci) {
            let q = q0.get(c.tq).copied().flatten();
            c.q0 = Some(q.ok_or(CorruptError("scan uses an undefined quantization table"))?);
        }
    }
    if kind == ScanKind::SkipAc {
        return next_marker(data, start, true).ok_or(CorruptError("truncated scan"));
    }
    let mut units = Vec::with_capacity(scan.components.len());
    for &(ci, td, ta) in &scan.components {
        let dc = match kind {
            ScanKind::DcRefine => None,
            _ => Some(table(tables, 0, td).ok_or(CorruptError("scan uses an undefined DC table"))?),
        };
        let ac = match kind {
            ScanKind::Sequential => {
                Some(table(tables, 1, ta).ok_or(CorruptError("scan uses an undefined AC table"))?)
            }
            _ => None,
        };
        units.push((ci, dc, ac));
    }
    let mut reader = BitReader::new(data, start);
    let mut predictors = [0i16; 4];
    let mut restart = Restart::new(restart_interval);
    let al = u32::from(scan.al);
    if let [(ci, dc, ac)] = units.as_slice() {
        // Non-interleaved: one block per MCU, over the blocks that carry image data.
        let c = frame
            .components
            .get_mut(*ci)
            .ok_or(CorruptError("component index"))?;
        for by in 0..c.blocks_h {
            for bx in 0..c.blocks_w {
                restart.tick(&mut reader, &mut predictors)?;
                let coef =
                    c.dc.get_mut(by * c.grid_w + bx)
                        .ok_or(CorruptError("block outside the grid"))?;
                let pred = &mut predictors[0];
                decode_block(kind, &mut reader, coef, pred, *dc, *ac, al)?;
            }
        }
    } else {
        for my in 0..frame.mcus_y {
            for mx in 0..frame.mcus_x {
                restart.tick(&mut reader, &mut predictors)?;
                for (slot, (ci, dc, ac)) in units.iter().enumerate() {
                    let c = frame
                        .components
                        .get_mut(*ci)
                        .ok_or(CorruptError("component index"))?;
                    let pred = predictors
                        .get_mut(slot)
                        .ok_or(CorruptError("component count"))?;
                    for v in 0..c.v {
                        for h in 0..c.h {
                            let index = (my * c.v + v) * c.grid_w + mx * c.h + h;
                            let coef =
                                c.dc.get_mut(index)
                                    .ok_or(CorruptError("block outside the grid"))?;
                            decode_block(kind, &mut reader, coef, pred, *dc, *ac, al)?;
                        }
                    }
                }
            }
        }
    }
    if reader.overran() {
        return Err(CorruptError("truncated scan"));
    }
    if matches!(kind, ScanKind::DcFirst | ScanKind::Sequential) {
        for &(ci, _, _) in &scan.components {
            if let Some(c) = frame.components.get_mut(ci) {
                c.has_dc = true;
            }
        }
    }
    next_marker(data, reader.position(), true).ok_or(CorruptError("truncated scan"))
}

fn table(tables: &Tables, class: usize, id: usize) -> Option<&HuffmanTable> {
    tables.get(class)?.get(id)?.as_ref()
}

/// Restart-interval bookkeeping (T.81 F.2.1.3.1: predictors reset at every RST).
struct Restart {
    interval: usize,
    left: usize,
    expected: u8,
}

impl Restart {
    fn new(interval: usize) -> Self {
        Restart {
            interval,
            left: interval,
            expected: 0,
        }
    }

    fn tick(
        &mut self,
        reader: &mut BitReader,
        predictors: &mut [i16; 4],
    ) -> Result<(), CorruptError> {
        if self.interval == 0 {
            return Ok(());
        }
        if self.left == 0 {
            reader.restart(self.expected)?;
            self.expected = (self.expected + 1) % 8;
            *predictors = [0; 4];
            self.left = self.interval;
        }
        self.left -= 1;
        Ok(())
    }
}

fn decode_block(
    kind: ScanKind,
    reader: &mut BitReader,
    coef: &mut i16,
    pred: &mut i16,
    dc: Option<&HuffmanTable>,
    ac: Option<&HuffmanTable>,
    al: u32,
) -> Result<(), CorruptError> {
    if kind == ScanKind::DcRefine {
        if reader.bits(1) == 1 {
            *coef |= 1i16.wrapping_shl(al);
        }
        return Ok(());
    }
    let dc = dc.ok_or(CorruptError("missing DC table"))?;
    let s = reader.decode(dc)?;
    if s > 11 {
        return Err(CorruptError("DC difference category above 11"));
    }
    // Wrapping, as libjpeg and jpeg-decoder: a hostile file may overflow the predictor.
    *pred = pred.wrapping_add(reader.receive_extend(s));
    *coef = pred.wrapping_shl(al);
    if let Some(ac) = ac {
        skip_ac(reader, ac)?;
    }
    Ok(())
}

/// Steps over the 63 AC coefficients of a sequential block (T.81 F.2.2.2).
fn skip_ac(reader: &mut BitReader, ac: &HuffmanTable) -> Result<(), CorruptError> {
    let mut k = 1u32;
    while k < 64 {
        let rs = reader.decode(ac)?;
        let (run, size) = (u32::from(rs >> 4), u32::from(rs & 15));
        if size == 0 {
            if run != 15 {
                break;
            }
            k += 16;
        } else {
            k += run + 1;
            reader.bits(size);
        }
    }
    Ok(())
}
