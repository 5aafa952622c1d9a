//! The one registry of query keys and of the words their values are spelled with. Parsing,
//! the canonical serializer, the JSON forms of the values, the URL builder, the README's
//! parameter table and the fuzz dictionary are all generated from [`PARAMS`] and the word
//! tables below.

use super::types::{Auto, ColorSpace, CropWord, Fit, Flip, OutputFormat, Rotation};

/// Declares the words of a value type once: the table [`ValueKind::OneOf`]/[`ValueKind::ListOf`]
/// lists, `as_str` for printing a value and `from_word_index` for reading a parsed word back.
macro_rules! words {
    ($(#[$doc:meta])* $vis:vis $table:ident: $ty:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        pub(crate) const $table: &[&str] = &[$($word),+];

        impl $ty {
            /// The value as the query spells it.
            $vis fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $word,)+
                }
            }

            /// The value of word number `i` of its table (the index a parsed word carries).
            pub(crate) fn from_word_index(i: usize) -> Option<Self> {
                [$($ty::$variant),+].get(i).copied()
            }
        }
    };
}

words! {
    /// `fit=`.
    pub FIT_WORDS: Fit {
        Clip => "clip",
        Crop => "crop",
        Fill => "fill",
        FillMax => "fillmax",
        Max => "max",
        Min => "min",
        Scale => "scale",
    }
}

words! {
    /// `fm=`.
    pub FM_WORDS: OutputFormat {
        Jpg => "jpg",
        Pjpg => "pjpg",
        Png => "png",
        Webp => "webp",
        Gif => "gif",
        Avif => "avif",
        Json => "json",
    }
}

words! {
    /// `auto=`.
    pub AUTO_WORDS: Auto { Format => "format" }
}

words! {
    /// `or=`, clockwise degrees.
    pub OR_WORDS: Rotation { R0 => "0", R90 => "90", R180 => "180", R270 => "270" }
}

words! {
    /// `flip=`.
    pub FLIP_WORDS: Flip { H => "h", V => "v", Hv => "hv" }
}

words! {
    /// `cs=`.
    pub CS_WORDS: ColorSpace { Srgb => "srgb", Origin => "origin", BlackWhite => "b-w" }
}

words! {
    /// `crop=` (a comma list).
    pub(crate) CROP_WORDS: CropWord {
        Top => "top",
        Bottom => "bottom",
        Left => "left",
        Right => "right",
        Center => "center",
        FocalPoint => "focalpoint",
        Entropy => "entropy",
    }
}

/// Identifies a parameter of the dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is documented by its registry entry
#[non_exhaustive]
pub enum ParamId {
    W,
    H,
    MinW,
    MaxW,
    MinH,
    MaxH,
    Fit,
    Crop,
    FpX,
    FpY,
    Rect,
    Fm,
    Auto,
    Q,
    Blur,
    Sharp,
    Invert,
    Or,
    Flip,
    Bg,
    Pad,
    Sat,
    Dpr,
    Dl,
    DlRaw,
    Frame,
    Cs,
}

/// The type and strict range of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueKind {
    /// An ASCII decimal integer (a `-` sign only when `min` is negative) within `min..=max`.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A finite ASCII decimal number (`0.5`, `.5`, `1`; no sign, no exponent) within `min..=max`.
    Decimal {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// Exactly one of the listed words.
    OneOf(&'static [&'static str]),
    /// A comma list of the listed words.
    ListOf(&'static [&'static str]),
    /// Four comma-separated unsigned integers, the last two at least 1.
    Rect,
    /// 3, 4, 6 or 8 hex digits, alpha first.
    HexColor,
    /// `true`, `false`, `1` or `0`.
    Bool,
    /// Any text (percent-decoded).
    Text,
}

impl ValueKind {
    /// The phrase used in error messages and docs: "an integer 0–100", "one of clip, crop, …".
    pub fn expected(&self) -> String {
        match self {
            ValueKind::Integer { min, max } if min == max => format!("the integer {min}"),
            ValueKind::Integer { min, max } => format!("an integer {min}–{max}"),
            ValueKind::Decimal { min, max } => format!("a decimal number {min}–{max}"),
            ValueKind::OneOf(words) => format!("one of {}", words.join(", ")),
            ValueKind::ListOf(words) => format!("a comma list of {}", words.join(", ")),
            ValueKind::Rect => "four integers left,top,width,height (width and height ≥ 1)".into(),
            ValueKind::HexColor => "3, 4, 6 or 8 hex digits (RGB, ARGB, RRGGBB, AARRGGBB)".into(),
            ValueKind::Bool => "one of true, false, 1, 0".into(),
            ValueKind::Text => "text".into(),
        }
    }

