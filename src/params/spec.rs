//! [`TransformSpec`]: the validated form of an image-URL query string.

use std::fmt;
use std::str::FromStr;

use super::error::{shorten, ParamError};
use super::parse_value::{parse_value, Value};
use super::query::{encode_query_component, split_query};
use super::registry::{lookup_indexed, ParamId, PARAMS};
use super::types::*;
use crate::Limits;

/// A validated transform: every parameter of the query string, typed and range-checked.
///
/// `None` means the parameter was absent (its default applies). Parse with
/// [`TransformSpec::from_query`] or [`str::parse`]; `Display` prints the canonical query
/// (registry order, canonical spellings, RFC 3986 encoding), and parsing that string gives an
/// equal spec.
///
/// ```
/// use pixform::TransformSpec;
/// let spec = TransformSpec::from_query("h=200&w=100&fit=crop&crop=left,top&cb=7").unwrap();
/// assert_eq!(spec.width.map(|w| w.get()), Some(100));
/// assert_eq!(spec.to_string(), "w=100&h=200&fit=crop&crop=top,left&cb=7");
/// assert_eq!(spec.unknown, vec![("cb".to_string(), "7".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct TransformSpec {
    /// `w`: output width. Default: from the source and `h`.
    pub width: Option<Dim>,
    /// `h`: output height. Default: from the source and `w`.
    pub height: Option<Dim>,
    /// `min-w` (with `fit=crop`). Default: none.
    pub min_width: Option<Dim>,
    /// `max-w` (with `fit=crop`). Default: none.
    pub max_width: Option<Dim>,
    /// `min-h` (with `fit=crop`). Default: none.
    pub min_height: Option<Dim>,
    /// `max-h` (with `fit=crop`). Default: none.
    pub max_height: Option<Dim>,
    /// `fit`. Default: [`Fit::Clip`].
    pub fit: Option<Fit>,
    /// `crop`. Default: centred.
    pub crop: Option<Crop>,
    /// `fp-x`. Default: 0.5.
    pub focal_x: Option<Fraction>,
    /// `fp-y`. Default: 0.5.
    pub focal_y: Option<Fraction>,
    /// `rect`. Default: the whole image.
    pub rect: Option<Rect>,
    /// `fm`. Default: the source's format.
    pub format: Option<OutputFormat>,
    /// `auto`. Default: off.
    pub auto: Option<Auto>,
    /// `q`, 0–100. Default: 75.
    pub quality: Option<u8>,
    /// `blur`, 0–2000 (sigma = blur/10 output pixels). Default: 0.
    pub blur: Option<u16>,
    /// `sharp` (alias `sharpen`), 0–100. Default: 0.
    pub sharpen: Option<u8>,
    /// `invert`. Default: false.
    pub invert: Option<bool>,
    /// `or`: clockwise rotation. Default: none.
    pub rotation: Option<Rotation>,
    /// `flip`. Default: none.
    pub flip: Option<Flip>,
    /// `bg`. Default: transparent when the output has alpha, else white.
    pub background: Option<Color>,
    /// `pad`, 0–2000 pixels. Default: 0.
    pub pad: Option<u16>,
    /// `sat`, −100–100. Default: 0.
    pub saturation: Option<i8>,
    /// `dpr`, 1–3. Default: 1.
    pub dpr: Option<Dpr>,
    /// `dl`: download with this file name (empty: a name derived from the source).
    /// Default: inline.
    pub download: Option<String>,
    /// `dlRaw`: download the original bytes with this file name. Default: inline.
    pub download_raw: Option<String>,
    /// `frame`: only `1`, the first frame. Default: every frame.
    pub frame: Option<u32>,
    /// `cs`. Default: [`ColorSpace::Srgb`].
    pub color_space: Option<ColorSpace>,
    /// Keys pixform does not know (cache busters, signing parameters), decoded, in query
    /// order. They are not errors; the caller decides what to do with them.
    pub unknown: Vec<(String, String)>,
}

impl TransformSpec {
    /// Parses a query string (with or without the leading `?`) under the default [`Limits`].
    pub fn from_query(query: &str) -> Result<TransformSpec, ParamError> {
        Self::from_query_with_limits(query, &Limits::default())
    }

