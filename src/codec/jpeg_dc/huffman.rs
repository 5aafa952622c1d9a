//! Huffman tables and the entropy-coded-data bit reader (ITU T.81 Annex C, F.2.2).
//!
//! Every read is bounds-checked: past the end of the data, or at a marker, the reader supplies
//! zero bits (as the standard decoders do) and remembers that it ran past the end, so a
//! truncated scan becomes an error and never a panic.

use super::CorruptError;

/// Codes up to this many bits are decoded with one table look-up.
const LUT_BITS: u32 = 9;

/// A decoding table built from a DHT segment.
#[derive(Clone)]
pub(super) struct HuffmanTable {
    /// `(code length << 8) | value` for each `LUT_BITS`-bit prefix; 0 when the code is longer.
    lut: Vec<u16>,
    /// Largest code of each length (index 1..=16), −1 when there is none.
    maxcode: [i32; 17],
    /// `values` index minus code, per length.
    valoffset: [i32; 17],
    values: Vec<u8>,
}

impl HuffmanTable {
    /// Builds the table from the 16 code-length counts and the values (T.81 C.2).
    pub(super) fn new(counts: &[u8; 16], values: &[u8]) -> Result<Self, CorruptError> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total != values.len() || total > 256 {
            return Err(CorruptError("Huffman table: value count does not match"));
        }
        let mut lut = vec![0u16; 1 << LUT_BITS];
        let mut maxcode = [-1i32; 17];
        let mut valoffset = [0i32; 17];
        let mut code: u32 = 0;
        let mut k: usize = 0;
        for len in 1..=16u32 {
            let n = counts.get(len as usize - 1).copied().unwrap_or(0);
            // k ≤ 256 and code < 2^16 here, so the i32 arithmetic cannot overflow.
            valoffset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                if code >= 1 << len {
                    return Err(CorruptError("Huffman table: more codes than lengths allow"));
                }
                let value = values.get(k).copied().unwrap_or(0);
                if len <= LUT_BITS {
                    let shift = LUT_BITS - len;
                    let first = (code << shift) as usize;
                    let entry = ((len as u16) << 8) | u16::from(value);
                    if let Some(slots) = lut.get_mut(first..first + (1 << shift)) {
                        slots.fill(entry);
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        Ok(HuffmanTable {
            lut,
            maxcode,
            valoffset,
            values: values.to_vec(),
        })
    }
}

/// Reads bits from entropy-coded data, removing stuffed zero bytes and stopping at markers.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Loaded bits, most significant first.
    bits: u64,
    count: u32,
    /// A marker (or the end of the data) was reached: only zero bits follow.
    at_marker: bool,
    /// The end of the data was reached without a marker.
    overrun: bool,
}

impl<'a> BitReader<'a> {
    pub(super) fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            bits: 0,
            count: 0,
            at_marker: false,
            overrun: false,
        }
    }

    /// The first byte not yet loaded: where the search for the next marker starts.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Whether the data ended inside the scan.
    pub(super) fn overran(&self) -> bool {
        self.overrun
    }

    fn fill(&mut self) {
        while self.count <= 56 {
            let byte = if self.at_marker {
                0
            } else {
                match self.data.get(self.pos).copied() {
                    None => {
                        self.overrun = true;
                        self.at_marker = true;
                        0
                    }
                    Some(0xFF) => {
                        if self.data.get(self.pos + 1) == Some(&0) {
                            self.pos += 2;
                            0xFF
                        } else {
                            self.at_marker = true;
                            0
                        }
                    }
                    Some(b) => {
                        self.pos += 1;
                        b
                    }
                }
            };
            self.bits |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    /// The next `n` bits (0..=16) as an unsigned number.
    pub(super) fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.count < n {
            self.fill();
        }
        let v = (self.bits >> (64 - n)) as u32;
        self.bits <<= n;
        self.count -= n;
        v
    }

    /// One Huffman-coded value.
    pub(super) fn decode(&mut self, table: &HuffmanTable) -> Result<u8, CorruptError> {
        if self.count < 16 {
            self.fill();
        }
        let prefix = (self.bits >> (64 - LUT_BITS)) as usize;
        let entry = table.lut.get(prefix).copied().unwrap_or(0);
        let len = u32::from(entry >> 8);
        if len > 0 {
            self.bits <<= len;
            self.count -= len;
            return Ok(entry as u8);
        }
        for len in LUT_BITS + 1..=16 {
            let code = (self.bits >> (64 - len)) as i32;
            let max = table.maxcode.get(len as usize).copied().unwrap_or(-1);
            if code <= max {
                let offset = table.valoffset.get(len as usize).copied().unwrap_or(0);
                let value = usize::try_from(code + offset)
                    .ok()
                    .and_then(|i| table.values.get(i).copied())
                    .ok_or(CorruptError("Huffman code outside its table"))?;
                self.bits <<= len;
                self.count -= len;
                return Ok(value);
            }
        }
        Err(CorruptError("invalid Huffman code"))
    }

    /// `s` bits as a signed coefficient difference (T.81 F.2.2.1 EXTEND), `s` in 0..=15.
    pub(super) fn receive_extend(&mut self, s: u8) -> i16 {
        let s = u32::from(s.min(15));
        let v = self.bits(s);
        if s == 0 {
            0
        } else if v < 1 << (s - 1) {
            (v as i32 - (1 << s) + 1) as i16
        } else {
            v as i16
        }
    }

    /// Drops the buffered bits and moves past the restart marker RST`expected`, which must be
    /// the next marker.
    pub(super) fn restart(&mut self, expected: u8) -> Result<(), CorruptError> {
        self.bits = 0;
        self.count = 0;
        self.at_marker = false;
        let at = next_marker(self.data, self.pos, false)
            .ok_or(CorruptError("truncated scan: no restart marker"))?;
        match self.data.get(at + 1).copied() {
            Some(m) if m == 0xD0 + expected => {
                self.pos = at + 2;
                Ok(())
            }
            _ => Err(CorruptError("restart marker missing or out of order")),
        }
    }
}

