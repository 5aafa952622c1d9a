//! From the client's many source forms to one asset and its crop and hotspot, following
//! `parseSource` and `parseAssetId` of `@sanity/image-url` (including their leniency: the
//! dimensions go through JavaScript `Number()`, so `image-abc-12x-jpg` is a 12×0 image).

use serde_json::Value;

use super::error::UrlError;
use super::js::{prop, to_number, truthy};

/// The asset as the client understands it: any non-empty name, dimensions as JS numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LooseAsset {
    /// The second `-`-separated part of the ID.
    pub name: String,
    /// `Number()` of the part before the `x`.
    pub width: f64,
    /// `Number()` of the part after the `x` (NaN when missing, which is an error).
    pub height: f64,
    /// The fourth `-`-separated part of the ID.
    pub format: String,
}

/// Crop fractions `left, top, right, bottom` as the Studio stores them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CropFractions {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// Hotspot centre and size as fractions of the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HotspotFractions {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A resolved image: the asset plus crop and hotspot (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResolvedImage {
    pub asset: LooseAsset,
    pub crop: CropFractions,
    pub hotspot: HotspotFractions,
}

/// What a source resolves to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    /// An image with an asset.
    Image(ResolvedImage),
    /// An image whose upload has not finished: the client returns a placeholder URL.
    InProgressUpload,
}

const ID_EXAMPLE: &str = "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg";

/// Where the asset reference comes from, before `asset._ref || asset._id || ''`.
enum AssetRef<'a> {
    /// A reference string computed from the source (an ID or a URL turned into one).
    Computed(String),
    /// The value that plays the part of `image.asset` (possibly null or not an object).
    Object(&'a Value),
}

/// `parseSource` followed by the in-progress-upload check and `parseAssetId`.
pub(crate) fn resolve(source: Option<&Value>) -> Result<Resolved, UrlError> {
    let Some(asset_ref) = asset_ref_of(source) else {
        if truthy(source) && is_in_progress_upload(source) {
            return Ok(Resolved::InProgressUpload);
        }
        let shown = source.map_or_else(|| "undefined".to_owned(), Value::to_string);
        return Err(UrlError::UnresolvableSource { source: shown });
    };
    let reference = match asset_ref {
        AssetRef::Computed(r) => r,
        AssetRef::Object(asset) => reference_of_asset(asset)?,
    };
    let asset = parse_loose_asset_id(&reference)?;
    Ok(Resolved::Image(ResolvedImage {
        asset,
        crop: crop_of(source),
        hotspot: hotspot_of(source),
    }))
}

/// The `parseSource` branches; `None` where it returns null.
fn asset_ref_of(source: Option<&Value>) -> Option<AssetRef<'_>> {
    if !truthy(source) {
        return None;
    }
    let src = source?;
    if let Value::String(s) = src {
        return Some(AssetRef::Computed(if is_url(s) {
            url_to_id(s)
        } else {
            s.clone()
        }));
    }
    if matches!(prop(source, "_ref"), Some(Value::String(_))) {
        return Some(AssetRef::Object(src));
    }
    if let Some(Value::String(id)) = prop(source, "_id") {
        return Some(AssetRef::Computed(id.clone()));
    }
    let asset = prop(source, "asset");
    if truthy(asset) {
        if let Some(Value::String(url)) = prop(asset, "url") {
            return Some(AssetRef::Computed(url_to_id(url)));
        }
    }
    // `typeof source.asset === 'object'`, which includes null and arrays.
    match asset {
        Some(a @ (Value::Object(_) | Value::Array(_) | Value::Null)) => Some(AssetRef::Object(a)),
        _ => None,
    }
}

