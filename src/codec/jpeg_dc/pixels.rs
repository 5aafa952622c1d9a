//! DC coefficients to 1/8-scale pixels: the 1×1 IDCT, chroma upsampling and YCbCr → RGB.
//!
//! Rounding and upsampling follow `jpeg-decoder` 0.3 (the codec's scaled decoder) step for
//! step, so that a DC-only decode gives the bytes `codec::decode` gives at `scale_denom` 8 and
//! the output of a URL does not depend on which path decoded it.

use super::segments::{Component, Frame};
use super::CorruptError;

/// How three components become RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColorTransform {
    YCbCr,
    Rgb,
}

/// The 1/8-scale output: `width × height` grey bytes or RGB triples.
pub(super) struct Rendered {
    pub width: usize,
    pub height: usize,
    pub grey: bool,
    pub data: Vec<u8>,
}

/// The 1×1 IDCT of `jpeg-decoder` (`dequantize_and_idct_block_1x1`): `(DC·Q0 + 1024) / 8`,
/// truncated, clamped. (libjpeg's `jpeg_idct_1x1` rounds instead; this matches the codec.)
fn idct_1x1(dc: i16, q0: u16) -> u8 {
    // |dc · q0| < 2^31 − 1024 for i16 × u16: no overflow.
    ((i32::from(dc) * i32::from(q0) + 1024) / 8).clamp(0, 255) as u8
}

fn plane(c: &Component) -> Result<Vec<u8>, CorruptError> {
    let q0 =
        c.q0.ok_or(CorruptError("component without a quantization table"))?;
    Ok(c.dc.iter().map(|&dc| idct_1x1(dc, q0)).collect())
}

fn row(plane: &[u8], stride: usize, row: usize, len: usize) -> Option<&[u8]> {
    plane.get(row.checked_mul(stride)?..)?.get(..len)
}

/// The two source rows a vertically doubled output row blends (3:1), edges clamped.
fn v2_rows(out_row: usize, rows: usize) -> (usize, usize) {
    let near = out_row / 2;
    let far = if out_row.is_multiple_of(2) {
        near.saturating_sub(1)
    } else {
        near + 1
    };
    (near, far.min(rows.saturating_sub(1)))
}

#[derive(Debug, Clone, Copy)]
enum Upsampler {
    H1V1,
    H2V1,
    H1V2,
    H2V2,
    /// Nearest neighbour for other integer ratios.
    Generic {
        h: usize,
        v: usize,
    },
}

fn choose(c: &Component, frame: &Frame, out_w: usize, out_h: usize) -> Upsampler {
    let h1 = c.h == frame.hmax || out_w == 1;
    let v1 = c.v == frame.vmax || out_h == 1;
    let h2 = c.h * 2 == frame.hmax;
    let v2 = c.v * 2 == frame.vmax;
    match (h1, v1, h2, v2) {
        (true, true, _, _) => Upsampler::H1V1,
        (_, true, true, _) => Upsampler::H2V1,
        (true, _, _, true) => Upsampler::H1V2,
        (_, _, true, true) => Upsampler::H2V2,
        _ => Upsampler::Generic {
            h: frame.hmax / c.h,
            v: frame.vmax / c.v,
        },
    }
}

/// One output row of one component at full (MCU-maximum) resolution into `line`.
fn upsample_row(
    up: Upsampler,
    src: &[u8],
    c: &Component,
    out_row: usize,
    out_w: usize,
    line: &mut [u8],
) -> Option<()> {
    let (stride, w) = (c.grid_w, c.blocks_w);
    match up {
        Upsampler::H1V1 => line
            .get_mut(..out_w)?
            .copy_from_slice(row(src, stride, out_row, out_w)?),
        Upsampler::H2V1 => {
            let input = row(src, stride, out_row, w)?;
            let out = line.get_mut(..2 * w)?;
            h2_triangle(input.iter().map(|&x| u32::from(x) * 4), out);
        }
        Upsampler::H1V2 => {
            let (near, far) = v2_rows(out_row, c.blocks_h);
            let a = row(src, stride, near, out_w)?;
            let b = row(src, stride, far, out_w)?;
            for ((o, &a), &b) in line.get_mut(..out_w)?.iter_mut().zip(a).zip(b) {
                *o = ((3 * u32::from(a) + u32::from(b) + 2) >> 2) as u8;
            }
        }
        Upsampler::H2V2 => {
            let (near, far) = v2_rows(out_row, c.blocks_h);
            let a = row(src, stride, near, w)?;
            let b = row(src, stride, far, w)?;
            let out = line.get_mut(..2 * w)?;
            h2_triangle(
                a.iter()
                    .zip(b)
                    .map(|(&a, &b)| 3 * u32::from(a) + u32::from(b)),
                out,
            );
        }
        Upsampler::Generic { h, v } => {
            let input = row(src, stride, out_row / v.max(1), w)?;
            for (chunk, &x) in line.chunks_mut(h.max(1)).zip(input) {
                chunk.fill(x);
            }
        }
    }
    Some(())
}

