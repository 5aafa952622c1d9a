//! Validated value types of the query parameters. Each is constructed only through the
//! checks of the parser (or its own checked constructor), so holding one is proof of validity.

use std::fmt;
use std::num::NonZeroU32;

/// The largest `w`, `h`, `min-*`, `max-*` a query may ask for.
pub const MAX_DIMENSION: u32 = 8192;

/// A requested output dimension in pixels, 1–8192.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim(NonZeroU32);

impl Dim {
    /// `Some` when `v` is within 1–8192.
    pub fn new(v: u32) -> Option<Dim> {
        if v > MAX_DIMENSION {
            return None;
        }
        NonZeroU32::new(v).map(Dim)
    }

    /// The value in pixels.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

/// A finite fraction in 0–1 (focal point coordinates).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Fraction(f64);

impl Fraction {
    /// `Some` when `v` is finite and within 0–1.
    pub fn new(v: f64) -> Option<Fraction> {
        (v.is_finite() && (0.0..=1.0).contains(&v)).then_some(Fraction(v))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A device pixel ratio, finite, 1–3.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Dpr(f64);

impl Dpr {
    /// `Some` when `v` is finite and within 1–3.
    pub fn new(v: f64) -> Option<Dpr> {
        (v.is_finite() && (1.0..=3.0).contains(&v)).then_some(Dpr(v))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A source rectangle `rect=left,top,width,height` in pixels of the oriented source. Width and
/// height are at least 1; left and top are any `u32` (clamping to the image happens in planning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width, at least 1.
    pub width: NonZeroU32,
    /// Height, at least 1.
    pub height: NonZeroU32,
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.left, self.top, self.width, self.height
        )
    }
}

/// A background colour. Queries give it alpha first (`ARGB`/`AARRGGBB`), as Sanity documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    /// Alpha, 255 = opaque.
    pub a: u8,
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Color {
    /// Opaque white, the background used when none is given and the output has no alpha.
    pub const WHITE: Color = Color {
        a: 255,
        r: 255,
        g: 255,
        b: 255,
    };

    /// Fully transparent black, the background of padding on outputs with alpha.
    pub const TRANSPARENT: Color = Color {
        a: 0,
        r: 0,
        g: 0,
        b: 0,
    };

    /// Parses 3, 4, 6 or 8 hex digits: `RGB`, `ARGB`, `RRGGBB`, `AARRGGBB`.
    pub fn from_hex(s: &str) -> Option<Color> {
        let digits: Vec<u8> = s
            .bytes()
            .map(|b| (b as char).to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()?;
        let (a, rgb) = match digits.len() {
            3 => (None, [digits[0] * 17, digits[1] * 17, digits[2] * 17]),
            4 => (
                Some(digits[0] * 17),
                [digits[1] * 17, digits[2] * 17, digits[3] * 17],
            ),
            6 => (
                None,
                [
                    digits[0] << 4 | digits[1],
                    digits[2] << 4 | digits[3],
                    digits[4] << 4 | digits[5],
                ],
            ),
            8 => (
                Some(digits[0] << 4 | digits[1]),
                [
                    digits[2] << 4 | digits[3],
                    digits[4] << 4 | digits[5],
                    digits[6] << 4 | digits[7],
                ],
            ),
            _ => return None,
        };
        Some(Color {
            a: a.unwrap_or(255),
            r: rgb[0],
            g: rgb[1],
            b: rgb[2],
        })
    }

    /// Whether the colour is fully opaque.
    pub fn is_opaque(self) -> bool {
        self.a == 255
    }

    /// `[r, g, b, a]`, the order pixel buffers use.
    pub fn to_rgba(self) -> [u8; 4] {
        [self.r, self.g, self.b, self.a]
    }
}

impl fmt::Display for Color {
    /// `rrggbb` when opaque, else `aarrggbb` (lowercase).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_opaque() {
            write!(f, "{:02x}{:02x}{:02x}", self.r, self.g, self.b)
        } else {
            write!(
                f,
                "{:02x}{:02x}{:02x}{:02x}",
                self.a, self.r, self.g, self.b
            )
        }
    }
}

/// How the image is fitted to `w`×`h` (`fit=`). Default: [`Fit::Clip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fit {
    /// Scale to fit within the box, keeping the aspect ratio; upscales.
    #[default]
    Clip,
    /// Exactly the box: the largest window of the box's aspect, placed by `crop`, scaled.
    Crop,
    /// Canvas of the box; the image scaled as `clip`, centred, the rest filled with `bg`.
    Fill,
    /// As `fill`, but the image is never upscaled.
    FillMax,
    /// As `clip`, but never upscales.
    Max,
    /// As `crop`, but never upscales.
    Min,
    /// Exactly the box, aspect ratio not kept.
    Scale,
}

