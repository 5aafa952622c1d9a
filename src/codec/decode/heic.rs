//! HEIC decode (feature `heic`) through heic-rs, pure Rust: the primary image, its grid and
//! alpha item, converted with the `nclx` `colr` box the file carries (phones and cameras write
//! one). A file without `colr` describes its colour in the HEVC sequence parameter set's VUI,
//! which heic-rs 0.1.4 does not read (it would take BT.709 limited range): pixform reads the
//! VUI itself ([`sps_colour`]) and runs heic-rs's public decode steps with that description,
//! as libheif does.

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::super::color::{SampleKind, Samples};
use super::super::error::CodecError;
use super::super::header::heif;
use super::super::info::check_limit;
use crate::limits::LimitKind;

const F: ImageFormat = ImageFormat::Heic;

/// Decodes the primary image of a HEIC file in stored orientation (`clap` applied by pixform,
/// `irot`/`imir` left to the caller, which the header reports), with its ICC profile.
pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Samples, Option<Vec<u8>>), CodecError> {
    // pixform's own walk first: the same container checks and errors as the header probe,
    // and the crop, alpha and ICC facts.
    let c = heif::parse(bytes, F)?;
    let has_alpha = c.alpha.is_some();
    let opts = heic_rs::DecodeOptions {
        layout: if has_alpha {
            heic_rs::PixelLayout::Rgba8
        } else {
            heic_rs::PixelLayout::Rgb8
        },
        max_pixels: Some(limits.max_source_pixels),
        apply_transforms: false,
        decode_alpha: has_alpha,
        strict: false,
        threads: Some(1),
    };
    let decoded = match c.nclx {
        Some(_) => heic_rs::decode(bytes, &opts),
        None => decode_with_vui_colour(bytes, &opts),
    };
    let image = decoded.map_err(|e| match e {
        heic_rs::Error::PixelLimit { pixels, max_pixels } => {
            match check_limit(F, LimitKind::MaxSourcePixels, pixels, max_pixels) {
                Err(e) => e,
                Ok(()) => CodecError::internal(F, "pixel limit"),
            }
        }
        heic_rs::Error::Unsupported(what) => CodecError::unsupported(F, format!("HEVC: {what}")),
        other => CodecError::corrupt(F, format!("HEVC: {other}")),
    })?;
    if (image.width, image.height) != c.coded_size {
        return Err(CodecError::corrupt(
            F,
            format!(
                "HEVC image is {}x{}, its 'ispe' says {}x{}",
                image.width, image.height, c.coded_size.0, c.coded_size.1
            ),
        ));
    }
    let channels = if has_alpha { 4 } else { 3 };
    let kind = if has_alpha {
        SampleKind::Rgba
    } else {
        SampleKind::Rgb
    };
    let data = match c.crop {
        None => image.data,
        Some((left, top, w, h)) => {
            let row = image.width as usize * channels;
            let mut out = Vec::with_capacity(w as usize * h as usize * channels);
            for y in top..top + h {
                let start = y as usize * row + left as usize * channels;
                let part = image
                    .data
                    .get(start..start + w as usize * channels)
                    .ok_or_else(|| CodecError::internal(F, "crop outside the decoded image"))?;
                out.extend_from_slice(part);
            }
            out
        }
    };
    let (width, height) = c.crop.map_or(c.coded_size, |(_, _, w, h)| (w, h));
    Ok((
        Samples {
            width,
            height,
            kind,
            data,
        },
        c.icc.map(<[u8]>::to_vec),
    ))
}

