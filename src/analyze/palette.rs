//! Vibrant-style palettes (`sanity.imagePalette`).
//!
//! The image is quantized to 64 colours ([`mmcq`](super::mmcq)); each named swatch is the
//! quantized colour that best matches a saturation/luma target, scored as node-vibrant's
//! default generator does. A swatch with no candidate is derived from a neighbour by
//! changing its HSL lightness (population 0), again as node-vibrant does — including its
//! habit of setting the *lightness* where a muted swatch would change the saturation, which
//! is what the reported palettes contain.

use super::document::{Palette, Swatch};
use super::mmcq::{quantize, Histogram, QuantizedColor};
use crate::pixels::{Image, PixelLayout};

const COLOR_COUNT: usize = 64;
const TARGET_DARK_LUMA: f64 = 0.26;
const MAX_DARK_LUMA: f64 = 0.45;
const MIN_LIGHT_LUMA: f64 = 0.55;
const TARGET_LIGHT_LUMA: f64 = 0.74;
const MIN_NORMAL_LUMA: f64 = 0.3;
const TARGET_NORMAL_LUMA: f64 = 0.5;
const MAX_NORMAL_LUMA: f64 = 0.7;
const TARGET_MUTED_SATURATION: f64 = 0.3;
const MAX_MUTED_SATURATION: f64 = 0.4;
const TARGET_VIBRANT_SATURATION: f64 = 1.0;
const MIN_VIBRANT_SATURATION: f64 = 0.35;
const WEIGHT_SATURATION: f64 = 3.0;
const WEIGHT_LUMA: f64 = 6.5;
const WEIGHT_POPULATION: f64 = 0.5;

/// Computes the palette of `image`. Pixels that are mostly transparent (alpha < 125) or
/// almost white (every channel > 250) are not sampled, as in Vibrant; an image with no other
/// pixel gets an empty palette.
pub fn palette(image: &Image) -> Palette {
    let channels = image.layout().channels();
    let has_alpha = image.layout() == PixelLayout::Rgba8;
    let pixels = image
        .data()
        .chunks_exact(channels)
        .filter(|px| !has_alpha || px.get(3).is_some_and(|&a| a >= 125))
        .filter_map(|px| match px {
            [r, g, b, ..] => Some([*r, *g, *b]),
            _ => None,
        })
        .filter(|[r, g, b]| !(*r > 250 && *g > 250 && *b > 250));
    let hist = Histogram::from_pixels(pixels);
    let colours = quantize(&hist, COLOR_COUNT);
    from_quantized(&colours, hist.total())
}

/// A palette slot: a quantized colour (by index) or a colour derived from another slot.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pick {
    Quantized(usize),
    Derived([f64; 3]),
}

#[derive(Default)]
struct Slots {
    vibrant: Option<Pick>,
    dark_vibrant: Option<Pick>,
    light_vibrant: Option<Pick>,
    muted: Option<Pick>,
    dark_muted: Option<Pick>,
    light_muted: Option<Pick>,
}

impl Slots {
    fn holds(&self, index: usize) -> bool {
        [
            self.vibrant,
            self.dark_vibrant,
            self.light_vibrant,
            self.muted,
            self.dark_muted,
            self.light_muted,
        ]
        .contains(&Some(Pick::Quantized(index)))
    }
}

/// The window and target one named swatch is chosen by.
struct Target {
    luma: (f64, f64, f64),
    saturation: (f64, f64, f64),
}

