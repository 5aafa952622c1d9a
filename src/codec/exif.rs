//! The EXIF orientation tag, read with a small bounds-checked TIFF reader.
//!
//! Only IFD0 is read and no IFD link is followed, so a looping or truncated EXIF block cannot
//! make the reader loop or fail: anything unexpected gives orientation 1.

use super::bytes::{be_u16, be_u32, le_u16, le_u32};
use crate::ops::Orientation;

/// The TIFF tag number of Orientation.
const ORIENTATION_TAG: u16 = 0x0112;
/// The TIFF field type SHORT.
const TYPE_SHORT: u16 = 3;

/// The orientation stored in an EXIF block, or [`Orientation::Identity`] when absent or
/// invalid. `exif` may start with the `Exif\0\0` APP1 prefix or directly with the TIFF header.
pub(crate) fn orientation_from_exif(exif: &[u8]) -> Orientation {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    read_orientation(tiff)
        .and_then(Orientation::from_exif)
        .unwrap_or_default()
}

fn read_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(0..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        if little {
            le_u16(tiff, at)
        } else {
            be_u16(tiff, at)
        }
    };
    let u32_at = |at: usize| {
        if little {
            le_u32(tiff, at)
        } else {
            be_u32(tiff, at)
        }
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        let tag = u16_at(entry)?;
        if tag != ORIENTATION_TAG {
            continue;
        }
        if u16_at(entry.checked_add(2)?)? != TYPE_SHORT || u32_at(entry.checked_add(4)?)? != 1 {
            return None;
        }
        return u8::try_from(u16_at(entry.checked_add(8)?)?).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal TIFF block with one IFD0 entry (tag, type, count, value).
    fn tiff(little: bool, tag: u16, typ: u16, count: u32, value: u16) -> Vec<u8> {
        let mut v = Vec::new();
        let u16b = |x: u16| {
            if little {
                x.to_le_bytes()
            } else {
                x.to_be_bytes()
            }
        };
        let u32b = |x: u32| {
            if little {
                x.to_le_bytes()
            } else {
                x.to_be_bytes()
            }
        };
        v.extend_from_slice(if little { b"II*\0" } else { b"MM\0*" });
        v.extend_from_slice(&u32b(8));
        v.extend_from_slice(&u16b(1));
        v.extend_from_slice(&u16b(tag));
        v.extend_from_slice(&u16b(typ));
        v.extend_from_slice(&u32b(count));
        v.extend_from_slice(&u16b(value));
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&u32b(0));
        v
    }

    #[test]
    fn reads_orientation_in_both_byte_orders() {
        for o in 1..=8u16 {
            assert_eq!(
                orientation_from_exif(&tiff(true, 0x0112, 3, 1, o)).exif(),
                o as u8
            );
            assert_eq!(
                orientation_from_exif(&tiff(false, 0x0112, 3, 1, o)).exif(),
                o as u8
            );
        }
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend(tiff(false, 0x0112, 3, 1, 6));
        assert_eq!(orientation_from_exif(&prefixed).exif(), 6);
    }

    #[test]
    fn invalid_exif_gives_one() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("bad magic", b"XX*\0\0\0\0\x08".to_vec()),
            ("value 0", tiff(true, 0x0112, 3, 1, 0)),
            ("value 9", tiff(true, 0x0112, 3, 1, 9)),
            ("wrong type", tiff(true, 0x0112, 4, 1, 6)),
            ("wrong count", tiff(true, 0x0112, 3, 2, 6)),
            ("other tag", tiff(true, 0x0110, 3, 1, 6)),
            ("ifd offset past end", b"II*\0\xff\xff\xff\x7f".to_vec()),
            (
                "truncated entry",
                tiff(true, 0x0112, 3, 1, 6)[..14].to_vec(),
            ),
        ];
        for (name, data) in cases {
            assert_eq!(orientation_from_exif(&data).exif(), 1, "{name}");
        }
    }
}
