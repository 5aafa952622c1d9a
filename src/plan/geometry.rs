//! Integer geometry of the fit modes. All rounding is half up on exact rationals (no float
//! drift), and every size is at least 1.

/// A rectangle of whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PixelRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width (≥ 1 in every plan).
    pub width: u32,
    /// Height (≥ 1 in every plan).
    pub height: u32,
}

impl PixelRect {
    /// The rectangle covering a whole `width`×`height` image.
    pub fn full(width: u32, height: u32) -> PixelRect {
        PixelRect {
            x: 0,
            y: 0,
            width,
            height,
        }
    }
}

/// `num / den` rounded half up, at least 1 (`den` > 0).
pub(crate) fn div_round(num: u64, den: u64) -> u64 {
    ((2 * num + den) / (2 * den.max(1))).max(1)
}

/// `v` scaled by `num/den`, rounded half up, at least 1, saturating at `u32::MAX`.
pub(crate) fn scale(v: u32, num: u32, den: u32) -> u32 {
    let r = div_round(u64::from(v) * u64::from(num), u64::from(den));
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// Fits a `w`×`h` image inside a box given by one or both sides, keeping the aspect ratio:
/// a given limiting side is exact, the other rounded.
pub(crate) fn fit_within(w: u32, h: u32, bw: Option<u32>, bh: Option<u32>) -> (u32, u32) {
    match (bw, bh) {
        (Some(bw), Some(bh)) => {
            if u64::from(bw) * u64::from(h) <= u64::from(bh) * u64::from(w) {
                (bw, scale(h, bw, w))
            } else {
                (scale(w, bh, h), bh)
            }
        }
        (Some(bw), None) => (bw, scale(h, bw, w)),
        (None, Some(bh)) => (scale(w, bh, h), bh),
        (None, None) => (w, h),
    }
}

/// A `w`×`h` image scaled down (never up) so that its longer side is at most `max_side`, as
/// [`fit_within`] a `max_side` square.
pub(crate) fn shrink_within(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    if w.max(h) <= max_side {
        (w, h)
    } else {
        fit_within(w, h, Some(max_side), Some(max_side))
    }
}

/// Completes a box given by one or both sides with the image's aspect ratio.
pub(crate) fn complete_box(w: u32, h: u32, bw: Option<u32>, bh: Option<u32>) -> (u32, u32) {
    match (bw, bh) {
        (Some(bw), Some(bh)) => (bw, bh),
        _ => fit_within(w, h, bw, bh),
    }
}

/// The size of the largest window of aspect `bw:bh` inside a `w`×`h` image.
pub(crate) fn largest_window(w: u32, h: u32, bw: u32, bh: u32) -> (u32, u32) {
    if u64::from(w) * u64::from(bh) >= u64::from(h) * u64::from(bw) {
        (scale(h, bw, bh).min(w), h)
    } else {
        (w, scale(w, bh, bw).min(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_and_never_zero() {
        let cases: &[(u64, u64, u64)] = &[
            (1, 2, 1),
            (3, 2, 2),
            (5, 2, 3),
            (1, 3, 1),
            (0, 5, 1),
            (400, 3, 133),
            (200, 3, 67),
        ];
        for &(n, d, want) in cases {
            assert_eq!(div_round(n, d), want, "{n}/{d}");
        }
    }

    type FitCase = (u32, u32, Option<u32>, Option<u32>, (u32, u32));
    type WindowCase = (u32, u32, u32, u32, (u32, u32));

    #[test]
    fn fit_within_cases() {
        let cases: &[FitCase] = &[
            (300, 450, Some(100), Some(100), (67, 100)),
            (300, 450, None, Some(200), (133, 200)),
            (300, 450, Some(100), None, (100, 150)),
            (450, 300, Some(100), Some(100), (100, 67)),
            (100, 100, Some(50), Some(50), (50, 50)),
            (1, 8192, Some(8192), None, (8192, 8192 * 8192)),
        ];
        for &(w, h, bw, bh, want) in cases {
            assert_eq!(fit_within(w, h, bw, bh), want, "{w}x{h} in {bw:?}x{bh:?}");
        }
    }

    #[test]
    fn shrink_within_cases() {
        let cases = [
            ((6028, 3391, 256), (256, 144)),
            ((3391, 6028, 256), (144, 256)),
            ((100, 50, 256), (100, 50)),
            ((10_000, 1, 256), (256, 1)),
            ((256, 256, 256), (256, 256)),
        ];
        for ((w, h, m), want) in cases {
            assert_eq!(shrink_within(w, h, m), want, "{w}x{h} within {m}");
        }
    }

    #[test]
    fn largest_window_cases() {
        let cases: &[WindowCase] = &[
            (300, 450, 600, 600, (300, 300)),
            (300, 450, 100, 200, (225, 450)),
            (450, 300, 100, 100, (300, 300)),
            (300, 450, 2, 3, (300, 450)),
            (1, 1000, 1000, 1, (1, 1)),
        ];
        for &(w, h, bw, bh, want) in cases {
            assert_eq!(largest_window(w, h, bw, bh), want);
        }
    }
}
