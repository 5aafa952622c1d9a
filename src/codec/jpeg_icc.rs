//! ICC profiles in JPEG APP2 `ICC_PROFILE` segments: read back from a file (libjpeg's decoder
//! is not asked to save markers), and written into an encoded stream (libjpeg-turbo's encoder, as the `turbojpeg` crate exposes it, writes no
//! profile).

use crate::format::ImageFormat;

use super::bytes::{be_u16, byte, slice};
use super::error::CodecError;

// Writing profiles serves only libjpeg-turbo's encoder (feature `turbojpeg`).
#[cfg_attr(not(feature = "turbojpeg"), allow(dead_code))]
const F: ImageFormat = ImageFormat::Jpeg;

/// `ICC_PROFILE\0`, then the 1-based chunk number and the chunk count.
const ICC_SIGNATURE: &[u8; 12] = b"ICC_PROFILE\0";
const CHUNK_HEADER_LEN: usize = ICC_SIGNATURE.len() + 2;
/// A segment's length field counts itself (2 bytes) and is at most 65 535.
#[cfg_attr(not(feature = "turbojpeg"), allow(dead_code))]
const MAX_CHUNK_DATA: usize = u16::MAX as usize - 2 - CHUNK_HEADER_LEN;

/// The embedded profile, reassembled from its APP2 chunks up to the first scan.
///
/// As jpeg-decoder and zune-jpeg do, a profile whose chunks are inconsistent (a wrong count,
/// a chunk number 0, repeated or missing) counts as absent. The header probe has already
/// checked the profile's total size against the metadata limit.
pub(crate) fn read(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut chunks: Vec<(u8, u8, &[u8])> = Vec::new();
    let mut pos = 2usize;
    loop {
        if byte(bytes, pos)? != 0xFF {
            return None;
        }
        while byte(bytes, pos) == Some(0xFF) {
            pos += 1;
        }
        let marker = byte(bytes, pos)?;
        pos += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            break;
        }
        let len = usize::from(be_u16(bytes, pos)?);
        let payload = slice(bytes, pos.checked_add(2)?, len.checked_sub(2)?)?;
        if marker == 0xE2 && payload.starts_with(ICC_SIGNATURE) {
            let seq = byte(payload, ICC_SIGNATURE.len())?;
            let count = byte(payload, ICC_SIGNATURE.len() + 1)?;
            chunks.push((seq, count, payload.get(CHUNK_HEADER_LEN..)?));
        }
        pos = pos.checked_add(len)?;
    }
    let count = chunks.len();
    if count == 0 || chunks.iter().any(|&(_, n, _)| usize::from(n) != count) {
        return None;
    }
    chunks.sort_unstable_by_key(|&(seq, _, _)| seq);
    // Sorted, `count` chunks numbered exactly 1..=count: none missing, none repeated.
    if chunks
        .iter()
        .zip(1..)
        .any(|(&(seq, _, _), want)| usize::from(seq) != want)
    {
        return None;
    }
    Some(
        chunks
            .iter()
            .flat_map(|&(_, _, data)| data)
            .copied()
            .collect(),
    )
}