/// `image.asset._ref || image.asset._id || ''`; a null asset or a non-string reference makes
/// the client throw a `TypeError`.
fn reference_of_asset(asset: &Value) -> Result<String, UrlError> {
    if asset.is_null() {
        return Err(UrlError::InvalidSourceValue {
            field: "asset",
            found: "null".to_owned(),
        });
    }
    let r = prop(Some(asset), "_ref");
    let chosen = if truthy(r) {
        r
    } else {
        prop(Some(asset), "_id")
    };
    match chosen {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        c if !truthy(c) => Ok(String::new()),
        Some(other) => Err(UrlError::InvalidSourceValue {
            field: "asset._ref",
            found: other.to_string(),
        }),
        None => Ok(String::new()),
    }
}

/// `obj._upload && (!obj.asset || !obj.asset._ref)`.
fn is_in_progress_upload(source: Option<&Value>) -> bool {
    let is_object = matches!(source, Some(Value::Object(_) | Value::Array(_)));
    let asset = prop(source, "asset");
    is_object && truthy(prop(source, "_upload")) && (!truthy(asset) || !truthy(prop(asset, "_ref")))
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The client's `urlToId`: the last path segment, `image-` prepended, a final `.ext` (lowercase
/// letters only) turned into `-ext`.
pub(crate) fn url_to_id(url: &str) -> String {
    let last = url.rsplit('/').next().unwrap_or("");
    let mut id = format!("image-{last}");
    if let Some(dot) = id.rfind('.') {
        let ext = id.get(dot + 1..).unwrap_or("");
        if !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_lowercase()) {
            id.replace_range(dot..=dot, "-");
        }
    }
    id
}

/// The client's `parseAssetId`: `<anything>-<name>-<W>x<H>-<format>[-…]`, W and H through
/// JavaScript `Number()` and required to be finite.
pub(crate) fn parse_loose_asset_id(reference: &str) -> Result<LooseAsset, UrlError> {
    let malformed = || UrlError::MalformedAssetRef {
        reference: reference.to_owned(),
        example: ID_EXAMPLE,
    };
    let mut parts = reference.split('-').skip(1);
    let name = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or_else(malformed)?;
    let dims = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or_else(malformed)?;
    let format = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or_else(malformed)?;
    let mut sides = dims.split('x');
    let str_value = |s: Option<&str>| s.map(|s| Value::String(s.to_owned()));
    let width = to_number(str_value(sides.next()).as_ref());
    let height = to_number(str_value(sides.next()).as_ref());
    if !(width.is_finite() && height.is_finite()) {
        return Err(malformed());
    }
    Ok(LooseAsset {
        name: name.to_owned(),
        width,
        height,
        format: format.to_owned(),
    })
}

fn crop_of(source: Option<&Value>) -> CropFractions {
    let crop = prop(source, "crop");
    if !truthy(crop) {
        return CropFractions {
            left: 0.0,
            top: 0.0,
            right: 0.0,
            bottom: 0.0,
        };
    }
    let field = |name| property_number(crop, name);
    CropFractions {
        left: field("left"),
        top: field("top"),
        right: field("right"),
        bottom: field("bottom"),
    }
}

fn hotspot_of(source: Option<&Value>) -> HotspotFractions {
    let hotspot = prop(source, "hotspot");
    if !truthy(hotspot) {
        return HotspotFractions {
            x: 0.5,
            y: 0.5,
            width: 1.0,
            height: 1.0,
        };
    }
    let field = |name| property_number(hotspot, name);
    HotspotFractions {
        x: field("x"),
        y: field("y"),
        width: field("width"),
        height: field("height"),
    }
}