/// heic-rs's decode (`heic_rs::decode` without transforms) with the colour description of the
/// first coded picture's sequence parameter set.
fn decode_with_vui_colour(
    bytes: &[u8],
    opts: &heic_rs::DecodeOptions,
) -> Result<heic_rs::Image, heic_rs::Error> {
    use heic_rs::context::Context;
    let limit = opts.pixel_limit();
    let ctx = Context::open(bytes)?;
    let id = ctx.meta.primary;
    let first = match ctx.grid(id)? {
        Some((_, tiles)) => tiles
            .first()
            .copied()
            .ok_or(heic_rs::Error::Malformed("grid without tiles"))?,
        None => id,
    };
    let props = ctx.props(first)?;
    let hvcc = props
        .hvcc
        .as_ref()
        .ok_or(heic_rs::Error::MissingBox("hvcC"))?;
    let nclx = hvcc
        .parameter_sets()
        .into_iter()
        .find(|nal| nal.first().is_some_and(|b| (b >> 1) & 0x3F == 33))
        .and_then(sps_colour)
        .unwrap_or(VUI_DEFAULT);
    // Unspecified is BT.601 for libheif, BT.709 for heic-rs.
    let matrix = if nclx.matrix == 2 { 6 } else { nclx.matrix };
    let nclx = heic_rs::Nclx {
        primaries: nclx.primaries,
        transfer: nclx.transfer,
        matrix: heic_rs::MatrixCoefficients::from_code(matrix),
        matrix_code: matrix,
        range: if nclx.full_range {
            heic_rs::Range::Full
        } else {
            heic_rs::Range::Limited
        },
    };
    let frame = item_frame(&ctx, id, limit)?;
    let alpha = match ctx.alpha_item(id)? {
        Some(a) if opts.layout.has_alpha() => Some(item_frame(&ctx, a, limit)?),
        _ => None,
    };
    heic_rs::color::convert(&frame, alpha.as_ref(), nclx, opts.layout, limit, Some(1))
}

/// One item's picture: a coded item, or a grid's tiles composed.
fn item_frame(
    ctx: &heic_rs::context::Context<'_>,
    id: u32,
    limit: u64,
) -> Result<heic_rs::hevc::Frame, heic_rs::Error> {
    match ctx.grid(id)? {
        Some((g, tiles)) => {
            let frames = tiles
                .iter()
                .map(|&t| coded_frame(ctx, t))
                .collect::<Result<Vec<_>, _>>()?;
            heic_rs::grid::compose(&g, &frames, limit)
        }
        None => coded_frame(ctx, id),
    }
}

fn coded_frame(
    ctx: &heic_rs::context::Context<'_>,
    id: u32,
) -> Result<heic_rs::hevc::Frame, heic_rs::Error> {
    let props = ctx.props(id)?;
    let hvcc = props
        .hvcc
        .as_ref()
        .ok_or(heic_rs::Error::MissingBox("hvcC"))?;
    let data = ctx.item_data(id)?;
    let nals = hvcc.split_nals(&data)?;
    let params = hvcc.parameter_sets();
    if params.is_empty() {
        return Err(heic_rs::Error::Malformed("hvcC carries no parameter sets"));
    }
    let frame = heic_rs::hevc::decode_still(&params, &nals)?;
    frame.validate()?;
    Ok(frame)
}

/// What libheif assumes for an HEVC stream that describes no colour: BT.601, full range.
const VUI_DEFAULT: heif::Nclx = heif::Nclx {
    primaries: 2,
    transfer: 2,
    matrix: 6,
    full_range: true,
};

/// A most-significant-bit-first reader over an RBSP (emulation prevention removed), with
/// the Exp-Golomb codes of H.265.
struct Bits {
    data: Vec<u8>,
    pos: usize,
}