    /// Example values, for the fuzz dictionary and docs.
    pub fn examples(&self) -> Vec<String> {
        match self {
            ValueKind::Integer { min, max } => {
                let mut v = vec![min.to_string(), max.to_string()];
                if min != max {
                    v.push(((min + max) / 2).to_string());
                }
                v
            }
            ValueKind::Decimal { min, max } => {
                vec![
                    min.to_string(),
                    max.to_string(),
                    ((min + max) / 2.0).to_string(),
                ]
            }
            ValueKind::OneOf(words) | ValueKind::ListOf(words) => {
                words.iter().map(|w| (*w).to_owned()).collect()
            }
            ValueKind::Rect => vec!["0,0,100,100".into(), "10,20,30,40".into()],
            ValueKind::HexColor => vec![
                "fff".into(),
                "8fff".into(),
                "ff0000".into(),
                "80ff0000".into(),
            ],
            ValueKind::Bool => vec!["true".into(), "false".into(), "1".into(), "0".into()],
            ValueKind::Text => vec!["image.jpg".into(), String::new()],
        }
    }
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// Which parameter.
    pub id: ParamId,
    /// The canonical key, as the serializer writes it.
    pub key: &'static str,
    /// Other keys accepted for it.
    pub aliases: &'static [&'static str],
    /// Value type and range.
    pub kind: ValueKind,
    /// The default, in words.
    pub default: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
}

const DIMENSION: ValueKind = ValueKind::Integer { min: 1, max: 8192 };

