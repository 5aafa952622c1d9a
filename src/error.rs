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
}

impl Error {
    /// The HTTP status an image server should answer with: 400 for a bad parameter,
    /// 413/422 for exceeded limits, 415 for an unsupported format, 500 for internal faults.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Param(e) => e.http_status(),
            Error::Plan(e) => e.http_status(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Param(e) => e.fmt(f),
            Error::Plan(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Param(e) => Some(e),
            Error::Plan(e) => Some(e),
        }
    }
}

impl From<crate::params::ParamError> for Error {
    fn from(e: crate::params::ParamError) -> Self {
        Error::Param(e)
    }
}

impl From<crate::plan::PlanError> for Error {
    fn from(e: crate::plan::PlanError) -> Self {
        Error::Plan(e)
    }
}
