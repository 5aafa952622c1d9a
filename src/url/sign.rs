//! Ed25519-signed URLs, byte-compatible with `@sanity/signed-urls` 2.0.6.
//!
//! The signed message is the URL in canonical form: origin and path (as the WHATWG URL parser
//! normalises them), `?`, the parameters other than `keyid`/`expiry`/`signature` — each key and
//! value RFC 3986-encoded, sorted by key then value — then `keyid=…&expiry=…`. The signature
//! (padded base64url, RFC 3986-encoded) is appended as `&signature=…`.

use base64::engine::general_purpose::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::error::UrlError;
use super::parse::SIGNING_KEYS;
// `encodeURIComponent` with `!'()*` also escaped, as `@sanity/signed-urls` does: RFC 3986's
// unreserved set, the one the canonical query uses.
use crate::params::encode_component as encode_rfc3986;

/// base64url that accepts the signature with or without padding.
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a successful [`verify_url`] learned from the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUrl {
    /// The `keyid` parameter.
    pub key_id: String,
    /// The `expiry` parameter as written (`YYYY-MM-DDTHH:MM:SSZ`).
    pub expiry: String,
    /// The expiry in Unix seconds.
    pub expires_at_unix_seconds: i64,
}

/// Signs `url` as `@sanity/signed-urls` does: existing `keyid`/`expiry`/`signature` are
/// dropped, the other parameters canonicalised, `keyid` and `expiry` appended, and the Ed25519
/// signature of the whole string appended as `signature`.
///
/// `private_key_hex` is the 32-byte Ed25519 seed in hex. The expiry is written in UTC without
/// fractional seconds. Unlike the client, the clock is not read: an expiry in the past is
/// signed as given.
///
/// ```
/// use pixform::url::{sign_url, verify_url};
/// use time::macros::datetime;
///
/// let signed = sign_url(
///     "https://cdn.sanity.io/images/project/dataset/image-id-100x100.jpg",
///     "test-key-id",
///     "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
///     datetime!(2026-12-31 23:59:59 UTC),
/// )?;
/// assert_eq!(
///     signed,
///     "https://cdn.sanity.io/images/project/dataset/image-id-100x100.jpg\
///      ?keyid=test-key-id&expiry=2026-12-31T23%3A59%3A59Z&signature=Qi5hnuIshdcVg6pFUgTCLMl4zO3u0lA2\
///      gC9rNbOPgcYfkiJov0LtPr2gqSpuTmmRSAd5-oUi5z8nebyYrjQmDA%3D%3D"
/// );
/// let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
/// assert_eq!(verify_url(&signed, public, 1_700_000_000)?.key_id, "test-key-id");
/// # Ok::<(), pixform::url::UrlError>(())
/// ```
pub fn sign_url(
    url: &str,
    key_id: &str,
    private_key_hex: &str,
    expiry: OffsetDateTime,
) -> Result<String, UrlError> {
    if key_id.trim().is_empty() {
        return Err(UrlError::EmptyKeyId);
    }
    let seed = decode_key_hex("private", private_key_hex)?;
    let parsed = parse_url(url)?;
    let user_params: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !SIGNING_KEYS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expiry = format_expiry(expiry)?;
    let to_sign = string_to_sign(&parsed, &user_params, key_id, &expiry);
    let signature = SigningKey::from_bytes(&seed).sign(to_sign.as_bytes());
    let encoded = encode_rfc3986(&URL_SAFE.encode(signature.to_bytes()));
    Ok(format!("{to_sign}&signature={encoded}"))
}

/// Verifies a signed URL against a public key (32 bytes in hex) at the time
/// `now_unix_seconds`: exactly one `keyid`, `expiry` and `signature` each, a signature that
/// matches the canonical form under the key, and `now < expiry`.
pub fn verify_url(
    url: &str,
    public_key_hex: &str,
    now_unix_seconds: i64,
) -> Result<VerifiedUrl, UrlError> {
    let parsed = parse_url(url)?;
    let mut user_params = Vec::new();
    let mut found: [Vec<String>; 3] = Default::default();
    for (k, v) in parsed.query_pairs() {
        match SIGNING_KEYS.iter().position(|name| *name == k) {
            Some(i) => {
                if let Some(values) = found.get_mut(i) {
                    values.push(v.into_owned());
                }
            }
            None => user_params.push((k.into_owned(), v.into_owned())),
        }
    }
    let mut single = |i: usize, name: &'static str| -> Result<String, UrlError> {
        let values = found.get_mut(i).map(std::mem::take).unwrap_or_default();
        match <[String; 1]>::try_from(values) {
            Ok([v]) => Ok(v),
            Err(v) if v.is_empty() => Err(UrlError::MissingSigningParam { name }),
            Err(_) => Err(UrlError::DuplicateSigningParam { name }),
        }
    };
    let key_id = single(0, "keyid")?;
    let expiry = single(1, "expiry")?;
    let signature_text = single(2, "signature")?;

    let key_bytes = decode_key_hex("public", public_key_hex)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|e| UrlError::InvalidKey {
        which: "public",
        reason: e.to_string(),
    })?;
    let malformed = || UrlError::MalformedSignature {
        value: signature_text.chars().take(200).collect(),
    };
    let signature_bytes: [u8; 64] = URL_SAFE_ANY_PADDING
        .decode(&signature_text)
        .map_err(|_| malformed())?
        .try_into()
        .map_err(|_| malformed())?;
    let signature = Signature::from_bytes(&signature_bytes);
    let to_sign = string_to_sign(&parsed, &user_params, &key_id, &expiry);
    key.verify_strict(to_sign.as_bytes(), &signature)
        .map_err(|_| UrlError::SignatureMismatch)?;

    let expires_at = OffsetDateTime::parse(&expiry, &Rfc3339)
        .map_err(|_| UrlError::InvalidExpiry {
            value: expiry.clone(),
        })?
        .unix_timestamp();
    if now_unix_seconds >= expires_at {
        return Err(UrlError::Expired {
            expiry,
            now_unix_seconds,
        });
    }
    Ok(VerifiedUrl {
        key_id,
        expiry,
        expires_at_unix_seconds: expires_at,
    })
}

