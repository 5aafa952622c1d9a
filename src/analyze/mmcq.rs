//! Modified median-cut quantization (MMCQ), step for step as `quantize.js` / node-vibrant
//! run it, so palettes match what Vibrant-based services report.
//!
//! Colours are binned at 5 bits per channel; boxes are split at the population median of
//! their longest side, first by pixel count until 75 % of the wanted colours exist, then by
//! count × volume. Like the reference, the second phase targets `colours - boxes so far`,
//! which usually stops it at once: 64 wanted colours give about 48 boxes.

/// Bits kept per channel.
const SIGBITS: u32 = 5;
/// Bits dropped per channel.
const RSHIFT: u32 = 8 - SIGBITS;
/// Bins per channel.
const SIDE: usize = 1 << SIGBITS;
/// Share of the colours found by population before switching to population × volume.
const FRACT_BY_POPULATION: f64 = 0.75;

/// One quantized colour: the mean of its box, and how many pixels fell into the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuantizedColor {
    pub rgb: [u8; 3],
    pub count: u64,
}

/// A histogram of 5-bit-per-channel colours.
pub(crate) struct Histogram {
    bins: Vec<u64>,
    total: u64,
    lo: [usize; 3],
    hi: [usize; 3],
}

fn bin(r: usize, g: usize, b: usize) -> usize {
    (r << (2 * SIGBITS)) + (g << SIGBITS) + b
}

impl Histogram {
    /// Builds the histogram of `pixels` (RGB triples).
    pub(crate) fn from_pixels(pixels: impl IntoIterator<Item = [u8; 3]>) -> Histogram {
        let mut bins = vec![0u64; SIDE * SIDE * SIDE];
        let mut lo = [SIDE - 1; 3];
        let mut hi = [0usize; 3];
        let mut total = 0u64;
        for px in pixels {
            let q = px.map(|c| usize::from(c >> RSHIFT));
            if let Some(slot) = bins.get_mut(bin(q[0], q[1], q[2])) {
                *slot += 1;
            }
            for c in 0..3 {
                lo[c] = lo[c].min(q[c]);
                hi[c] = hi[c].max(q[c]);
            }
            total += 1;
        }
        Histogram {
            bins,
            total,
            lo,
            hi,
        }
    }

    /// Number of pixels counted.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    fn at(&self, r: usize, g: usize, b: usize) -> u64 {
        self.bins.get(bin(r, g, b)).copied().unwrap_or(0)
    }
}

/// A box of the colour cube, inclusive bounds per channel.
#[derive(Debug, Clone, Copy)]
struct VBox {
    lo: [usize; 3],
    hi: [usize; 3],
    count: u64,
}

impl VBox {
    fn new(lo: [usize; 3], hi: [usize; 3], hist: &Histogram) -> VBox {
        let mut count = 0;
        for r in lo[0]..=hi[0] {
            for g in lo[1]..=hi[1] {
                for b in lo[2]..=hi[2] {
                    count += hist.at(r, g, b);
                }
            }
        }
        VBox { lo, hi, count }
    }

    fn volume(&self) -> u64 {
        (0..3)
            .map(|c| (self.hi[c] + 1 - self.lo[c]) as u64)
            .product()
    }

    fn avg(&self, hist: &Histogram) -> [u8; 3] {
        let mult = f64::from(1u32 << RSHIFT);
        let mut total = 0u64;
        let mut sum = [0f64; 3];
        for r in self.lo[0]..=self.hi[0] {
            for g in self.lo[1]..=self.hi[1] {
                for b in self.lo[2]..=self.hi[2] {
                    let h = hist.at(r, g, b);
                    if h == 0 {
                        continue;
                    }
                    total += h;
                    let hf = h as f64;
                    for (c, v) in [r, g, b].into_iter().enumerate() {
                        sum[c] += hf * (v as f64 + 0.5) * mult;
                    }
                }
            }
        }
        let to_u8 = |v: f64| v.clamp(0.0, 255.0) as u8;
        if total > 0 {
            let n = total as f64;
            sum.map(|s| to_u8((s / n).trunc()))
        } else {
            [0, 1, 2].map(|c| to_u8((mult * (self.lo[c] + self.hi[c] + 1) as f64 / 2.0).trunc()))
        }
    }

