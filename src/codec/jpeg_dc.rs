//! Exact DC-only JPEG decoding at 1/8 scale.
//!
//! At 1/8 scale each 8×8 block is one pixel computed from its DC coefficient alone, so
//! [`decode_dc`] entropy-decodes only the DC scans of a progressive JPEG and steps over the AC
//! scans by their bytes. Its output is byte-identical to [`super::decode`] with
//! `scale_denom: 8`. Only progressive files gain (12–29× on the bench corpus; baseline files
//! must still Huffman-decode every AC code), which is why the codec's decode entry uses it for
//! them alone. Measurements, and why the trick does not extend to 1/4 and 1/2:
//! `docs/jpeg-dc-decoder.md`.
//!
//! Supported: SOF0/SOF1/SOF2 with Huffman coding, 8-bit samples, one (grey) or three (YCbCr,
//! or RGB per component IDs/Adobe APP14) components, any integer sampling ratio, interleaved
//! and non-interleaved scans, restart intervals, successive approximation, tables redefined
//! between scans. Four-component (CMYK/YCCK) files give [`CodecError::Unsupported`] so that
//! the caller falls back to [`super::decode`].

use crate::format::ImageFormat;
use crate::limits::Limits;
use crate::pixels::Image;

use super::color::{to_image, SampleKind, Samples};
use super::error::CodecError;
use super::header::{read_header, Header};
use super::Decoded;

mod huffman;
mod pixels;
mod scan;
mod segments;

use pixels::ColorTransform;
use segments::{Frame, FrameError, Tables};

const F: ImageFormat = ImageFormat::Jpeg;

/// A malformed-data finding inside the DC decoder; becomes [`CodecError::Corrupt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CorruptError(&'static str);

impl From<CorruptError> for CodecError {
    fn from(e: CorruptError) -> Self {
        CodecError::corrupt(F, e.0)
    }
}

impl From<FrameError> for CodecError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Corrupt(c) => c.into(),
            FrameError::Unsupported(what) => CodecError::unsupported(F, what),
        }
    }
}

/// One scan of a JPEG's scan script, as [`scan_script`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanSummary {
    /// The IDs of the components in the scan, in scan order.
    pub components: Vec<u8>,
    /// First coefficient of the spectral band (zig-zag index; 0 = DC).
    pub ss: u8,
    /// Last coefficient of the spectral band.
    pub se: u8,
    /// Successive approximation: bit position of the previous pass (0 on a first pass).
    pub ah: u8,
    /// Successive approximation: bit position of this pass.
    pub al: u8,
    /// Bytes of entropy-coded data (restart markers included) after the scan header.
    pub entropy_bytes: usize,
}

/// Decodes a JPEG at 1/8 scale, `ceil(W/8) × ceil(H/8)` of its stored size, reading only the
/// DC coefficients. Returns the same bytes as [`super::decode`] with `scale_denom: 8` and
/// `to_srgb: false`: `Rgb8`, grey expanded, an embedded RGB ICC profile not applied (a grey
/// profile is), EXIF orientation not applied.
///
/// The header is checked against `limits` before anything is allocated. Four-component
/// (CMYK/YCCK), arithmetic-coded, lossless, hierarchical and 12-bit files give
/// [`CodecError::Unsupported`]; the caller falls back to [`super::decode`].
pub fn decode_dc_only(bytes: &[u8], limits: &Limits) -> Result<Image, CodecError> {
    decode_dc(bytes, limits, false).map(|d| d.image)
}

/// [`decode_dc_only`] with the codec's full result: a drop-in for
/// `codec::decode(bytes, limits, &DecodeOptions { scale_denom: 8, to_srgb })`, giving the same
/// [`Decoded`] (pixels, EXIF orientation, kept ICC profile).
pub fn decode_dc(bytes: &[u8], limits: &Limits, to_srgb: bool) -> Result<Decoded, CodecError> {
    decode_dc_with_header(bytes, &read_header(bytes, limits)?, to_srgb)
}

/// [`decode_dc`] of bytes whose header has been read and checked already.
pub(super) fn decode_dc_with_header(
    bytes: &[u8],
    header: &Header,
    to_srgb: bool,
) -> Result<Decoded, CodecError> {
    if header.info.format != F {
        return Err(CodecError::unsupported(
            header.info.format,
            "DC-only decoding (JPEG only)",
        ));
    }
    let walk = walk(bytes, true)?;
    let frame = walk.frame.as_ref().ok_or(CorruptError("no frame header"))?;
    if frame.components.iter().any(|c| !c.has_dc) {
        return Err(CorruptError("a component has no DC scan").into());
    }
    let rendered = pixels::render(frame, walk.color_transform()?)?;
    let samples = Samples {
        width: u32::try_from(rendered.width).map_err(|e| CodecError::internal(F, e))?,
        height: u32::try_from(rendered.height).map_err(|e| CodecError::internal(F, e))?,
        kind: if rendered.grey {
            SampleKind::Grey
        } else {
            SampleKind::Rgb
        },
        data: rendered.data,
    };
    let converted = to_image(samples, walk.icc_profile(), to_srgb, F)?;
    Ok(Decoded {
        image: converted.image,
        orientation: header.info.orientation,
        icc_profile: converted.icc_profile,
    })
}

/// The scan script of a JPEG: every scan's components, spectral band and successive
/// approximation bits, and the size of its entropy-coded data. Decodes no pixels.
pub fn scan_script(bytes: &[u8], limits: &Limits) -> Result<Vec<ScanSummary>, CodecError> {
    read_header(bytes, limits)?;
    Ok(walk(bytes, false)?.script)
}

