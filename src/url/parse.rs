//! [`parse_image_url`]: an image URL from any host back into its parts.

use serde::{Serialize, Serializer};

use super::error::UrlError;
use crate::asset::AssetId;
use crate::params::{decode_component, encode_component, TransformSpec};

/// Where the image lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ImageResource {
    /// `/images/<project>/<dataset>/…`.
    Dataset {
        /// Project ID.
        project_id: String,
        /// Dataset name.
        dataset: String,
    },
    /// `/media-libraries/<id>/images/…`.
    MediaLibrary {
        /// Media-library ID.
        id: String,
    },
    /// `/images/canvases/<id>/…`.
    Canvas {
        /// Canvas ID.
        id: String,
    },
}

/// The signing parameters of a URL, decoded; each `None` when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SigningParams {
    /// `keyid`.
    pub key_id: Option<String>,
    /// `expiry` (ISO-8601 UTC).
    pub expiry: Option<String>,
    /// `signature` (padded base64url).
    pub signature: Option<String>,
}

impl SigningParams {
    /// Whether any signing parameter is present.
    pub fn is_signed(&self) -> bool {
        self.key_id.is_some() || self.expiry.is_some() || self.signature.is_some()
    }
}

/// An image URL split into its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedImageUrl {
    /// Scheme, host and any path before the image path, without the slash that separates it
    /// from the image path (`https://cdn.sanity.io`); empty segments are kept, so
    /// `https://h/a//images/…` has the base `https://h/a/`.
    pub base_url: String,
    /// Project and dataset, media library or canvas.
    pub resource: ImageResource,
    /// The asset, from the file name `<name>-<W>x<H>.<ext>`.
    #[serde(serialize_with = "serialize_display")]
    pub asset: AssetId,
    /// The path after the file name, as written (the client does not encode it).
    pub vanity_name: Option<String>,
    /// The query without the signing parameters, in the original order and encoding.
    pub query: String,
    /// The query as a validated transform (serialized as its canonical query).
    #[serde(serialize_with = "serialize_display")]
    pub spec: TransformSpec,
    /// The query's parameters without the signing parameters, decoded, in order.
    pub params: Vec<(String, String)>,
    /// `keyid`, `expiry` and `signature`.
    pub signing: SigningParams,
}

