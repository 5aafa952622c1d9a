//! The crate-level error: one variant per layer, each carrying that layer's typed error.

use std::fmt;

/// Any error pixform returns. Each layer has its own `#[non_exhaustive]` error type with the
/// context (parameter, value, expectation, limit); this enum wraps them and maps each to an
/// HTTP status with [`Error::http_status`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The query string is malformed or a value is out of range.
    Param(crate::params::ParamError),
    /// The transform cannot be planned for this source (empty rect, output too large, …).
    Plan(crate::plan::PlanError),
    /// The image cannot be read or written (unknown format, corrupt data, limits).
    Codec(crate::codec::CodecError),
    /// A pixel operation failed.
    Pipeline(crate::ops::OpsError),
    /// An asset ID is malformed.
    Asset(crate::asset::AssetError),
    /// An image URL cannot be built, parsed, signed or verified.
    Url(crate::url::UrlError),
    /// Asset analysis failed.
    Analyze(crate::analyze::AnalyzeError),
}

impl Error {
    /// The HTTP status an image server should answer with: 400 for a bad parameter,
    /// 413/422 for exceeded limits, 415 for an unsupported format, 500 for internal faults.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Param(e) => e.http_status(),
            Error::Plan(e) => e.http_status(),
            Error::Codec(e) => e.http_status(),
            Error::Pipeline(e) => e.http_status(),
            Error::Asset(e) => e.http_status(),
            Error::Url(e) => e.http_status(),
            Error::Analyze(e) => e.http_status(),
        }
    }

    fn inner(&self) -> &(dyn std::error::Error + 'static) {
        match self {
            Error::Param(e) => e,
            Error::Plan(e) => e,
            Error::Codec(e) => e,
            Error::Pipeline(e) => e,
            Error::Asset(e) => e,
            Error::Url(e) => e,
            Error::Analyze(e) => e,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner(), f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.inner())
    }
}

macro_rules! from_layer {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(e)
            }
        })*
    };
}

from_layer!(
    Param(crate::params::ParamError),
    Plan(crate::plan::PlanError),
    Codec(crate::codec::CodecError),
    Pipeline(crate::ops::OpsError),
    Asset(crate::asset::AssetError),
    Url(crate::url::UrlError),
    Analyze(crate::analyze::AnalyzeError),
);