/// What the marker walk collected.
struct Walk<'a> {
    frame: Option<Frame>,
    jfif: bool,
    adobe_transform: Option<u8>,
    /// ICC chunks: (sequence number, chunk count, data).
    icc: Vec<(u8, u8, &'a [u8])>,
    script: Vec<ScanSummary>,
}

impl Walk<'_> {
    /// jpeg-decoder's colour-space rules for three components (component IDs, then JFIF,
    /// then the Adobe transform flag).
    fn color_transform(&self) -> Result<ColorTransform, CodecError> {
        let ids: Vec<u8> = self
            .frame
            .iter()
            .flat_map(|f| f.components.iter().map(|c| c.id))
            .collect();
        match ids.as_slice() {
            [_] | [1, 2, 3] => return Ok(ColorTransform::YCbCr),
            [82, 71, 66] => return Ok(ColorTransform::Rgb),
            [1, 34, 35] | [114, 103, 98] => {
                return Err(CodecError::unsupported(F, "big-gamut YCC/RGB colour space"))
            }
            _ => {}
        }
        if self.jfif {
            return Ok(ColorTransform::YCbCr);
        }
        match self.adobe_transform {
            Some(0) => Ok(ColorTransform::Rgb),
            Some(1) | None => Ok(ColorTransform::YCbCr),
            Some(t) => Err(CodecError::corrupt(
                F,
                format!("Adobe colour transform {t} for three components"),
            )),
        }
    }

    /// The ICC profile from its APP2 chunks, as jpeg-decoder assembles it: all chunks
    /// present, numbered 1..=n without duplicates, or none at all.
    fn icc_profile(&self) -> Option<Vec<u8>> {
        let n = self.icc.len();
        if n == 0 || n >= 255 {
            return None;
        }
        let mut ordered: Vec<Option<&[u8]>> = vec![None; n];
        for &(seq, count, data) in &self.icc {
            if usize::from(count) != n || seq == 0 {
                return None;
            }
            let slot = ordered.get_mut(usize::from(seq) - 1)?;
            if slot.replace(data).is_some() {
                return None;
            }
        }
        let mut profile = Vec::new();
        for chunk in ordered {
            profile.extend_from_slice(chunk?);
        }
        Some(profile)
    }
}

/// Walks the markers from SOI to EOI, decoding DC scans when `decode` (else only measuring
/// every scan).
fn walk(bytes: &[u8], decode: bool) -> Result<Walk<'_>, CodecError> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(CorruptError("no start-of-image marker").into());
    }
    let mut w = Walk {
        frame: None,
        jfif: false,
        adobe_transform: None,
        icc: Vec::new(),
        script: Vec::new(),
    };
    let mut q0 = [None; 4];
    let mut tables: Tables = Default::default();
    let mut restart_interval = 0;
    let truncated = CorruptError("truncated: no end-of-image marker");
    let mut pos = 2;
    loop {
        // Like libjpeg, tolerate junk between segments: find the next 0xFF, skip fill bytes.
        let ff = pos + memchr::memchr(0xFF, bytes.get(pos..).ok_or(truncated)?).ok_or(truncated)?;
        let mut m = ff + 1;
        while bytes.get(m) == Some(&0xFF) {
            m += 1;
        }
        let marker = *bytes.get(m).ok_or(truncated)?;
        pos = m + 1;
        match marker {
            0xD9 => break,
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let len = bytes
            .get(pos..pos + 2)
            .map(|b| usize::from(b[0]) << 8 | usize::from(b[1]))
            .ok_or(truncated)?;
        let payload = (len >= 2)
            .then(|| bytes.get(pos + 2..pos + len))
            .flatten()
            .ok_or(CorruptError("segment truncated or with a bad length"))?;
        let next = pos + len;
        match marker {
            0xC0..=0xC2 => {
                if w.frame.is_some() {
                    return Err(CodecError::unsupported(F, "more than one frame"));
                }
                w.frame = Some(segments::parse_frame(payload, marker == 0xC2)?);
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCC..=0xCF => {
                return Err(CodecError::unsupported(
                    F,
                    "lossless, hierarchical or arithmetic-coded JPEG",
                ));
            }
            0xC4 => segments::parse_dht(payload, &mut tables)?,
            0xDB => segments::parse_dqt(payload, &mut q0)?,
            0xDC => return Err(CodecError::unsupported(F, "DNL marker")),
            0xDD => restart_interval = segments::parse_dri(payload)?,
            0xDA => {
                let frame = w
                    .frame
                    .as_mut()
                    .ok_or(CorruptError("scan before the frame header"))?;
                let header = segments::parse_scan(payload, frame)?;
                let end = if decode {
                    scan::decode_scan(bytes, next, frame, &header, &tables, &q0, restart_interval)?
                } else {
                    huffman::next_marker(bytes, next, true).ok_or(truncated)?
                };
                w.script.push(ScanSummary {
                    components: header
                        .components
                        .iter()
                        .filter_map(|c| frame.components.get(c.0).map(|c| c.id))
                        .collect(),
                    ss: header.ss,
                    se: header.se,
                    ah: header.ah,
                    al: header.al,
                    entropy_bytes: end - next,
                });
                pos = end;
                continue;
            }
            0xE0 if payload.starts_with(b"JFIF\0") => w.jfif = true,
            0xE2 if payload.len() > 14 && payload.starts_with(b"ICC_PROFILE\0") => {
                if let (Some(&seq), Some(&count), Some(data)) =
                    (payload.get(12), payload.get(13), payload.get(14..))
                {
                    w.icc.push((seq, count, data));
                }
            }
            0xEE if payload.starts_with(b"Adobe\0") => w.adobe_transform = payload.get(11).copied(),
            _ => {}
        }
        pos = next;
    }
    if w.frame.is_none() {
        return Err(CorruptError("no frame header").into());
    }
    Ok(w)
}
