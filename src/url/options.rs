//! [`UrlOptions`]: the option object of the `@sanity/image-url` builder, field for field.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::js;

/// A scalar option value as the JavaScript client holds it.
///
/// The client stores whatever it was given and prints it with `String(value)`, so a width of
/// `100.5` or `"100"` reaches the URL as written. Keeping the JSON scalar (rather than, say, a
/// `u32`) is what makes [`UrlOptions::to_url`] byte-identical to the client for every input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptionValue {
    /// JSON `null` (the client prints it as `null`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number (a JavaScript double).
    Number(f64),
    /// A string.
    String(String),
}

impl OptionValue {
    pub(crate) fn to_json(&self) -> Value {
        match self {
            OptionValue::Null => Value::Null,
            OptionValue::Bool(b) => Value::Bool(*b),
            OptionValue::Number(x) => {
                serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
            }
            OptionValue::String(s) => Value::String(s.clone()),
        }
    }

    /// JavaScript truthiness (`""`, `0`, `false` and `null` are false).
    pub fn is_truthy(&self) -> bool {
        js::truthy(Some(&self.to_json()))
    }

    /// `String(value)` as JavaScript prints it (`1.5`, `1e+21`, `true`, `null`).
    pub fn to_js_string(&self) -> String {
        match self {
            // Through `to_json` a non-finite number would become null; print it directly.
            OptionValue::Number(x) => js::number_to_string(*x),
            other => js::to_js_string(Some(&other.to_json())),
        }
    }

    /// `Number(value)` as JavaScript converts it (`"12"` → 12, `null` → 0, `"x"` → NaN).
    pub fn to_number(&self) -> f64 {
        match self {
            OptionValue::Number(x) => *x,
            other => js::to_number(Some(&other.to_json())),
        }
    }
}

impl From<u32> for OptionValue {
    fn from(v: u32) -> Self {
        OptionValue::Number(f64::from(v))
    }
}

impl From<i32> for OptionValue {
    fn from(v: i32) -> Self {
        OptionValue::Number(f64::from(v))
    }
}

impl From<f64> for OptionValue {
    fn from(v: f64) -> Self {
        OptionValue::Number(v)
    }
}

impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Bool(v)
    }
}

impl From<&str> for OptionValue {
    fn from(v: &str) -> Self {
        OptionValue::String(v.to_owned())
    }
}

impl From<String> for OptionValue {
    fn from(v: String) -> Self {
        OptionValue::String(v)
    }
}

/// Keeps an explicit JSON `null` as `Some(OptionValue::Null)`: the client treats a held `null`
/// differently from a missing key (it prints `w=null`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OptionValue>, D::Error> {
    OptionValue::deserialize(d).map(Some)
}

/// Keeps an explicit `"source": null` as `Some(Value::Null)`: the client reports it as `null`
/// where a missing source is `undefined`.
fn present_source<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The `rect` option: a source rectangle in pixels (`rect=left,top,width,height`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RectOption {
    /// Left edge. Default: unset (printed as `undefined`, as the client does).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub left: Option<OptionValue>,
    /// Top edge. Default: unset.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub top: Option<OptionValue>,
    /// Width. Default: unset.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub width: Option<OptionValue>,
    /// Height. Default: unset.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub height: Option<OptionValue>,
}

/// The `focalPoint` option: fractions of the image size (`fp-x`, `fp-y`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FocalPointOption {
    /// Horizontal position, 0–1. Default: unset.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub x: Option<OptionValue>,
    /// Vertical position, 0–1. Default: unset.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub y: Option<OptionValue>,
}