    /// Parses a query string, bounding its length and pair count by `limits`.
    pub fn from_query_with_limits(
        query: &str,
        limits: &Limits,
    ) -> Result<TransformSpec, ParamError> {
        let mut spec = TransformSpec::default();
        let mut seen = [false; PARAMS.len()];
        for (key, value) in split_query(query, limits)? {
            let Some((index, d)) = lookup_indexed(&key) else {
                spec.unknown.push((key, value));
                continue;
            };
            let Some(slot) = seen.get_mut(index) else {
                continue;
            };
            if *slot {
                return Err(ParamError::Duplicate { key: d.key });
            }
            *slot = true;
            let invalid = || ParamError::InvalidValue {
                key: d.key,
                value: shorten(&value),
                expected: d.kind.expected(),
            };
            let parsed = parse_value(&d.kind, &value).ok_or_else(invalid)?;
            spec.set(d.id, parsed)
                .map_err(|expected| ParamError::InvalidValue {
                    key: d.key,
                    value: shorten(&value),
                    expected: expected.to_owned(),
                })?;
        }
        Ok(spec)
    }

    /// Stores a parsed value. `Err` carries what was expected when the value is well-formed
    /// for its kind but not a valid combination (e.g. `crop=top,bottom`).
    fn set(&mut self, id: ParamId, v: Value) -> Result<(), &'static str> {
        use ParamId as P;
        const SHAPE: &str = "a value of the registry's type";
        let dim = |v: &Value| match v {
            Value::Integer(n) => u32::try_from(*n).ok().and_then(Dim::new).ok_or(SHAPE),
            _ => Err(SHAPE),
        };
        let int = |v: &Value| match v {
            Value::Integer(n) => Ok(*n),
            _ => Err(SHAPE),
        };
        let dec = |v: &Value| match v {
            Value::Decimal(n) => Ok(*n),
            _ => Err(SHAPE),
        };
        let word = |v: &Value| match v {
            Value::Word(i) => Ok(*i),
            _ => Err(SHAPE),
        };
        let text = |v: Value| match v {
            Value::Text(s) => Ok(s),
            _ => Err(SHAPE),
        };
        match id {
            P::W => self.width = Some(dim(&v)?),
            P::H => self.height = Some(dim(&v)?),
            P::MinW => self.min_width = Some(dim(&v)?),
            P::MaxW => self.max_width = Some(dim(&v)?),
            P::MinH => self.min_height = Some(dim(&v)?),
            P::MaxH => self.max_height = Some(dim(&v)?),
            P::Fit => self.fit = Some(Fit::from_word_index(word(&v)?).ok_or(SHAPE)?),
            P::Crop => match v {
                Value::Words(words) => self.crop = Some(crop_from_words(&words)?),
                _ => return Err(SHAPE),
            },
            P::FpX => self.focal_x = Some(Fraction::new(dec(&v)?).ok_or(SHAPE)?),
            P::FpY => self.focal_y = Some(Fraction::new(dec(&v)?).ok_or(SHAPE)?),
            P::Rect => match v {
                Value::Rect(r) => self.rect = Some(r),
                _ => return Err(SHAPE),
            },
            P::Fm => self.format = Some(OutputFormat::from_word_index(word(&v)?).ok_or(SHAPE)?),
            P::Auto => self.auto = Some(Auto::from_word_index(word(&v)?).ok_or(SHAPE)?),
            P::Q => self.quality = Some(u8::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Blur => self.blur = Some(u16::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Sharp => self.sharpen = Some(u8::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Invert => match v {
                Value::Bool(b) => self.invert = Some(b),
                _ => return Err(SHAPE),
            },
            P::Or => self.rotation = Some(Rotation::from_word_index(word(&v)?).ok_or(SHAPE)?),
            P::Flip => self.flip = Some(Flip::from_word_index(word(&v)?).ok_or(SHAPE)?),
            P::Bg => match v {
                Value::Color(c) => self.background = Some(c),
                _ => return Err(SHAPE),
            },
            P::Pad => self.pad = Some(u16::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Sat => self.saturation = Some(i8::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Dpr => self.dpr = Some(Dpr::new(dec(&v)?).ok_or(SHAPE)?),
            P::Dl => self.download = Some(text(v)?),
            P::DlRaw => self.download_raw = Some(text(v)?),
            P::Frame => self.frame = Some(u32::try_from(int(&v)?).map_err(|_| SHAPE)?),
            P::Cs => {
                self.color_space = Some(ColorSpace::from_word_index(word(&v)?).ok_or(SHAPE)?);
            }
        }
        Ok(())
    }

    /// The canonical text of a parameter's value, `None` when absent.
    fn get(&self, id: ParamId) -> Option<String> {
        use ParamId as P;
        let word = |w: &'static str| w.to_owned();
        match id {
            P::W => self.width.map(|d| d.get().to_string()),
            P::H => self.height.map(|d| d.get().to_string()),
            P::MinW => self.min_width.map(|d| d.get().to_string()),
            P::MaxW => self.max_width.map(|d| d.get().to_string()),
            P::MinH => self.min_height.map(|d| d.get().to_string()),
            P::MaxH => self.max_height.map(|d| d.get().to_string()),
            P::Fit => self.fit.map(|f| word(f.as_str())),
            P::Crop => self.crop.map(|c| c.to_string()),
            P::FpX => self.focal_x.map(|f| f.get().to_string()),
            P::FpY => self.focal_y.map(|f| f.get().to_string()),
            P::Rect => self.rect.map(|r| r.to_string()),
            P::Fm => self.format.map(|f| word(f.as_str())),
            P::Auto => self.auto.map(|a| word(a.as_str())),
            P::Q => self.quality.map(|q| q.to_string()),
            P::Blur => self.blur.map(|b| b.to_string()),
            P::Sharp => self.sharpen.map(|s| s.to_string()),
            P::Invert => self.invert.map(|b| b.to_string()),
            P::Or => self.rotation.map(|r| word(r.as_str())),
            P::Flip => self.flip.map(|f| word(f.as_str())),
            P::Bg => self.background.map(|c| c.to_string()),
            P::Pad => self.pad.map(|p| p.to_string()),
            P::Sat => self.saturation.map(|s| s.to_string()),
            P::Dpr => self.dpr.map(|d| d.get().to_string()),
            P::Dl => self.download.clone(),
            P::DlRaw => self.download_raw.clone(),
            P::Frame => self.frame.map(|f| f.to_string()),
            P::Cs => self.color_space.map(|c| word(c.as_str())),
        }
    }

    /// The canonical `key=value` pairs of the known parameters, in registry order.
    pub fn canonical_pairs(&self) -> Vec<(&'static str, String)> {
        PARAMS
            .iter()
            .filter_map(|d| self.get(d.id).map(|v| (d.key, v)))
            .collect()
    }
}

/// Resolves a `crop=` word list (indices into the registry's crop words).
fn crop_from_words(indices: &[usize]) -> Result<Crop, &'static str> {
    const CONFLICT: &str = "a comma list of top, bottom, left, right, center (at most one per axis), or focalpoint or entropy alone";
    let words = indices
        .iter()
        .map(|i| CropWord::from_word_index(*i))
        .collect::<Option<Vec<_>>>()
        .ok_or("a comma list of the registry's crop words")?;
    let has = |w: CropWord| words.contains(&w);
    let (top, bottom) = (has(CropWord::Top), has(CropWord::Bottom));
    let (left, right) = (has(CropWord::Left), has(CropWord::Right));
    let (focal, entropy) = (has(CropWord::FocalPoint), has(CropWord::Entropy));
    if focal || entropy {
        if words.iter().any(|w| Some(w) != words.first()) {
            return Err(CONFLICT);
        }
        return Ok(if focal {
            Crop::FocalPoint
        } else {
            Crop::Entropy
        });
    }
    if (top && bottom) || (left && right) {
        return Err(CONFLICT);
    }
    let vertical = match (top, bottom) {
        (true, _) => VerticalAnchor::Top,
        (_, true) => VerticalAnchor::Bottom,
        _ => VerticalAnchor::Center,
    };
    let horizontal = match (left, right) {
        (true, _) => HorizontalAnchor::Left,
        (_, true) => HorizontalAnchor::Right,
        _ => HorizontalAnchor::Center,
    };
    Ok(Crop::Anchor {
        horizontal,
        vertical,
    })
}

impl fmt::Display for TransformSpec {
    /// The canonical query: known keys in registry order with canonical values, then the
    /// unknown keys in their original order; everything but RFC 3986 unreserved characters
    /// percent-encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.canonical_pairs();
        let unknown = self.unknown.iter().map(|(k, v)| (k.as_str(), v.clone()));
        let pairs = known.iter().map(|(k, v)| (*k, v.clone())).chain(unknown);
        for (i, (k, v)) in pairs.enumerate() {
            if i > 0 {
                f.write_str("&")?;
            }
            write!(
                f,
                "{}={}",
                encode_query_component(k),
                encode_query_component(&v)
            )?;
        }
        Ok(())
    }
}

impl FromStr for TransformSpec {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TransformSpec::from_query(s)
    }
}