/// `jpeg` with `icc` written as APP2 segments right after SOI and the JFIF APP0 segment (where
/// readers look for it first).
#[cfg_attr(not(feature = "turbojpeg"), allow(dead_code))]
pub(crate) fn insert(jpeg: Vec<u8>, icc: &[u8]) -> Result<Vec<u8>, CodecError> {
    if icc.is_empty() {
        return Ok(jpeg);
    }
    let count = u8::try_from(icc.len().div_ceil(MAX_CHUNK_DATA)).map_err(|_| {
        CodecError::internal(
            F,
            format!(
                "an ICC profile of {} bytes needs more than 255 APP2 segments",
                icc.len()
            ),
        )
    })?;
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err(CodecError::internal(
            F,
            "encoder output does not start with SOI",
        ));
    }
    let after_app0 = (jpeg.get(2..4) == Some(&[0xFF, 0xE0]))
        .then(|| be_u16(&jpeg, 4))
        .flatten()
        .map(|len| 4 + usize::from(len))
        .filter(|&end| end <= jpeg.len());
    let at = after_app0.unwrap_or(2);
    let (head, tail) = jpeg.split_at(at);

    let overhead = usize::from(count) * (4 + CHUNK_HEADER_LEN);
    let mut out = Vec::with_capacity(jpeg.len() + icc.len() + overhead);
    out.extend_from_slice(head);
    for (chunk, seq) in icc.chunks(MAX_CHUNK_DATA).zip(1u8..) {
        // chunk.len() ≤ MAX_CHUNK_DATA, so the segment length fits a u16.
        let len = u16::try_from(2 + CHUNK_HEADER_LEN + chunk.len())
            .map_err(|e| CodecError::internal(F, e))?;
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(ICC_SIGNATURE);
        out.extend_from_slice(&[seq, count]);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(tail);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, a JFIF APP0, a DQT-like segment, SOS, one byte of scan data, EOI.
    fn tiny_jpeg() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F'];
        j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x03, 0x00]);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x55, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn insert_then_read_round_trips() {
        let base = tiny_jpeg();
        for len in [
            1usize,
            100,
            MAX_CHUNK_DATA,
            MAX_CHUNK_DATA + 1,
            3 * MAX_CHUNK_DATA + 7,
        ] {
            let icc: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let out = insert(base.clone(), &icc).unwrap();
            assert_eq!(read(&out).as_deref(), Some(&icc[..]), "{len} bytes");
            let segments = len.div_ceil(MAX_CHUNK_DATA);
            assert_eq!(
                out.len(),
                base.len() + len + segments * (4 + CHUNK_HEADER_LEN),
                "{len}"
            );
            // SOI and APP0 stay first, the first APP2 follows them.
            assert_eq!(&out[..10], &base[..10]);
            assert_eq!(&out[10..12], &[0xFF, 0xE2]);
            assert_eq!(&out[out.len() - 12..], &base[base.len() - 12..]);
        }
    }

    #[test]
    fn insert_without_app0_goes_after_soi() {
        let base = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9].to_vec();
        let out = insert(base, &[9, 8, 7]).unwrap();
        assert_eq!(
            out,
            [
                &[0xFF, 0xD8, 0xFF, 0xE2, 0x00, 0x13][..],
                b"ICC_PROFILE\0",
                &[1, 1, 9, 8, 7, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9],
            ]
            .concat()
        );
    }

    #[test]
    fn insert_edge_cases() {
        assert_eq!(insert(tiny_jpeg(), &[]).unwrap(), tiny_jpeg());
        assert_eq!(insert(vec![0, 1, 2], &[1]).unwrap_err().http_status(), 500);
        let huge = vec![0u8; 255 * MAX_CHUNK_DATA + 1];
        assert_eq!(insert(tiny_jpeg(), &huge).unwrap_err().http_status(), 500);
    }

    /// One APP2 chunk: (chunk number, chunk count, data).
    type Chunk<'a> = (u8, u8, &'a [u8]);

    /// A JPEG with these APP2 chunks.
    fn with_chunks(chunks: &[Chunk<'_>]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        for &(seq, count, data) in chunks {
            j.extend_from_slice(&[0xFF, 0xE2]);
            j.extend_from_slice(&((2 + CHUNK_HEADER_LEN + data.len()) as u16).to_be_bytes());
            j.extend_from_slice(ICC_SIGNATURE);
            j.extend_from_slice(&[seq, count]);
            j.extend_from_slice(data);
        }
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn read_reassembles_or_rejects_chunks() {
        let cases: [(&[Chunk<'_>], Option<&[u8]>); 7] = [
            (&[], None),
            (&[(1, 1, b"abc")], Some(b"abc")),
            (&[(2, 2, b"def"), (1, 2, b"abc")], Some(b"abcdef")),
            (&[(1, 2, b"abc")], None),
            (&[(1, 2, b"abc"), (1, 2, b"def")], None),
            (&[(0, 1, b"abc")], None),
            (&[(1, 2, b"abc"), (3, 2, b"def")], None),
        ];
        for (chunks, want) in cases {
            assert_eq!(read(&with_chunks(chunks)).as_deref(), want, "{chunks:?}");
        }
        // A segment running past the end is no profile, not a panic.
        let mut cut = with_chunks(&[(1, 1, b"abcdef")]);
        cut.truncate(12);
        assert_eq!(read(&cut), None);
    }
}