/// Horizontal placement of a crop window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HorizontalAnchor {
    /// Flush left.
    Left,
    /// Centred.
    #[default]
    Center,
    /// Flush right.
    Right,
}

/// Vertical placement of a crop window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VerticalAnchor {
    /// Flush top.
    Top,
    /// Centred.
    #[default]
    Center,
    /// Flush bottom.
    Bottom,
}

/// Where the crop window of `fit=crop`/`fit=min` goes (`crop=`). Default: centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crop {
    /// Placed by edge anchors (`top`, `bottom`, `left`, `right`, `center`, combinable).
    Anchor {
        /// Horizontal anchor.
        horizontal: HorizontalAnchor,
        /// Vertical anchor.
        vertical: VerticalAnchor,
    },
    /// Centred on (`fp-x`·W, `fp-y`·H), clamped inside the image.
    FocalPoint,
    /// The window of greatest entropy.
    Entropy,
}

impl Default for Crop {
    fn default() -> Self {
        Crop::Anchor {
            horizontal: HorizontalAnchor::Center,
            vertical: VerticalAnchor::Center,
        }
    }
}

impl fmt::Display for Crop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crop::FocalPoint => f.write_str(CropWord::FocalPoint.as_str()),
            Crop::Entropy => f.write_str(CropWord::Entropy.as_str()),
            Crop::Anchor {
                horizontal,
                vertical,
            } => {
                let v = match vertical {
                    VerticalAnchor::Top => Some(CropWord::Top),
                    VerticalAnchor::Bottom => Some(CropWord::Bottom),
                    VerticalAnchor::Center => None,
                };
                let h = match horizontal {
                    HorizontalAnchor::Left => Some(CropWord::Left),
                    HorizontalAnchor::Right => Some(CropWord::Right),
                    HorizontalAnchor::Center => None,
                };
                match (v, h) {
                    (Some(v), Some(h)) => write!(f, "{},{}", v.as_str(), h.as_str()),
                    (Some(one), None) | (None, Some(one)) => f.write_str(one.as_str()),
                    (None, None) => f.write_str(CropWord::Center.as_str()),
                }
            }
        }
    }
}

/// The requested output encoding (`fm=`). Default: the source's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Baseline JPEG.
    Jpg,
    /// Progressive JPEG.
    Pjpg,
    /// PNG.
    Png,
    /// Lossy WebP.
    Webp,
    /// GIF.
    Gif,
    /// AVIF.
    Avif,
    /// JSON facts about the output instead of pixels.
    Json,
}

/// A clockwise rotation (`or=`). Default: none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    /// No rotation.
    #[default]
    R0,
    /// 90° clockwise.
    R90,
    /// 180°.
    R180,
    /// 270° clockwise.
    R270,
}

impl Rotation {
    /// Whether width and height trade places.
    pub fn swaps_axes(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }

    /// The angle in degrees.
    pub fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }
}

/// A mirror (`flip=`). Default: none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flip {
    /// Mirror left–right.
    H,
    /// Mirror top–bottom.
    V,
    /// Both.
    Hv,
}

impl Flip {
    /// Whether the image is mirrored left–right.
    pub fn horizontal(self) -> bool {
        matches!(self, Flip::H | Flip::Hv)
    }

    /// Whether the image is mirrored top–bottom.
    pub fn vertical(self) -> bool {
        matches!(self, Flip::V | Flip::Hv)
    }
}

/// Colour handling (`cs=`). Default: [`ColorSpace::Srgb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorSpace {
    /// Convert to sRGB and strip the profile.
    #[default]
    Srgb,
    /// Keep the source's colour profile.
    Origin,
    /// Greyscale.
    BlackWhite,
}

/// `auto=` options. Only `format` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auto {
    /// Pick the best output format the client accepts.
    Format,
}

/// Serialized as the canonical query value (`"ff0000"`, `90`, `"hv"`, `"b-w"`), so a plan's
/// JSON reads like the query that produced it.
mod serialize {
    use super::*;
    use serde::{Serialize, Serializer};

    impl Serialize for Color {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    impl Serialize for Rotation {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u16(self.degrees())
        }
    }

    impl Serialize for Flip {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl Serialize for ColorSpace {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }
}

/// One word of a `crop=` list; [`super::Crop`] combines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CropWord {
    Top,
    Bottom,
    Left,
    Right,
    Center,
    FocalPoint,
    Entropy,
}