    /// Median cut along the longest side; one box back when it holds one pixel.
    fn split(&self, hist: &Histogram) -> Vec<VBox> {
        if self.count == 0 {
            return Vec::new();
        }
        if self.count == 1 {
            return vec![*self];
        }
        let widths = [0, 1, 2].map(|c| self.hi[c] + 1 - self.lo[c]);
        let max_w = widths[0].max(widths[1]).max(widths[2]);
        // The reference prefers red, then green, then blue on ties.
        let axis = if max_w == widths[0] {
            0
        } else if max_w == widths[1] {
            1
        } else {
            2
        };
        // acc[i]: pixels in the slices lo..=i along the axis (0 below lo).
        let mut acc = vec![0u64; self.hi[axis] + 1];
        let mut total = 0u64;
        for i in self.lo[axis]..=self.hi[axis] {
            let mut lo = self.lo;
            let mut hi = self.hi;
            lo[axis] = i;
            hi[axis] = i;
            total += VBox::new(lo, hi, hist).count;
            if let Some(slot) = acc.get_mut(i) {
                *slot = total;
            }
        }
        let half = total as f64 / 2.0;
        let split_point = acc
            .iter()
            .position(|&d| d as f64 > half)
            .unwrap_or(self.hi[axis]);
        let reverse = |i: usize| total - acc.get(i).copied().unwrap_or(total);
        let d1 = self.lo[axis];
        let mut d2 = self.hi[axis];
        let left = split_point as f64 - d1 as f64;
        let right = d2 as f64 - split_point as f64;
        if left <= right {
            let cut = (split_point as f64 + right / 2.0).trunc() as usize;
            d2 = d2.saturating_sub(1).min(cut);
        } else {
            let cut = (split_point as f64 - 1.0 - left / 2.0).trunc().max(0.0) as usize;
            d2 = d1.max(cut).min(self.hi[axis]);
        }
        while acc.get(d2).is_some_and(|&v| v == 0) {
            d2 += 1;
        }
        let mut c2 = reverse(d2);
        while c2 == 0 && d2 > 0 && acc.get(d2 - 1).is_some_and(|&v| v != 0) {
            d2 -= 1;
            c2 = reverse(d2);
        }
        let mut hi1 = self.hi;
        hi1[axis] = d2;
        let mut lo2 = self.lo;
        lo2[axis] = d2 + 1;
        vec![VBox::new(self.lo, hi1, hist), VBox::new(lo2, self.hi, hist)]
    }
}

/// Pops the box with the greatest `key` (the last one among equals, as a stable ascending
/// sort followed by a pop does).
fn pop_max(boxes: &mut Vec<VBox>, key: fn(&VBox) -> u64) -> Option<VBox> {
    boxes.sort_by_key(key);
    boxes.pop()
}

fn split_boxes(boxes: &mut Vec<VBox>, target: f64, key: fn(&VBox) -> u64, hist: &Histogram) {
    let mut last_size = boxes.len();
    while (boxes.len() as f64) < target {
        let Some(vbox) = pop_max(boxes, key) else {
            break;
        };
        if vbox.count == 0 {
            break;
        }
        let mut parts = vbox.split(hist).into_iter();
        if let Some(first) = parts.next() {
            boxes.push(first);
        }
        if let Some(second) = parts.next().filter(|b| b.count > 0) {
            boxes.push(second);
        }
        if boxes.len() == last_size {
            break;
        }
        last_size = boxes.len();
    }
}

/// Quantizes the histogram to at most `max_colors` colours, most "important" (count × volume)
/// first. Empty when the histogram is.
pub(crate) fn quantize(hist: &Histogram, max_colors: usize) -> Vec<QuantizedColor> {
    if hist.total == 0 {
        return Vec::new();
    }
    let mut boxes = vec![VBox::new(hist.lo, hist.hi, hist)];
    let by_count: fn(&VBox) -> u64 = |b| b.count;
    let by_count_volume: fn(&VBox) -> u64 = |b| b.count.saturating_mul(b.volume());
    split_boxes(
        &mut boxes,
        FRACT_BY_POPULATION * max_colors as f64,
        by_count,
        hist,
    );
    let target = max_colors as f64 - boxes.len() as f64;
    split_boxes(&mut boxes, target, by_count_volume, hist);
    let mut out = Vec::with_capacity(boxes.len());
    while let Some(vbox) = pop_max(&mut boxes, by_count_volume) {
        out.push(QuantizedColor {
            rgb: vbox.avg(hist),
            count: vbox.count,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_colours_come_back_with_their_counts() {
        let pixels =
            std::iter::repeat_n([200, 40, 40], 300).chain(std::iter::repeat_n([20, 60, 220], 100));
        let hist = Histogram::from_pixels(pixels);
        let colours = quantize(&hist, 64);
        let mut got: Vec<_> = colours.iter().map(|c| (c.rgb, c.count)).collect();
        got.sort();
        // Box means sit at the centre of the 8-wide bins: 200 → 204, 40 → 44, …
        assert_eq!(got, vec![([20, 60, 220], 100), ([204, 44, 44], 300)]);
    }

    #[test]
    fn gradient_gives_about_three_quarters_of_the_colours() {
        let pixels = (0..=255u8).flat_map(|r| (0..=255u8).step_by(5).map(move |g| [r, g, 128]));
        let hist = Histogram::from_pixels(pixels);
        let colours = quantize(&hist, 64);
        assert_eq!(colours.len(), 48);
        assert_eq!(colours.iter().map(|c| c.count).sum::<u64>(), hist.total());
    }

    #[test]
    fn empty_histogram_gives_nothing() {
        let hist = Histogram::from_pixels(std::iter::empty());
        assert!(quantize(&hist, 64).is_empty());
    }
}
