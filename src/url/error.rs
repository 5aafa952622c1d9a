//! Errors of the image-URL layer: building, parsing, signing and verifying URLs.

use std::fmt;

use crate::asset::AssetError;

/// Why an image URL could not be built, parsed, signed or verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The source is not one of the forms the client understands (the client throws
    /// "Unable to resolve image URL from source").
    UnresolvableSource {
        /// The source as JSON.
        source: String,
    },
    /// The asset reference is not `<kind>-<name>-<W>x<H>-<format>` (the client throws
    /// "Malformed asset _ref").
    MalformedAssetRef {
        /// The reference as found.
        reference: String,
        /// A well-formed example.
        example: &'static str,
    },
    /// A value of the source or options has a type the client cannot use (it throws a
    /// `TypeError`), e.g. a null `asset` or a numeric `_ref`.
    InvalidSourceValue {
        /// Which field.
        field: &'static str,
        /// The value as JSON.
        found: String,
    },
    /// A builder option outside what the client accepts (the client throws, e.g.
    /// `Invalid fit mode`).
    InvalidOption {
        /// The option name.
        option: &'static str,
        /// The value given.
        value: String,
        /// What the option accepts.
        expected: &'static str,
    },
    /// The text is not an absolute URL.
    InvalidUrl {
        /// The URL, shortened to 200 bytes.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL's path is not a Sanity image path (`/images/<project>/<dataset>/<file>`,
    /// `/images/canvases/<id>/<file>` or `/media-libraries/<id>/images/<file>`).
    NotAnImagePath {
        /// The path.
        path: String,
    },
    /// The file name in the path does not form a valid asset ID.
    InvalidAsset(AssetError),
    /// The query of the URL is not a valid transform.
    InvalidQuery(crate::params::ParamError),
    /// `keyid`, `expiry` or `signature` appears more than once.
    DuplicateSigningParam {
        /// The parameter name.
        name: &'static str,
    },
    /// `keyid`, `expiry` or `signature` is missing from a URL to verify.
    MissingSigningParam {
        /// The parameter name.
        name: &'static str,
    },
    /// The key ID is empty or blank.
    EmptyKeyId,
    /// A key is not hex of the right length, or not a valid Ed25519 key.
    InvalidKey {
        /// `"private"` or `"public"`.
        which: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The expiry cannot be written as `YYYY-MM-DDTHH:MM:SSZ`, or the `expiry` parameter of a
    /// URL is not such a timestamp.
    InvalidExpiry {
        /// The value.
        value: String,
    },
    /// The `signature` parameter is not padded base64url of 64 bytes.
    MalformedSignature {
        /// The value.
        value: String,
    },
    /// The signature does not match the URL and the public key: the URL was changed or signed
    /// with another key.
    SignatureMismatch,
    /// The URL's expiry has passed.
    Expired {
        /// The `expiry` parameter.
        expiry: String,
        /// The time it was checked against, in Unix seconds.
        now_unix_seconds: i64,
    },
}

impl UrlError {
    /// The HTTP status an image server should answer with: 403 for signature failures and
    /// expired URLs, 404 for a path that names no image, otherwise 400.
    pub fn http_status(&self) -> u16 {
        match self {
            UrlError::SignatureMismatch
            | UrlError::Expired { .. }
            | UrlError::MissingSigningParam { .. }
            | UrlError::DuplicateSigningParam { .. }
            | UrlError::MalformedSignature { .. } => 403,
            UrlError::NotAnImagePath { .. } => 404,
            UrlError::InvalidAsset(e) => e.http_status(),
            UrlError::InvalidQuery(e) => e.http_status(),
            UrlError::UnresolvableSource { .. }
            | UrlError::MalformedAssetRef { .. }
            | UrlError::InvalidSourceValue { .. }
            | UrlError::InvalidOption { .. }
            | UrlError::InvalidUrl { .. }
            | UrlError::EmptyKeyId
            | UrlError::InvalidKey { .. }
            | UrlError::InvalidExpiry { .. } => 400,
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::UnresolvableSource { source } => {
                write!(f, "unable to resolve image URL from source ({source})")
            }
            UrlError::MalformedAssetRef { reference, example } => {
                write!(f, "malformed asset _ref '{reference}': expected an id like \"{example}\"")
            }
            UrlError::InvalidSourceValue { field, found } => {
                write!(f, "source field {field}: unusable value {found}")
            }
            UrlError::InvalidOption { option, value, expected } => {
                write!(f, "{option}: expected {expected}, got \"{value}\"")
            }
            UrlError::InvalidUrl { url, reason } => write!(f, "invalid URL \"{url}\": {reason}"),
            UrlError::NotAnImagePath { path } => write!(
                f,
                "path \"{path}\" is not an image path (/images/<project>/<dataset>/<name>-<W>x<H>.<ext>)"
            ),
            UrlError::InvalidAsset(e) => write!(f, "image file name: {e}"),
            UrlError::InvalidQuery(e) => write!(f, "image query: {e}"),
            UrlError::DuplicateSigningParam { name } => {
                write!(f, "signing parameter {name} appears more than once")
            }
            UrlError::MissingSigningParam { name } => {
                write!(f, "signing parameter {name} is missing")
            }
            UrlError::EmptyKeyId => f.write_str("key id must not be empty"),
            UrlError::InvalidKey { which, reason } => write!(f, "invalid {which} key: {reason}"),
            UrlError::InvalidExpiry { value } => write!(
                f,
                "expiry: expected a UTC timestamp YYYY-MM-DDTHH:MM:SSZ between years 0 and 9999, got \"{value}\""
            ),
            UrlError::MalformedSignature { value } => {
                write!(f, "signature: expected padded base64url of 64 bytes, got \"{value}\"")
            }
            UrlError::SignatureMismatch => {
                f.write_str("signature does not match the URL and public key")
            }
            UrlError::Expired { expiry, now_unix_seconds } => write!(
                f,
                "URL expired at {expiry} (checked at Unix time {now_unix_seconds})"
            ),
        }
    }
}

impl std::error::Error for UrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UrlError::InvalidAsset(e) => Some(e),
            UrlError::InvalidQuery(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AssetError> for UrlError {
    fn from(e: AssetError) -> Self {
        UrlError::InvalidAsset(e)
    }
}