/// Horizontal 3:1 triangle doubling of values already scaled by 4 (a vertical 3:1 blend,
/// or a plain sample times 4), with jpeg-decoder's edge handling and rounding.
fn h2_triangle(t: impl ExactSizeIterator<Item = u32> + Clone, out: &mut [u8]) {
    let t: Vec<u32> = t.collect();
    match t.as_slice() {
        [] => {}
        [only] => out.iter_mut().for_each(|o| *o = ((only + 2) >> 2) as u8),
        [first, .., last] => {
            let n = t.len();
            if let Some(o) = out.first_mut() {
                *o = ((first + 2) >> 2) as u8;
            }
            for (i, pair) in t.windows(2).enumerate() {
                let (t0, t1) = (pair[0], pair[1]);
                if let Some(o) = out.get_mut(2 * i + 1) {
                    *o = ((3 * t0 + t1 + 8) >> 4) as u8;
                }
                if let Some(o) = out.get_mut(2 * i + 2) {
                    *o = ((3 * t1 + t0 + 8) >> 4) as u8;
                }
            }
            if let Some(o) = out.get_mut(2 * n - 1) {
                *o = ((last + 2) >> 2) as u8;
            }
        }
    }
}

/// Renders the frame's DC planes.
pub(super) fn render(frame: &Frame, transform: ColorTransform) -> Result<Rendered, CorruptError> {
    const RANGE: CorruptError = CorruptError("plane smaller than the frame");
    let out_w = frame.width.div_ceil(8);
    let out_h = frame.height.div_ceil(8);
    let planes = frame
        .components
        .iter()
        .map(plane)
        .collect::<Result<Vec<_>, _>>()?;
    match (frame.components.as_slice(), planes.as_slice()) {
        ([c], [p]) => {
            let mut data = Vec::with_capacity(out_w * out_h);
            for y in 0..out_h {
                data.extend_from_slice(row(p, c.grid_w, y, out_w).ok_or(RANGE)?);
            }
            Ok(Rendered {
                width: out_w,
                height: out_h,
                grey: true,
                data,
            })
        }
        ([c0, c1, c2], [p0, p1, p2]) => {
            let line_len = frame
                .components
                .iter()
                .map(|c| c.blocks_w)
                .max()
                .unwrap_or(0)
                .checked_mul(frame.hmax)
                .ok_or(RANGE)?
                .max(out_w);
            let ups = [c0, c1, c2].map(|c| choose(c, frame, out_w, out_h));
            let mut lines = [
                vec![0u8; line_len],
                vec![0u8; line_len],
                vec![0u8; line_len],
            ];
            let mut data = vec![0u8; out_w.checked_mul(out_h * 3).ok_or(RANGE)?];
            let simd_prefix = ssse3_prefix(out_w);
            for (y, out) in data.chunks_exact_mut(out_w * 3).enumerate() {
                for (((up, c), p), line) in ups
                    .iter()
                    .zip([c0, c1, c2])
                    .zip([p0, p1, p2])
                    .zip(&mut lines)
                {
                    upsample_row(*up, p, c, y, out_w, line).ok_or(RANGE)?;
                }
                let [l0, l1, l2] = &lines;
                let px = out.chunks_exact_mut(3).zip(l0.iter().zip(l1).zip(l2));
                for (i, (o, ((&a, &b), &c))) in px.enumerate() {
                    let rgb = match transform {
                        ColorTransform::Rgb => [a, b, c],
                        ColorTransform::YCbCr if i < simd_prefix => ycbcr_ssse3(a, b, c),
                        ColorTransform::YCbCr => ycbcr_scalar(a, b, c),
                    };
                    o.copy_from_slice(&rgb);
                }
            }
            Ok(Rendered {
                width: out_w,
                height: out_h,
                grey: false,
                data,
            })
        }
        _ => Err(CorruptError("component count")),
    }
}