fn parse_url(url: &str) -> Result<url::Url, UrlError> {
    url::Url::parse(url).map_err(|e| UrlError::InvalidUrl {
        url: url.chars().take(200).collect(),
        reason: e.to_string(),
    })
}

/// The canonical form that is signed: origin, path, sorted encoded parameters, key and expiry.
fn string_to_sign(
    url: &url::Url,
    user_params: &[(String, String)],
    key_id: &str,
    expiry: &str,
) -> String {
    let mut encoded: Vec<(String, String)> = user_params
        .iter()
        .map(|(k, v)| (encode_rfc3986(k), encode_rfc3986(v)))
        .collect();
    // Encoded text is ASCII, so byte order equals the client's UTF-16 code-unit order.
    encoded.sort();
    let mut out = format!("{}{}?", url.origin().ascii_serialization(), url.path());
    for (k, v) in &encoded {
        out.push_str(k);
        out.push('=');
        out.push_str(v);
        out.push('&');
    }
    out.push_str("keyid=");
    out.push_str(&encode_rfc3986(key_id));
    out.push_str("&expiry=");
    out.push_str(&encode_rfc3986(expiry));
    out
}

/// `Date.prototype.toISOString()` without milliseconds; only four-digit years, which is all
/// the client's format reads back as the same instant.
fn format_expiry(expiry: OffsetDateTime) -> Result<String, UrlError> {
    let utc = expiry.to_offset(UtcOffset::UTC);
    if !(0..=9999).contains(&utc.year()) {
        return Err(UrlError::InvalidExpiry {
            value: utc.to_string(),
        });
    }
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// A 32-byte key from 64 hex digits (either case).
fn decode_key_hex(which: &'static str, hex: &str) -> Result<[u8; 32], UrlError> {
    let bad = |reason: &str| UrlError::InvalidKey {
        which,
        reason: reason.to_owned(),
    };
    if hex.len() != 64 {
        return Err(bad("expected 64 hex digits (32 bytes)"));
    }
    let mut out = [0_u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let digit = |b: u8| char::from(b).to_digit(16);
        match pair {
            [hi, lo] => match (digit(*hi), digit(*lo)) {
                (Some(h), Some(l)) => {
                    *byte = u8::try_from(h * 16 + l).map_err(|_| bad("not hex"))?
                }
                _ => return Err(bad("not hex")),
            },
            _ => return Err(bad("not hex")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn escapes_what_encode_uri_component_leaves() {
        assert_eq!(
            encode_rfc3986("my image!*'()~"),
            "my%20image%21%2A%27%28%29~"
        );
    }

    #[test]
    fn canonicalises_and_replaces_signing_params() {
        let signed = sign_url(
            "https://CDN.sanity.io:443/images/p/d/a-1x1.png?w=1&b=x+y&a=2&a=10&keyid=old&signature=zz#f",
            "k!",
            SEED,
            datetime!(2030-01-02 03:04:05.678 +01:00),
        )
        .expect("signs");
        let (unsigned, _) = signed.split_once("&signature=").expect("has signature");
        assert_eq!(
            unsigned,
            "https://cdn.sanity.io/images/p/d/a-1x1.png?a=10&a=2&b=x%20y&w=1&keyid=k%21&expiry=2030-01-02T02%3A04%3A05Z"
        );
        assert!(verify_url(&signed, PUBLIC, 0).is_ok());
    }

    #[test]
    fn rejects_bad_inputs() {
        let when = datetime!(2030-01-01 0:00 UTC);
        let url = "https://cdn.sanity.io/images/p/d/a-1x1.png";
        assert_eq!(sign_url(url, " ", SEED, when), Err(UrlError::EmptyKeyId));
        assert!(matches!(
            sign_url(url, "k", "abc", when),
            Err(UrlError::InvalidKey { .. })
        ));
        assert!(matches!(
            sign_url(url, "k", &"zz".repeat(32), when),
            Err(UrlError::InvalidKey { .. })
        ));
        assert!(matches!(
            sign_url("not a url", "k", SEED, when),
            Err(UrlError::InvalidUrl { .. })
        ));
        assert!(matches!(
            sign_url(url, "k", SEED, datetime!(-0001-12-31 0:00 UTC)),
            Err(UrlError::InvalidExpiry { .. })
        ));
    }
}
