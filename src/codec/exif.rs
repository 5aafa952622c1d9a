//! The EXIF orientation tag, read with a small bounds-checked TIFF reader.
//!
//! Only IFD0 is read and no IFD link is followed, so a looping or truncated EXIF block cannot
//! make the reader loop or fail: anything unexpected gives orientation 1.

use super::ifd::{Ifd, TYPE_SHORT};
use crate::ops::Orientation;

/// The TIFF tag number of Orientation.
pub(crate) const ORIENTATION_TAG: u16 = 0x0112;

/// The orientation stored in an EXIF block, or [`Orientation::Identity`] when absent or
/// invalid. `exif` may start with the `Exif\0\0` APP1 prefix or directly with the TIFF header.
pub(crate) fn orientation_from_exif(exif: &[u8]) -> Orientation {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    Ifd::first(tiff)
        .ok()
        .map(|ifd| orientation_in(&ifd))
        .unwrap_or_default()
}

/// The orientation tag of a directory: one SHORT from 1 to 8, else the identity.
pub(crate) fn orientation_in(ifd: &Ifd<'_>) -> Orientation {
    ifd.find(ORIENTATION_TAG)
        .filter(|e| e.typ == TYPE_SHORT && e.count == 1)
        .and_then(|e| ifd.uint(&e, 0))
        .and_then(|v| u8::try_from(v).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or_default()
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