/// Every parameter, in canonical order (the order of the canonical query string).
pub const PARAMS: &[ParamDef] = &[
    ParamDef { id: ParamId::W, key: "w", aliases: &[], kind: DIMENSION, default: "source width", doc: "Output width in pixels." },
    ParamDef { id: ParamId::H, key: "h", aliases: &[], kind: DIMENSION, default: "source height", doc: "Output height in pixels." },
    ParamDef { id: ParamId::MinW, key: "min-w", aliases: &[], kind: DIMENSION, default: "none", doc: "With fit=crop: the smallest width the output may have." },
    ParamDef { id: ParamId::MaxW, key: "max-w", aliases: &[], kind: DIMENSION, default: "none", doc: "With fit=crop: the largest width the output may have." },
    ParamDef { id: ParamId::MinH, key: "min-h", aliases: &[], kind: DIMENSION, default: "none", doc: "With fit=crop: the smallest height the output may have." },
    ParamDef { id: ParamId::MaxH, key: "max-h", aliases: &[], kind: DIMENSION, default: "none", doc: "With fit=crop: the largest height the output may have." },
    ParamDef { id: ParamId::Fit, key: "fit", aliases: &[], kind: ValueKind::OneOf(FIT_WORDS), default: "clip", doc: "How the image fits the w×h box." },
    ParamDef { id: ParamId::Crop, key: "crop", aliases: &[], kind: ValueKind::ListOf(CROP_WORDS), default: "center", doc: "Where the crop window of fit=crop/min goes: edge anchors (combinable), focalpoint or entropy." },
    ParamDef { id: ParamId::FpX, key: "fp-x", aliases: &[], kind: ValueKind::Decimal { min: 0.0, max: 1.0 }, default: "0.5", doc: "Focal point x as a fraction of the width (crop=focalpoint)." },
    ParamDef { id: ParamId::FpY, key: "fp-y", aliases: &[], kind: ValueKind::Decimal { min: 0.0, max: 1.0 }, default: "0.5", doc: "Focal point y as a fraction of the height (crop=focalpoint)." },
    ParamDef { id: ParamId::Rect, key: "rect", aliases: &[], kind: ValueKind::Rect, default: "whole image", doc: "Source crop left,top,width,height in pixels, applied first; clamped to the image." },
    ParamDef { id: ParamId::Fm, key: "fm", aliases: &[], kind: ValueKind::OneOf(FM_WORDS), default: "source format", doc: "Output format; json gives facts about the output instead of pixels." },
    ParamDef { id: ParamId::Auto, key: "auto", aliases: &[], kind: ValueKind::OneOf(AUTO_WORDS), default: "off", doc: "auto=format picks AVIF, then WebP, when the client accepts them." },
    ParamDef { id: ParamId::Q, key: "q", aliases: &[], kind: ValueKind::Integer { min: 0, max: 100 }, default: "75", doc: "JPEG/WebP/AVIF quality." },
    ParamDef { id: ParamId::Blur, key: "blur", aliases: &[], kind: ValueKind::Integer { min: 0, max: 2000 }, default: "0", doc: "Gaussian blur, sigma = blur/10 output pixels." },
    ParamDef { id: ParamId::Sharp, key: "sharp", aliases: &["sharpen"], kind: ValueKind::Integer { min: 0, max: 100 }, default: "0", doc: "Unsharp-mask sharpening strength." },
    ParamDef { id: ParamId::Invert, key: "invert", aliases: &[], kind: ValueKind::Bool, default: "false", doc: "Invert the colours." },
    ParamDef { id: ParamId::Or, key: "or", aliases: &[], kind: ValueKind::OneOf(OR_WORDS), default: "0", doc: "Rotate clockwise by this many degrees (after rect)." },
    ParamDef { id: ParamId::Flip, key: "flip", aliases: &[], kind: ValueKind::OneOf(FLIP_WORDS), default: "none", doc: "Mirror horizontally, vertically or both." },
    ParamDef { id: ParamId::Bg, key: "bg", aliases: &[], kind: ValueKind::HexColor, default: "transparent if the output has alpha, else white", doc: "Background colour for padding, fill and flattening; alpha first." },
    ParamDef { id: ParamId::Pad, key: "pad", aliases: &[], kind: ValueKind::Integer { min: 0, max: 2000 }, default: "0", doc: "Padding in pixels on every side (inside w×h when given)." },
    ParamDef { id: ParamId::Sat, key: "sat", aliases: &[], kind: ValueKind::Integer { min: -100, max: 100 }, default: "0", doc: "Saturation change; -100 is greyscale." },
    ParamDef { id: ParamId::Dpr, key: "dpr", aliases: &[], kind: ValueKind::Decimal { min: 1.0, max: 3.0 }, default: "1", doc: "Device pixel ratio: multiplies w, h and pad (only with w or h)." },
    ParamDef { id: ParamId::Dl, key: "dl", aliases: &[], kind: ValueKind::Text, default: "inline", doc: "Serve as a download, optionally with this file name." },
    ParamDef { id: ParamId::DlRaw, key: "dlRaw", aliases: &[], kind: ValueKind::Text, default: "inline", doc: "Serve the original bytes as a download, optionally with this file name." },
    ParamDef { id: ParamId::Frame, key: "frame", aliases: &[], kind: ValueKind::Integer { min: 1, max: 1 }, default: "all frames", doc: "frame=1 takes the first frame of an animation." },
    ParamDef { id: ParamId::Cs, key: "cs", aliases: &[], kind: ValueKind::OneOf(CS_WORDS), default: "srgb", doc: "Colour handling: convert to sRGB, keep the source profile, or greyscale." },
];

/// The registry entry for a key or alias (exact, case-sensitive match).
pub fn lookup(key: &str) -> Option<&'static ParamDef> {
    PARAMS
        .iter()
        .find(|d| d.key == key || d.aliases.contains(&key))
}

/// The position in [`PARAMS`] and the entry of a key or alias.
pub(crate) fn lookup_indexed(key: &str) -> Option<(usize, &'static ParamDef)> {
    PARAMS
        .iter()
        .enumerate()
        .find(|(_, d)| d.key == key || d.aliases.contains(&key))
}

/// The README's parameter table (Markdown), generated from the registry.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| key | aliases | value | default | meaning |\n|---|---|---|---|---|\n");
    for d in PARAMS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            d.key,
            d.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            d.kind.expected(),
            d.default,
            d.doc
        ));
    }
    out
}

/// `key=value` tokens for a fuzzing dictionary, generated from the registry.
pub fn fuzz_dictionary() -> Vec<String> {
    let mut out = Vec::new();
    for d in PARAMS {
        for key in std::iter::once(&d.key).chain(d.aliases) {
            out.push(format!("{key}="));
            for v in d.kind.examples() {
                out.push(format!("{key}={v}"));
            }
        }
    }
    out
}