impl ParsedImageUrl {
    /// The URL these parts stand for: base URL, image path, vanity name, the query as written,
    /// then the signing parameters present (`keyid`, `expiry`, `signature`, RFC 3986-encoded).
    /// [`parse_image_url`] of the result gives equal parts; a URL without signing parameters
    /// whose base has no trailing empty segment comes back byte for byte.
    ///
    /// ```
    /// use pixform::url::parse_image_url;
    ///
    /// let url = "https://cdn.sanity.io/images/p/d/Tb9Ew8CXIwaY6R1kjMvI0uRR-20x30.png/a.png?w=5";
    /// assert_eq!(parse_image_url(url)?.to_url(), url);
    /// # Ok::<(), pixform::url::UrlError>(())
    /// ```
    pub fn to_url(&self) -> String {
        let resource = match &self.resource {
            ImageResource::Dataset {
                project_id,
                dataset,
            } => format!("images/{project_id}/{dataset}"),
            ImageResource::MediaLibrary { id } => format!("media-libraries/{id}/images"),
            ImageResource::Canvas { id } => format!("images/canvases/{id}"),
        };
        let mut url = format!("{}/{resource}/{}", self.base_url, self.asset.file_name());
        if let Some(vanity) = &self.vanity_name {
            url.push('/');
            url.push_str(vanity);
        }
        let signing = [
            ("keyid", &self.signing.key_id),
            ("expiry", &self.signing.expiry),
            ("signature", &self.signing.signature),
        ];
        let mut pairs: Vec<String> = Vec::new();
        if !self.query.is_empty() {
            pairs.push(self.query.clone());
        }
        for (key, value) in signing {
            if let Some(value) = value {
                pairs.push(format!("{key}={}", encode_component(value)));
            }
        }
        if !pairs.is_empty() {
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        url
    }
}

fn serialize_display<S: Serializer, T: std::fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// The query parameters `@sanity/signed-urls` reserves (`keyid`, `expiry`, `signature`):
/// they carry a signature and never select a rendition.
pub const SIGNING_KEYS: [&str; 3] = ["keyid", "expiry", "signature"];

/// Splits an image URL — from any host, with any path prefix — into resource, asset, vanity
/// name, query (also as a validated [`TransformSpec`]) and signing parameters.
///
/// The asset ID is read strictly ([`AssetId::parse`]) and the query must be a valid transform
/// ([`TransformSpec::from_query`]); the signing parameters are set aside before that.
///
/// ```
/// use pixform::url::{parse_image_url, ImageResource};
///
/// let parsed = parse_image_url(
///     "https://cdn.sanity.io/images/zp7mbokg/production/\
///      Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg/cat.jpg?w=300&keyid=k1&dl=a%20b",
/// )?;
/// assert_eq!(parsed.base_url, "https://cdn.sanity.io");
/// assert_eq!(
///     parsed.resource,
///     ImageResource::Dataset { project_id: "zp7mbokg".into(), dataset: "production".into() }
/// );
/// assert_eq!(parsed.asset.to_string(), "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg");
/// assert_eq!(parsed.vanity_name.as_deref(), Some("cat.jpg"));
/// assert_eq!(parsed.query, "w=300&dl=a%20b");
/// assert_eq!(parsed.spec.to_string(), "w=300&dl=a%20b");
/// assert_eq!(parsed.params[1], ("dl".to_string(), "a b".to_string()));
/// assert_eq!(parsed.signing.key_id.as_deref(), Some("k1"));
/// # Ok::<(), pixform::url::UrlError>(())
/// ```
pub fn parse_image_url(url: &str) -> Result<ParsedImageUrl, UrlError> {
    let invalid = |reason: &str| UrlError::InvalidUrl {
        url: url.chars().take(200).collect(),
        reason: reason.to_owned(),
    };
    let without_fragment = url.split('#').next().unwrap_or("");
    let (before_query, raw_query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let (scheme, rest) = before_query
        .split_once("://")
        .ok_or_else(|| invalid("expected scheme://host/path"))?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return Err(invalid("bad scheme"));
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(invalid("missing host"));
    }
    let segments: Vec<&str> = path.split('/').collect();
    let not_image = || UrlError::NotAnImagePath {
        path: format!("/{path}"),
    };
    let (start, resource, file_at) = find_image_path(&segments).ok_or_else(not_image)?;
    let file = segments.get(file_at).copied().ok_or_else(not_image)?;
    let asset = asset_from_file_name(file)?;
    let vanity = segments.get(file_at + 1..).unwrap_or(&[]).join("/");
    // Empty segments before the image path are kept (`https://h/a//images/…` has the base
    // `https://h/a/`), so that base + image path is the URL again and parses the same way.
    let base_url = match segments.get(..start) {
        Some(prefix) if !prefix.is_empty() => format!("{scheme}://{host}/{}", prefix.join("/")),
        _ => format!("{scheme}://{host}"),
    };

    let mut signing = SigningParams::default();
    let mut kept = Vec::new();
    let mut params = Vec::new();
    for piece in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode_component(k).map_err(UrlError::InvalidQuery)?;
        let value = decode_component(v).map_err(UrlError::InvalidQuery)?;
        let slot = match key.as_str() {
            "keyid" => Some((&mut signing.key_id, "keyid")),
            "expiry" => Some((&mut signing.expiry, "expiry")),
            "signature" => Some((&mut signing.signature, "signature")),
            _ => None,
        };
        match slot {
            Some((slot, name)) => {
                if slot.is_some() {
                    return Err(UrlError::DuplicateSigningParam { name });
                }
                *slot = Some(value);
            }
            None => {
                kept.push(piece);
                params.push((key, value));
            }
        }
    }
    let query = kept.join("&");
    let spec = TransformSpec::from_query(&query).map_err(UrlError::InvalidQuery)?;
    Ok(ParsedImageUrl {
        base_url,
        resource,
        asset,
        vanity_name: (!vanity.is_empty()).then_some(vanity),
        query,
        spec,
        params,
        signing,
    })
}

