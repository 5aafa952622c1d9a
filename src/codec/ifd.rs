//! A bounds-checked reader of one TIFF image file directory (IFD): the structure of TIFF
//! files and of EXIF blocks.
//!
//! Only classic TIFF (32-bit offsets) is read. Nothing is allocated: entries are read in place
//! and every offset is checked against the input before it is used, so a hostile directory
//! costs at most one pass over its entries.

use super::bytes::{be_u16, be_u32, le_u16, le_u32};

/// TIFF field types by their size in bytes; `None` for types this reader does not know.
fn type_size(typ: u16) -> Option<u64> {
    match typ {
        // BYTE, ASCII, SBYTE, UNDEFINED.
        1 | 2 | 6 | 7 => Some(1),
        // SHORT, SSHORT.
        3 | 8 => Some(2),
        // LONG, SLONG, FLOAT, IFD.
        4 | 9 | 11 | 13 => Some(4),
        // RATIONAL, SRATIONAL, DOUBLE.
        5 | 10 | 12 => Some(8),
        _ => None,
    }
}

/// The field type SHORT.
pub(crate) const TYPE_SHORT: u16 = 3;
/// The field type LONG.
pub(crate) const TYPE_LONG: u16 = 4;

/// Why a directory cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfdError {
    /// The first four bytes are not `II*\0` or `MM\0*`.
    NotTiff,
    /// `II+\0` or `MM\0+`: BigTIFF, whose 64-bit offsets this reader does not read.
    BigTiff,
    /// The header or the entry count lies past the end of the input.
    Truncated,
}

/// One directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The tag number.
    pub tag: u16,
    /// The field type.
    pub typ: u16,
    /// The number of values.
    pub count: u32,
    /// Where the entry's 4-byte value-or-offset field is.
    field_at: usize,
}

/// The first directory (IFD0) of a TIFF structure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ifd<'a> {
    bytes: &'a [u8],
    little: bool,
    /// Offset of the entry count.
    at: usize,
    count: usize,
}

impl<'a> Ifd<'a> {
    /// Reads the header and IFD0's entry count. The entry table may end past the input
    /// (EXIF blocks are often cut short): [`Ifd::entries`] then stops at the last whole entry,
    /// and [`Ifd::is_complete`] tells.
    pub(crate) fn first(bytes: &'a [u8]) -> Result<Ifd<'a>, IfdError> {
        let little = match bytes.get(0..4) {
            Some(b"II*\0") => true,
            Some(b"MM\0*") => false,
            Some(b"II+\0" | b"MM\0+") => return Err(IfdError::BigTiff),
            Some(_) => return Err(IfdError::NotTiff),
            None => return Err(IfdError::Truncated),
        };
        let mut ifd = Ifd {
            bytes,
            little,
            at: 0,
            count: 0,
        };
        ifd.at = ifd
            .u32_at(4)
            .and_then(|v| usize::try_from(v).ok())
            .ok_or(IfdError::Truncated)?;
        ifd.count = ifd
            .u16_at(ifd.at)
            .map(usize::from)
            .ok_or(IfdError::Truncated)?;
        Ok(ifd)
    }

    /// Whether the file is little-endian (`II`).
    pub(crate) fn is_little_endian(&self) -> bool {
        self.little
    }

    /// Whether the whole entry table and the next-IFD link lie inside the input.
    pub(crate) fn is_complete(&self) -> bool {
        self.at
            .checked_add(2 + 12 * self.count + 4)
            .is_some_and(|end| end <= self.bytes.len())
    }

    /// The number of entries the directory declares.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        if self.little {
            le_u16(self.bytes, at)
        } else {
            be_u16(self.bytes, at)
        }
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        if self.little {
            le_u32(self.bytes, at)
        } else {
            be_u32(self.bytes, at)
        }
    }

    /// The entries in file order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        (0..self.count).map_while(move |i| {
            let at = self.at + 2 + 12 * i;
            Some(Entry {
                tag: self.u16_at(at)?,
                typ: self.u16_at(at + 2)?,
                count: self.u32_at(at + 4)?,
                field_at: at + 8,
            })
        })
    }

    /// The first entry with `tag`.
    pub(crate) fn find(&self, tag: u16) -> Option<Entry> {
        self.entries().find(|e| e.tag == tag)
    }

    /// The size in bytes of an entry's values (`None` for an unknown type); u64, so that a
    /// declared count of 2³² − 1 DOUBLEs is representable.
    pub(crate) fn value_bytes(entry: &Entry) -> Option<u64> {
        type_size(entry.typ).map(|s| s * u64::from(entry.count))
    }

    /// Where an entry's values are: inside the entry when they fit in four bytes, else at the
    /// offset it holds. `None` when the type is unknown or the values end past the input.
    pub(crate) fn value_range(&self, entry: &Entry) -> Option<std::ops::Range<usize>> {
        let len = usize::try_from(Self::value_bytes(entry)?).ok()?;
        let start = if len <= 4 {
            entry.field_at
        } else {
            usize::try_from(self.u32_at(entry.field_at)?).ok()?
        };
        let end = start.checked_add(len)?;
        (end <= self.bytes.len()).then_some(start..end)
    }

    /// The `i`-th value of a BYTE, SHORT or LONG entry; `None` for other types or when the
    /// value lies past the input.
    pub(crate) fn uint(&self, entry: &Entry, i: u32) -> Option<u32> {
        if i >= entry.count {
            return None;
        }
        let size = usize::try_from(type_size(entry.typ)?).ok()?;
        let range = self.value_range(entry)?;
        let at = range
            .start
            .checked_add(usize::try_from(i).ok()?.checked_mul(size)?)?;
        match entry.typ {
            1 => self.bytes.get(at).copied().map(u32::from),
            TYPE_SHORT => self.u16_at(at).map(u32::from),
            TYPE_LONG => self.u32_at(at),
            _ => None,
        }
    }
}