fn from_quantized(colours: &[QuantizedColor], total: u64) -> Palette {
    if colours.is_empty() || total == 0 {
        return Palette::default();
    }
    let hsl: Vec<[f64; 3]> = colours
        .iter()
        .map(|c| rgb_to_hsl(c.rgb.map(f64::from)))
        .collect();
    let max_population = colours.iter().map(|c| c.count).max().unwrap_or(0) as f64;
    let vibrant_sat = (MIN_VIBRANT_SATURATION, TARGET_VIBRANT_SATURATION, 1.0);
    let muted_sat = (0.0, TARGET_MUTED_SATURATION, MAX_MUTED_SATURATION);
    let normal = (MIN_NORMAL_LUMA, TARGET_NORMAL_LUMA, MAX_NORMAL_LUMA);
    let light = (MIN_LIGHT_LUMA, TARGET_LIGHT_LUMA, 1.0);
    let dark = (0.0, TARGET_DARK_LUMA, MAX_DARK_LUMA);

    let find = |slots: &Slots, target: Target| -> Option<Pick> {
        let mut best: Option<(usize, f64)> = None;
        for (i, (c, [_, s, l])) in colours.iter().zip(&hsl).enumerate() {
            let (s_min, s_target, s_max) = target.saturation;
            let (l_min, l_target, l_max) = target.luma;
            if *s < s_min || *s > s_max || *l < l_min || *l > l_max || slots.holds(i) {
                continue;
            }
            let score = weighted_mean(&[
                (1.0 - (s - s_target).abs(), WEIGHT_SATURATION),
                (1.0 - (l - l_target).abs(), WEIGHT_LUMA),
                (c.count as f64 / max_population, WEIGHT_POPULATION),
            ]);
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
        best.map(|(i, _)| Pick::Quantized(i))
    };

    let mut slots = Slots::default();
    slots.vibrant = find(
        &slots,
        Target {
            luma: normal,
            saturation: vibrant_sat,
        },
    );
    slots.light_vibrant = find(
        &slots,
        Target {
            luma: light,
            saturation: vibrant_sat,
        },
    );
    slots.dark_vibrant = find(
        &slots,
        Target {
            luma: dark,
            saturation: vibrant_sat,
        },
    );
    slots.muted = find(
        &slots,
        Target {
            luma: normal,
            saturation: muted_sat,
        },
    );
    slots.light_muted = find(
        &slots,
        Target {
            luma: light,
            saturation: muted_sat,
        },
    );
    slots.dark_muted = find(
        &slots,
        Target {
            luma: dark,
            saturation: muted_sat,
        },
    );
    fill_empty(&mut slots, colours, &hsl);

    let swatch = |pick: Option<Pick>| -> Option<Swatch> {
        pick.map(|p| match p {
            Pick::Quantized(i) => colours.get(i).map_or_else(
                || make_swatch([0.0; 3], 0.0),
                |c| make_swatch(c.rgb.map(f64::from), percent(c.count, total)),
            ),
            Pick::Derived(rgb) => make_swatch(rgb, 0.0),
        })
    };
    // The first most populous colour wins a tie.
    let dominant = colours
        .iter()
        .enumerate()
        .fold(None::<(usize, u64)>, |best, (i, c)| match best {
            Some((_, n)) if n >= c.count => best,
            _ => Some((i, c.count)),
        })
        .map(|(i, _)| Pick::Quantized(i));
    Palette {
        dominant: swatch(dominant),
        vibrant: swatch(slots.vibrant),
        dark_vibrant: swatch(slots.dark_vibrant),
        light_vibrant: swatch(slots.light_vibrant),
        muted: swatch(slots.muted),
        dark_muted: swatch(slots.dark_muted),
        light_muted: swatch(slots.light_muted),
    }
}

/// Derives missing swatches from their neighbours, in node-vibrant's order.
fn fill_empty(slots: &mut Slots, colours: &[QuantizedColor], hsl: &[[f64; 3]]) {
    let hsl_of = |pick: Pick| -> [f64; 3] {
        match pick {
            Pick::Quantized(i) => hsl.get(i).copied().unwrap_or_else(|| {
                colours
                    .get(i)
                    .map_or([0.0; 3], |c| rgb_to_hsl(c.rgb.map(f64::from)))
            }),
            Pick::Derived(rgb) => rgb_to_hsl(rgb),
        }
    };
    let with_lightness = |pick: Option<Pick>, l: f64| -> Option<Pick> {
        pick.map(|p| {
            let [h, s, _] = hsl_of(p);
            Pick::Derived(hsl_to_rgb([h, s, l]))
        })
    };
    if slots.vibrant.is_none() && slots.dark_vibrant.is_none() && slots.light_vibrant.is_none() {
        if slots.dark_muted.is_some() {
            slots.dark_vibrant = with_lightness(slots.dark_muted, TARGET_DARK_LUMA);
        }
        // node-vibrant fills the *dark* vibrant slot from the light muted swatch here.
        if slots.light_muted.is_some() {
            slots.dark_vibrant = with_lightness(slots.light_muted, TARGET_DARK_LUMA);
        }
    }
    if slots.vibrant.is_none() {
        if slots.dark_vibrant.is_some() {
            slots.vibrant = with_lightness(slots.dark_vibrant, TARGET_NORMAL_LUMA);
        } else if slots.light_vibrant.is_some() {
            slots.vibrant = with_lightness(slots.light_vibrant, TARGET_NORMAL_LUMA);
        }
    }
    if slots.dark_vibrant.is_none() {
        slots.dark_vibrant = with_lightness(slots.vibrant, TARGET_DARK_LUMA);
    }
    if slots.light_vibrant.is_none() {
        slots.light_vibrant = with_lightness(slots.vibrant, TARGET_LIGHT_LUMA);
    }
    if slots.muted.is_none() {
        slots.muted = with_lightness(slots.vibrant, TARGET_MUTED_SATURATION);
    }
    if slots.dark_muted.is_none() {
        slots.dark_muted = with_lightness(slots.dark_vibrant, TARGET_MUTED_SATURATION);
    }
    if slots.light_muted.is_none() {
        slots.light_muted = with_lightness(slots.light_vibrant, TARGET_MUTED_SATURATION);
    }
}

fn weighted_mean(values: &[(f64, f64)]) -> f64 {
    let (sum, weights) = values.iter().fold((0.0, 0.0), |(s, w), (v, weight)| {
        (s + v * weight, w + weight)
    });
    sum / weights
}

fn percent(count: u64, total: u64) -> f64 {
    (count as f64 * 10_000.0 / total as f64).round() / 100.0
}

fn make_swatch(rgb: [f64; 3], population: f64) -> Swatch {
    // YIQ brightness with Vibrant's thresholds: titles need less contrast than body text.
    let yiq = (rgb[0] * 299.0 + rgb[1] * 587.0 + rgb[2] * 114.0) / 1000.0;
    let text = |threshold: f64| if yiq < threshold { "#fff" } else { "#000" }.to_owned();
    Swatch {
        background: hex(rgb),
        foreground: text(150.0),
        title: text(200.0),
        population,
    }
}

/// `#rrggbb`, channels truncated as Vibrant's bit-shifting hex conversion does.
fn hex(rgb: [f64; 3]) -> String {
    let [r, g, b] = rgb.map(|c| c.clamp(0.0, 255.0) as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// HSL with every component in 0–1.
fn rgb_to_hsl(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb.map(|c| c / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    if max == min {
        return [0.0, 0.0, l];
    }
    let d = max - min;
    let s = if l > 0.5 {
        d / (2.0 - max - min)
    } else {
        d / (max + min)
    };
    let h = if max == r {
        (g - b) / d + if g < b { 6.0 } else { 0.0 }
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    [h / 6.0, s, l]
}

/// RGB in 0–255, unrounded.
fn hsl_to_rgb([h, s, l]: [f64; 3]) -> [f64; 3] {
    if s == 0.0 {
        return [l * 255.0; 3];
    }
    let hue = |p: f64, q: f64, t: f64| {
        let t = if t < 0.0 {
            t + 1.0
        } else if t > 1.0 {
            t - 1.0
        } else {
            t
        };
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    [
        hue(p, q, h + 1.0 / 3.0) * 255.0,
        hue(p, q, h) * 255.0,
        hue(p, q, h - 1.0 / 3.0) * 255.0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(rgb: [u8; 3], count: u64) -> QuantizedColor {
        QuantizedColor { rgb, count }
    }

    #[test]
    fn hsl_round_trips() {
        for rgb in [
            [255.0, 0.0, 0.0],
            [18.0, 113.0, 200.0],
            [128.0, 128.0, 128.0],
            [250.0, 240.0, 10.0],
        ] {
            let back = hsl_to_rgb(rgb_to_hsl(rgb));
            for c in 0..3 {
                assert!((back[c] - rgb[c]).abs() < 1e-9, "{rgb:?} -> {back:?}");
            }
        }
    }

    #[test]
    fn text_colours_follow_yiq() {
        let cases = [
            ([0xd4, 0xc1, 0x96], "#d4c196", "#000", "#fff"),
            ([0x6d, 0x8a, 0x2f], "#6d8a2f", "#fff", "#fff"),
            ([0xc8, 0xdd, 0x9c], "#c8dd9c", "#000", "#000"),
        ];
        for (rgb, bg, fg, title) in cases {
            let s = make_swatch(rgb.map(f64::from), 1.0);
            assert_eq!(
                (
                    s.background.as_str(),
                    s.foreground.as_str(),
                    s.title.as_str()
                ),
                (bg, fg, title)
            );
        }
    }

    #[test]
    fn grey_image_derives_vibrant_swatches_like_node_vibrant() {
        // Greys only: no vibrant candidate; the vibrant swatches are derived from the muted
        // ones by lightness (as reported palettes of grey images show: #424242, #7f7f7f, #bcbcbc).
        let colours = [
            q([0x48, 0x48, 0x48], 242),
            q([0xbc, 0xbc, 0xbc], 238),
            q([0x7c, 0x7c, 0x7c], 214),
        ];
        let p = from_quantized(&colours, 10_000);
        let bg = |s: &Option<Swatch>| s.as_ref().map(|s| (s.background.clone(), s.population));
        assert_eq!(bg(&p.dark_muted), Some(("#484848".into(), 2.42)));
        assert_eq!(bg(&p.light_muted), Some(("#bcbcbc".into(), 2.38)));
        assert_eq!(bg(&p.muted), Some(("#7c7c7c".into(), 2.14)));
        assert_eq!(bg(&p.dark_vibrant), Some(("#424242".into(), 0.0)));
        assert_eq!(bg(&p.vibrant), Some(("#7f7f7f".into(), 0.0)));
        assert_eq!(bg(&p.light_vibrant), Some(("#bcbcbc".into(), 0.0)));
        assert_eq!(bg(&p.dominant), Some(("#484848".into(), 2.42)));
    }

    #[test]
    fn vibrant_picks_the_saturated_mid_luma_colour() {
        let colours = [
            q([230, 20, 20], 50),
            q([120, 110, 100], 500),
            q([20, 20, 20], 200),
        ];
        let p = palette_bg(&from_quantized(&colours, 750));
        assert_eq!(p.vibrant.as_deref(), Some("#e61414"));
        assert_eq!(p.muted.as_deref(), Some("#786e64"));
        assert_eq!(p.dominant.as_deref(), Some("#786e64"));
    }

    struct Bg {
        vibrant: Option<String>,
        muted: Option<String>,
        dominant: Option<String>,
    }

    fn palette_bg(p: &Palette) -> Bg {
        let f = |s: &Option<Swatch>| s.as_ref().map(|s| s.background.clone());
        Bg {
            vibrant: f(&p.vibrant),
            muted: f(&p.muted),
            dominant: f(&p.dominant),
        }
    }

    #[test]
    fn transparent_and_white_pixels_are_not_sampled() {
        let mut data = Vec::new();
        for i in 0..100u32 {
            let px: [u8; 4] = match i % 4 {
                0 => [255, 255, 255, 255],
                1 => [0, 0, 255, 0],
                _ => [200, 30, 30, 255],
            };
            data.extend_from_slice(&px);
        }
        let image = Image::from_vec(10, 10, PixelLayout::Rgba8, data).unwrap();
        let p = palette(&image);
        let dom = p.dominant.unwrap();
        assert_eq!(
            (dom.background.as_str(), dom.population),
            ("#cc1c1c", 100.0)
        );
    }

    #[test]
    fn all_white_image_has_an_empty_palette() {
        let image = Image::filled(4, 4, PixelLayout::Rgb8, &[255, 255, 255]).unwrap();
        assert_eq!(palette(&image), Palette::default());
    }
}