/// `Number(obj[name])`; on anything but an object the property is undefined (NaN).
fn property_number(obj: Option<&Value>, name: &str) -> f64 {
    to_number(prop(obj, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_to_id_follows_the_client() {
        let cases = [
            (
                "https://cdn.sanity.io/images/p/d/abc-10x20.png",
                "image-abc-10x20-png",
            ),
            (
                "https://cdn.sanity.io/images/p/d/abc-10x20.png/cat.jpg",
                "image-cat-jpg",
            ),
            ("https://x/abc-10x20.PNG", "image-abc-10x20.PNG"),
            ("https://x/abc-10x20.webp?w=1", "image-abc-10x20.webp?w=1"),
            ("https://x/", "image-"),
        ];
        for (url, want) in cases {
            assert_eq!(url_to_id(url), want, "{url}");
        }
    }

    /// Name, width, height, format.
    type Loose = (&'static str, f64, f64, &'static str);

    #[test]
    fn loose_ids_use_javascript_numbers() {
        let cases: &[(&str, Option<Loose>)] = &[
            ("image-abc-12x-jpg", Some(("abc", 12.0, 0.0, "jpg"))),
            (
                "image-abc-010x0x10-jpg-extra",
                Some(("abc", 10.0, 0.0, "jpg")),
            ),
            ("x-abc-1e3x2-png", Some(("abc", 1000.0, 2.0, "png"))),
            ("image-abc", None),
            ("image--10x10-png", None),
            ("image-x-axb-png", None),
            ("image-x-10-png", None),
            ("file-abc-pdf", None),
        ];
        for &(id, want) in cases {
            let got = parse_loose_asset_id(id).ok();
            let got = got
                .as_ref()
                .map(|a| (a.name.as_str(), a.width, a.height, a.format.as_str()));
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn source_forms_resolve_to_the_same_asset() {
        let id = "image-abc-10x20-png";
        let sources = [
            json!(id),
            json!("https://cdn.sanity.io/images/p/d/abc-10x20.png"),
            json!({"_ref": id}),
            json!({"_id": id}),
            json!({"asset": {"url": "https://cdn.sanity.io/images/p/d/abc-10x20.png"}}),
            json!({"asset": {"_ref": id}, "crop": null, "hotspot": null}),
            json!({"asset": {"_id": id}}),
            json!({"asset": {"_ref": "", "_id": id}}),
        ];
        for s in sources {
            let Ok(Resolved::Image(img)) = resolve(Some(&s)) else {
                panic!("{s} did not resolve");
            };
            assert_eq!(
                (img.asset.name.as_str(), img.asset.width, img.asset.height),
                ("abc", 10.0, 20.0),
                "{s}"
            );
            assert_eq!(img.crop.left, 0.0);
            assert_eq!(img.hotspot.x, 0.5);
        }
    }

    #[test]
    fn unresolvable_and_throwing_sources_are_errors() {
        let unresolvable = |shown: &str| UrlError::UnresolvableSource {
            source: shown.to_owned(),
        };
        let malformed = |reference: &str| UrlError::MalformedAssetRef {
            reference: reference.to_owned(),
            example: "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg",
        };
        // As the client: falsy and unusable sources cannot be resolved, a null `asset` or a
        // non-string `_ref` is a TypeError, and an object asset without a reference gives ''.
        #[rustfmt::skip]
        let bad: [(Value, UrlError); 11] = [
            (json!(""), unresolvable(r#""""#)),
            (json!(null), unresolvable("null")),
            (json!(0), unresolvable("0")),
            (json!(true), unresolvable("true")),
            (json!({}), unresolvable("{}")),
            (json!({"asset": "x"}), unresolvable(r#"{"asset":"x"}"#)),
            (json!({"asset": null}), UrlError::InvalidSourceValue { field: "asset", found: "null".into() }),
            (json!({"asset": {"_ref": 5}}), UrlError::InvalidSourceValue { field: "asset._ref", found: "5".into() }),
            (json!({"asset": {}}), malformed("")),
            (json!({"_upload": 1, "asset": {"x": 1}}), malformed("")),
            (json!([]), unresolvable("[]")),
        ];
        for (s, want) in bad {
            assert_eq!(resolve(Some(&s)), Err(want), "{s}");
        }
        assert_eq!(resolve(None), Err(unresolvable("undefined")));
        assert_eq!(
            resolve(Some(&json!({"_upload": {}}))),
            Ok(Resolved::InProgressUpload)
        );
        assert_eq!(
            resolve(Some(&json!({"_upload": 1, "asset": "x"}))),
            Ok(Resolved::InProgressUpload)
        );
    }
}