/// How many leading pixels of a row jpeg-decoder converts with its SSSE3 routine (8 per
/// vector, one vector left to the scalar code), on x86 CPUs that have SSSE3.
fn ssse3_prefix(width: usize) -> usize {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("ssse3") {
            return (width / 8).saturating_sub(1) * 8;
        }
    }
    let _ = width;
    0
}

/// `(x · 2^20 + 0.5)` in f32, as jpeg-decoder derives its fixed-point constants.
fn f2f(x: f32) -> i32 {
    (x * 1_048_576.0 + 0.5) as i32
}

/// jpeg-decoder's scalar BT.601 conversion (20-bit fixed point, after libjpeg-turbo).
fn ycbcr_scalar(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let y = i32::from(y) * (1 << 20) + (1 << 19);
    let cb = i32::from(cb) - 128;
    let cr = i32::from(cr) - 128;
    let clamp = |v: i32| (v >> 20).clamp(0, 255) as u8;
    [
        clamp(y + f2f(1.402) * cr),
        clamp(y - f2f(0.34414) * cb - f2f(0.71414) * cr),
        clamp(y + f2f(1.772) * cb),
    ]
}

/// jpeg-decoder's SSSE3 conversion, lane for lane: 16-bit saturating arithmetic with 6
/// fractional bits and `pmulhrsw` rounding.
fn ycbcr_ssse3(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    fn sat(v: i32) -> i32 {
        v.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
    }
    fn mulhrs(a: i32, b: i32) -> i32 {
        sat((a * b + 0x4000) >> 15)
    }
    let y = sat((i32::from(y) << 6) + 32);
    let cb = sat((i32::from(cb) << 6) - (128 << 6));
    let cr = sat((i32::from(cr) << 6) - (128 << 6));
    let cr_r = sat(mulhrs(cr, 13173) + cr);
    let cb_g = mulhrs(cb, 11276);
    let cr_g = mulhrs(cr, 23401);
    let cb_b = sat(mulhrs(cb, 25297) + cb);
    let out = |v: i32| (v >> 6).clamp(0, 255) as u8;
    [
        out(sat(y + cr_r)),
        out(sat(y - sat(cb_g + cr_g))),
        out(sat(y + cb_b)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idct_1x1_matches_jpeg_decoder_rounding() {
        // (dc, q0, pixel)
        let cases = [
            (0, 16, 128),
            (1, 16, 130),
            (1, 3, 128),
            (1, 4, 128),
            (1, 7, 128),
            (1, 8, 129),
            (-1, 8, 127),
            (-1, 1, 127),
            (100, 16, 255),
            (-100, 16, 0),
            (i16::MIN, u16::MAX, 0),
            (i16::MAX, u16::MAX, 255),
        ];
        for (dc, q, want) in cases {
            assert_eq!(idct_1x1(dc, q), want, "dc {dc} q {q}");
        }
    }

    #[test]
    fn vertical_pairs_clamp_at_the_edges() {
        let cases = [
            (0, 3, (0, 0)),
            (1, 3, (0, 1)),
            (2, 3, (1, 0)),
            (3, 3, (1, 2)),
            (5, 3, (2, 2)),
            (1, 1, (0, 0)),
        ];
        for (row, rows, want) in cases {
            assert_eq!(v2_rows(row, rows), want, "row {row} of {rows}");
        }
    }

    #[test]
    fn horizontal_doubling() {
        let mut out = [0u8; 6];
        h2_triangle([10u32, 20, 30].iter().map(|&x| x * 4), &mut out);
        // Edges copy; inner samples blend 3:1 with rounding.
        assert_eq!(out, [10, 13, 18, 23, 28, 30]);
        let mut one = [0u8; 2];
        h2_triangle([7u32 * 4].into_iter(), &mut one);
        assert_eq!(one, [7, 7]);
    }

    #[test]
    fn colour_conversions_agree_within_one() {
        for y in (0..=255u8).step_by(15) {
            for cb in (0..=255u8).step_by(17) {
                for cr in (0..=255u8).step_by(17) {
                    let (a, b) = (ycbcr_scalar(y, cb, cr), ycbcr_ssse3(y, cb, cr));
                    for (a, b) in a.iter().zip(b) {
                        assert!(a.abs_diff(b) <= 1, "{y} {cb} {cr}: {a} vs {b}");
                    }
                }
            }
        }
        assert_eq!(ycbcr_scalar(128, 128, 128), [128, 128, 128]);
        assert_eq!(ycbcr_ssse3(128, 128, 128), [128, 128, 128]);
        assert_eq!(ycbcr_scalar(255, 128, 255), [255, 164, 255]);
    }
}