/// The first place in the path where an image path starts: its index, the resource and the
/// index of the file name.
fn find_image_path(segs: &[&str]) -> Option<(usize, ImageResource, usize)> {
    let at = |i: usize| segs.get(i).copied().filter(|s| !s.is_empty());
    (0..segs.len()).find_map(|i| match (at(i), at(i + 1), at(i + 2), at(i + 3)) {
        (Some("media-libraries"), Some(id), Some("images"), Some(_)) => {
            Some((i, ImageResource::MediaLibrary { id: id.to_owned() }, i + 3))
        }
        (Some("images"), Some("canvases"), Some(id), Some(_)) => {
            Some((i, ImageResource::Canvas { id: id.to_owned() }, i + 3))
        }
        (Some("images"), Some(project), Some(dataset), Some(_)) => Some((
            i,
            ImageResource::Dataset {
                project_id: project.to_owned(),
                dataset: dataset.to_owned(),
            },
            i + 3,
        )),
        _ => None,
    })
}

/// `<name>-<W>x<H>.<ext>` as a strict image [`AssetId`].
fn asset_from_file_name(file: &str) -> Result<AssetId, UrlError> {
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let (name, dims) = stem.rsplit_once('-').unwrap_or((stem, ""));
    Ok(AssetId::parse(&format!("image-{name}-{dims}-{ext}"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "Tb9Ew8CXIwaY6R1kjMvI0uRR-20x30.png";

    #[test]
    fn resources_and_prefixes() {
        let cases: &[(&str, &str, ImageResource)] = &[
            (
                "https://cdn.sanity.io/images/p/d/",
                "https://cdn.sanity.io",
                ImageResource::Dataset {
                    project_id: "p".into(),
                    dataset: "d".into(),
                },
            ),
            (
                "http://localhost:8080/cdn/images/p/d/",
                "http://localhost:8080/cdn",
                ImageResource::Dataset {
                    project_id: "p".into(),
                    dataset: "d".into(),
                },
            ),
            (
                "https://x.test/images/canvases/c1/",
                "https://x.test",
                ImageResource::Canvas { id: "c1".into() },
            ),
            (
                "https://x.test/media-libraries/m1/images/",
                "https://x.test",
                ImageResource::MediaLibrary { id: "m1".into() },
            ),
        ];
        for (prefix, base, resource) in cases {
            let parsed = parse_image_url(&format!("{prefix}{FILE}/v/w?a=1#frag")).expect(prefix);
            assert_eq!(&parsed.base_url, base);
            assert_eq!(&parsed.resource, resource);
            assert_eq!(parsed.asset.file_name(), FILE);
            assert_eq!(parsed.vanity_name.as_deref(), Some("v/w"));
            assert_eq!(parsed.query, "a=1");
        }
    }

    #[test]
    fn empty_segments_before_the_image_path_stay_in_the_base() {
        let cases: &[(&str, &str)] = &[
            ("https://h/a//images/p/d/", "https://h/a/"),
            ("https://h//images/p/d/", "https://h/"),
            ("https://h/images/p/x//images/p/d/", "https://h/images/p/x/"),
            ("https://h/a/images/p/d/", "https://h/a"),
        ];
        for (prefix, base) in cases {
            let parsed = parse_image_url(&format!("{prefix}{FILE}")).expect(prefix);
            assert_eq!(&parsed.base_url, base);
            let again = parse_image_url(&format!("{base}/images/p/d/{FILE}")).expect(base);
            assert_eq!(again.base_url, parsed.base_url);
        }
    }

    #[test]
    fn signing_params_are_set_aside() {
        let p = parse_image_url(&format!(
            "https://cdn.sanity.io/images/p/d/{FILE}?w=1&keyid=k&expiry=2026-12-31T23%3A59%3A59Z&h=2&signature=abc%3D%3D"
        ))
        .expect("parses");
        assert_eq!(p.query, "w=1&h=2");
        assert_eq!(p.signing.key_id.as_deref(), Some("k"));
        assert_eq!(p.signing.expiry.as_deref(), Some("2026-12-31T23:59:59Z"));
        assert_eq!(p.signing.signature.as_deref(), Some("abc=="));
        let dup = parse_image_url(&format!(
            "https://cdn.sanity.io/images/p/d/{FILE}?keyid=a&keyid=b"
        ));
        assert_eq!(
            dup.err(),
            Some(UrlError::DuplicateSigningParam { name: "keyid" })
        );
    }

    #[test]
    fn non_image_urls_are_rejected() {
        use crate::asset::AssetError;
        use crate::params::ParamError;
        let invalid_url = |url: &str, reason: &str| UrlError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let not_image = |path: &str| UrlError::NotAnImagePath {
            path: path.to_owned(),
        };
        const ID: &str = "https://cdn.sanity.io/images/p/d/Tb9Ew8CXIwaY6R1kjMvI0uRR";
        #[rustfmt::skip]
        let cases: &[(&str, UrlError)] = &[
            ("cdn.sanity.io/images/p/d/x-1x1.png", invalid_url("cdn.sanity.io/images/p/d/x-1x1.png", "expected scheme://host/path")),
            ("https:///images/p/d/x", invalid_url("https:///images/p/d/x", "missing host")),
            ("ht tp://h/images/p/d/x", invalid_url("ht tp://h/images/p/d/x", "bad scheme")),
            ("https://cdn.sanity.io/files/p/d/abc.pdf", not_image("/files/p/d/abc.pdf")),
            ("https://cdn.sanity.io/images/p/d", not_image("/images/p/d")),
            ("https://cdn.sanity.io/images/p//d/x-1x1.png", not_image("/images/p//d/x-1x1.png")),
            ("https://cdn.sanity.io/images/p/d/abc-1x1.png", UrlError::InvalidAsset(AssetError::InvalidName { name: "abc".into() })),
            (&format!("{ID}-0x1.png"), UrlError::InvalidAsset(AssetError::InvalidDimension { side: "width", value: "0".into() })),
            (&format!("{ID}-20x030.png"), UrlError::InvalidAsset(AssetError::InvalidDimension { side: "height", value: "030".into() })),
            (&format!("{ID}-20x30.PNG"), UrlError::InvalidAsset(AssetError::InvalidExtension { extension: "PNG".into() })),
            (&format!("{ID}-20x30.png?w=0"), UrlError::InvalidQuery(ParamError::InvalidValue { key: "w", value: "0".into(), expected: "an integer 1–8192".into() })),
            (&format!("{ID}-20x30.png?sharp=1&sharpen=2"), UrlError::InvalidQuery(ParamError::Duplicate { key: "sharp" })),
            (&format!("{ID}-20x30.png?expiry=1&expiry=2"), UrlError::DuplicateSigningParam { name: "expiry" }),
        ];
        for (url, want) in cases {
            assert_eq!(parse_image_url(url).err().as_ref(), Some(want), "{url}");
        }
        let bad_utf8 = parse_image_url(&format!("{ID}-20x30.png?w=%FF"));
        assert!(
            matches!(&bad_utf8, Err(UrlError::InvalidQuery(ParamError::Encoding { raw, .. })) if raw == "%FF"),
            "{bad_utf8:?}"
        );
    }

    #[test]
    fn to_url_gives_the_url_back() {
        let cases = [
            format!("https://cdn.sanity.io/images/p/d/{FILE}"),
            format!("https://h.test/a//images/canvases/c1/{FILE}/x/y.png?w=1&cb=%20"),
            format!(
                "http://h/media-libraries/m1/images/{FILE}?w=1&keyid=k&expiry=e&signature=s%3D%3D"
            ),
            format!("https://h/images/p/d/{FILE}?keyid=k%201"),
        ];
        for url in &cases {
            let parsed = parse_image_url(url).expect("parses");
            assert_eq!(&parsed.to_url(), url);
        }
        // Signing parameters move after the query, in a fixed order.
        let moved = parse_image_url(&format!(
            "https://h/images/p/d/{FILE}?signature=s&w=1&keyid=k"
        ))
        .expect("parses");
        assert_eq!(
            moved.to_url(),
            format!("https://h/images/p/d/{FILE}?w=1&keyid=k&signature=s")
        );
    }
}