macro_rules! url_options {
    ($( $(#[$doc:meta])* $field:ident : $json:literal ),* $(,)?) => {
        /// The option object of the `@sanity/image-url` 2.1.1 builder (`builder.options`), with
        /// its camelCase JSON keys. Unknown keys are ignored, as the client ignores them.
        ///
        /// Every field is optional and defaults to unset. [`UrlOptions::to_url`] turns it into
        /// the URL the client builds; [`ImageUrlBuilder`](super::ImageUrlBuilder) fills it
        /// fluently.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct UrlOptions {
            /// The image: an asset ID (`image-…-WxH-ext`), an image URL, a reference
            /// `{"_ref": …}`, an asset document `{"_id": …}`, `{"asset": {"url": …}}` or an image
            /// object `{"asset": …, "crop": …, "hotspot": …}`. Default: unset (an error).
            #[serde(
                default,
                deserialize_with = "present_source",
                skip_serializing_if = "Option::is_none"
            )]
            pub source: Option<Value>,
            /// `rect` (source rectangle). Setting it disables the crop/hotspot fit. Default: unset.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub rect: Option<RectOption>,
            /// `fp-x`/`fp-y`. Setting it disables the crop/hotspot fit. Default: unset.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub focal_point: Option<FocalPointOption>,
            $(
                $(#[$doc])*
                #[serde(rename = $json, default, deserialize_with = "present",
                        skip_serializing_if = "Option::is_none")]
                pub $field: Option<OptionValue>,
            )*
        }
    };
}

url_options! {
    /// Project ID (the path segment after `/images/`). Default: unset (printed `undefined`).
    project_id: "projectId",
    /// Dataset name. Default: unset (printed `undefined`).
    dataset: "dataset",
    /// CDN origin, trailing slashes removed. Default: `https://cdn.sanity.io`.
    base_url: "baseUrl",
    /// Media-library ID: `…/media-libraries/<id>/images/…`. Default: unset.
    media_library_id: "mediaLibraryId",
    /// Canvas ID: `…/images/canvases/<id>/…`. Default: unset.
    canvas_id: "canvasId",
    /// `w`. Default: unset.
    width: "width",
    /// `h`. Default: unset.
    height: "height",
    /// `fit` (`clip`, `crop`, `fill`, `fillmax`, `max`, `scale`, `min`). Default: unset.
    fit: "fit",
    /// `crop` mode (`top`, `bottom`, `left`, `right`, `center`, `focalpoint`, `entropy`);
    /// setting it disables the crop/hotspot fit. Default: unset.
    crop: "crop",
    /// `bg` (hex colour, not percent-encoded, as the client does). Default: unset.
    bg: "bg",
    /// `dpr`. Default: unset.
    dpr: "dpr",
    /// `blur`. Default: unset.
    blur: "blur",
    /// `sharp`. Default: unset.
    sharpen: "sharpen",
    /// `q`. Default: unset.
    quality: "quality",
    /// `fm` (`jpg`, `pjpg`, `png`, `webp`). Default: unset.
    format: "format",
    /// `auto` (`format`). Default: unset.
    auto: "auto",
    /// `invert`. Default: unset.
    invert: "invert",
    /// `or` (0, 90, 180, 270). Default: unset.
    orientation: "orientation",
    /// `dl`: `true` or a file name. Default: unset.
    download: "download",
    /// `flip=h` when truthy. Default: unset.
    flip_horizontal: "flipHorizontal",
    /// `flip=v` when truthy. Default: unset.
    flip_vertical: "flipVertical",
    /// `min-w`. Default: unset.
    min_width: "minWidth",
    /// `max-w`. Default: unset.
    max_width: "maxWidth",
    /// `min-h`. Default: unset.
    min_height: "minHeight",
    /// `max-h`. Default: unset.
    max_height: "maxHeight",
    /// `sat`. Default: unset.
    saturation: "saturation",
    /// `pad`. Default: unset.
    pad: "pad",
    /// `frame` (1). Default: unset.
    frame: "frame",
    /// SEO file name appended to the path (not percent-encoded, as the client does).
    /// Default: unset.
    vanity_name: "vanityName",
    /// When truthy, the image's crop and hotspot are not applied. Default: unset.
    ignore_image_params: "ignoreImageParams",
}

impl UrlOptions {
    /// Parses the client's option object from JSON text.
    pub fn from_json(json: &str) -> Result<UrlOptions, serde_json::Error> {
        serde_json::from_str(json)
    }
}