/// The offset of the next marker's 0xFF at or after `from`: 0xFF followed by a byte that is
/// neither a stuffed zero nor a fill 0xFF; restart markers are stepped over when
/// `skip_restarts`. `None` when the data ends first.
pub(super) fn next_marker(data: &[u8], from: usize, skip_restarts: bool) -> Option<usize> {
    let mut p = from;
    loop {
        let i = p + memchr::memchr(0xFF, data.get(p..)?)?;
        match data.get(i + 1).copied()? {
            0x00 => p = i + 2,
            0xFF => p = i + 1,
            0xD0..=0xD7 if skip_restarts => p = i + 2,
            _ => return Some(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The standard luminance DC table of T.81 K.3.
    const DC_COUNTS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    #[test]
    fn decodes_standard_dc_codes() {
        let t = HuffmanTable::new(&DC_COUNTS, &DC_VALUES).unwrap();
        // Codes: 0 → 00, 1 → 010, 5 → 110, 11 → 111111110 (9 bits); then 1 bit padding.
        // 00 010 110 111111110 1 = 0001 0110 1111 1111 0100 0000 (ones pad the last byte).
        let data = [0x16, 0xFF, 0x00, 0x7F, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        let got: Vec<u8> = (0..4).map(|_| r.decode(&t).unwrap()).collect();
        assert_eq!(got, vec![0, 1, 5, 11]);
        assert!(!r.overran());
    }

    #[test]
    fn extends_signed_values() {
        // s = 3: 000 → −7, 011 → −4, 100 → 4, 111 → 7.
        let cases = [(0b000u8, -7i16), (0b011, -4), (0b100, 4), (0b111, 7)];
        for (bits, want) in cases {
            let data = [bits << 5, 0xFF, 0xD9];
            let mut r = BitReader::new(&data, 0);
            assert_eq!(r.receive_extend(3), want, "{bits:03b}");
        }
    }

    #[test]
    fn rejects_overfull_table() {
        let counts = [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(HuffmanTable::new(&counts, &[0, 1, 2]).is_err());
        assert!(HuffmanTable::new(&DC_COUNTS, &DC_VALUES[..11]).is_err());
    }

    #[test]
    fn finds_markers_past_stuffing_and_restarts() {
        let data = [1, 0xFF, 0x00, 2, 0xFF, 0xD3, 3, 0xFF, 0xFF, 0xDA, 0];
        assert_eq!(next_marker(&data, 0, true), Some(8));
        assert_eq!(next_marker(&data, 0, false), Some(4));
        assert_eq!(next_marker(&data[..9], 0, true), None);
    }

    #[test]
    fn reading_past_the_end_is_flagged() {
        let mut r = BitReader::new(&[0xAB], 0);
        assert_eq!(r.bits(8), 0xAB);
        assert_eq!(r.bits(16), 0);
        assert!(r.overran());
    }
}
