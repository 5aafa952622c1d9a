//! Splitting a query string into decoded `key=value` pairs, exactly as browsers encode them.

use super::error::{shorten, ParamError};
use crate::Limits;

/// Splits `query` (with or without a leading `?`) on `&`, and percent-decodes keys and values
/// (`+` is a space). Empty segments (`a=1&&b=2`, a trailing `&`) are skipped; a segment without
/// `=` has an empty value. Invalid escapes and invalid UTF-8 are errors, never U+FFFD.
pub(super) fn split_query(
    query: &str,
    limits: &Limits,
) -> Result<Vec<(String, String)>, ParamError> {
    if query.len() > limits.max_query_bytes {
        return Err(ParamError::QueryTooLong {
            len: query.len(),
            max: limits.max_query_bytes,
        });
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs = Vec::new();
    for segment in query.split('&').filter(|s| !s.is_empty()) {
        if pairs.len() >= limits.max_params {
            return Err(ParamError::TooManyParams {
                max: limits.max_params,
            });
        }
        let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
        pairs.push((decode_component(key)?, decode_component(value)?));
    }
    Ok(pairs)
}

/// Percent-decodes one key or value of a query (`application/x-www-form-urlencoded`: `+` is a
/// space). `%` must be followed by two hex digits, and the result must be UTF-8.
pub(crate) fn decode_component(raw: &str) -> Result<String, ParamError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                    _ => {
                        return Err(ParamError::Encoding {
                            raw: shorten(raw),
                            reason: "'%' not followed by two hex digits",
                        })
                    }
                }
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ParamError::Encoding {
        raw: shorten(raw),
        reason: "percent-decoded bytes are not UTF-8",
    })
}

/// Everything but RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes text with everything but RFC 3986's unreserved characters escaped, so the
/// result is the same whichever way the input was encoded.
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// Percent-encodes a key or value of the canonical query: as [`encode_component`], but commas
/// stay literal (`rect=0,0,10,10`, `crop=top,left`), as image URLs write them.
pub(super) fn encode_query_component(s: &str) -> String {
    const QUERY: &percent_encoding::AsciiSet = &NOT_UNRESERVED.remove(b',');
    percent_encoding::utf8_percent_encode(s, QUERY).to_string()
}