impl Bits {
    fn u(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            v = (v << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Some(v)
    }

    fn flag(&mut self) -> Option<bool> {
        self.u(1).map(|b| b == 1)
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.flag()? {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = self.u(zeros)?;
        Some(((1u64 << zeros) - 1 + u64::from(rest)).min(u64::from(u32::MAX)) as u32)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.pos = self.pos.checked_add(n)?;
        (self.pos <= self.data.len() * 8).then_some(())
    }
}

/// The colour description in the VUI of an SPS NAL unit (H.265 7.3.2.2 up to E.2.1), or
/// [`VUI_DEFAULT`]'s parts for what the VUI leaves out; `None` when the SPS cannot be read.
fn sps_colour(nal: &[u8]) -> Option<heif::Nclx> {
    // The NAL header (2 bytes) off, emulation prevention bytes (00 00 03) out.
    let mut data = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal.get(2..)? {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        data.push(b);
    }
    let mut r = Bits { data, pos: 0 };
    r.u(4)?;
    let sub_layers = r.u(3)?;
    r.u(1)?;
    // profile_tier_level: the general part, the sub-layer flags and their parts.
    r.skip(96)?;
    let mut present = Vec::new();
    for _ in 0..sub_layers {
        present.push((r.flag()?, r.flag()?));
    }
    if sub_layers > 0 {
        r.skip(2 * (8 - sub_layers as usize))?;
    }
    for (profile, level) in present {
        r.skip(if profile { 88 } else { 0 } + if level { 8 } else { 0 })?;
    }
    r.ue()?;
    if r.ue()? == 3 {
        r.u(1)?;
    }
    r.ue()?;
    r.ue()?;
    if r.flag()? {
        for _ in 0..4 {
            r.ue()?;
        }
    }
    r.ue()?;
    r.ue()?;
    let poc_lsb_bits = r.ue()?.checked_add(4)?;
    let all_sub_layers = r.flag()?;
    for _ in (if all_sub_layers { 0 } else { sub_layers })..=sub_layers {
        r.ue()?;
        r.ue()?;
        r.ue()?;
    }
    for _ in 0..6 {
        r.ue()?;
    }
    if r.flag()? && r.flag()? {
        // scaling_list_data()
        for size in 0..4u32 {
            let mut matrix = 0;
            while matrix < 6 {
                if !r.flag()? {
                    r.ue()?;
                } else {
                    let coefs = 64.min(1u32 << (4 + (size << 1)));
                    if size > 1 {
                        r.ue()?;
                    }
                    for _ in 0..coefs {
                        r.ue()?;
                    }
                }
                matrix += if size == 3 { 3 } else { 1 };
            }
        }
    }
    r.u(2)?;
    if r.flag()? {
        r.u(8)?;
        r.ue()?;
        r.ue()?;
        r.u(1)?;
    }
    let sets = r.ue()?;
    if sets > 64 {
        return None;
    }
    let mut delta_pocs: Vec<u32> = Vec::new();
    for i in 0..sets {
        let predicted = i != 0 && r.flag()?;
        if predicted {
            r.u(1)?;
            r.ue()?;
            let reference = *delta_pocs.last()?;
            let mut count = 0;
            for _ in 0..=reference {
                let used = r.flag()?;
                if used || r.flag()? {
                    count += 1;
                }
            }
            delta_pocs.push(count);
        } else {
            let negative = r.ue()?;
            let positive = r.ue()?;
            if negative > 16 || positive > 16 {
                return None;
            }
            for _ in 0..negative + positive {
                r.ue()?;
                r.u(1)?;
            }
            delta_pocs.push(negative + positive);
        }
    }
    if r.flag()? {
        for _ in 0..r.ue()?.min(33) {
            r.u(poc_lsb_bits)?;
            r.u(1)?;
        }
    }
    r.u(2)?;
    let mut out = VUI_DEFAULT;
    if !r.flag()? {
        return Some(out);
    }
    if r.flag()? && r.u(8)? == 255 {
        r.u(32)?;
    }
    if r.flag()? {
        r.u(1)?;
    }
    if r.flag()? {
        r.u(3)?;
        out.full_range = r.flag()?;
        if r.flag()? {
            out.primaries = r.u(8)? as u16;
            out.transfer = r.u(8)? as u16;
            out.matrix = r.u(8)? as u16;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SPS of a file's primary item.
    fn sps_of(bytes: &[u8]) -> Vec<u8> {
        let ctx = heic_rs::context::Context::open(bytes).unwrap();
        let props = ctx.props(ctx.meta.primary).unwrap();
        let sets = props.hvcc.as_ref().unwrap().parameter_sets();
        sets.into_iter()
            .find(|nal| (nal[0] >> 1) & 0x3F == 33)
            .unwrap()
            .to_vec()
    }

    /// heif-enc 1.15 (x265 3.5) writes a VUI with video_signal_type (full range) and a
    /// colour description (primaries 2, transfer 2, matrix 6: BT.601); no `colr` box.
    #[test]
    fn vui_colour_of_heif_enc_files() {
        for file in ["opaque-96x64.heic", "alpha-96x64.heic"] {
            let path = format!("{}/testdata/heif/{file}", env!("CARGO_MANIFEST_DIR"));
            let sps = sps_of(&std::fs::read(&path).unwrap());
            assert_eq!(
                sps_colour(&sps),
                Some(heif::Nclx {
                    primaries: 2,
                    transfer: 2,
                    matrix: 6,
                    full_range: true
                }),
                "{file}"
            );
            // Every prefix is read without a panic; most are unreadable.
            for len in 0..sps.len() {
                let _ = sps_colour(&sps[..len]);
            }
        }
        assert_eq!(sps_colour(&[]), None);
    }
}
