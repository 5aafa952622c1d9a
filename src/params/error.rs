//! Errors of the query-string layer.

use std::fmt;

/// A query string that cannot be turned into a [`TransformSpec`](super::TransformSpec).
///
/// Every variant names what was wrong; the `Display` form reads like
/// `q: expected an integer 0–100, got "101"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamError {
    /// The query string is longer than [`Limits::max_query_bytes`](crate::Limits::max_query_bytes).
    QueryTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The query string has more pairs than [`Limits::max_params`](crate::Limits::max_params).
    TooManyParams {
        /// The limit that was exceeded.
        max: usize,
    },
    /// A key or value is not valid percent-encoded UTF-8.
    Encoding {
        /// The raw (still encoded) text, shortened to 64 bytes.
        raw: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key appears twice (aliases count as the same key).
    Duplicate {
        /// The canonical key.
        key: &'static str,
    },
    /// A value that is malformed or out of range.
    InvalidValue {
        /// The canonical key.
        key: &'static str,
        /// The decoded value as given, shortened to 64 bytes.
        value: String,
        /// What the key accepts, e.g. `an integer 0–100`.
        expected: String,
    },
}

impl ParamError {
    /// The HTTP status for this error: 414 for an over-long query, otherwise 400.
    pub fn http_status(&self) -> u16 {
        match self {
            ParamError::QueryTooLong { .. } => 414,
            _ => 400,
        }
    }

    /// The canonical key the error is about, if it is about one.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            ParamError::Duplicate { key } | ParamError::InvalidValue { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::QueryTooLong { len, max } => {
                write!(f, "query: {len} bytes, expected at most {max}")
            }
            ParamError::TooManyParams { max } => {
                write!(f, "query: more than {max} parameters")
            }
            ParamError::Encoding { raw, reason } => write!(f, "query: {reason} in {raw:?}"),
            ParamError::Duplicate { key } => write!(f, "{key}: given more than once"),
            ParamError::InvalidValue {
                key,
                value,
                expected,
            } => write!(f, "{key}: expected {expected}, got {value:?}"),
        }
    }
}

impl std::error::Error for ParamError {}

/// Shortens `s` to at most 64 bytes on a character boundary, for error messages.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
