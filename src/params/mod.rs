//! Parsing: query strings into a validated [`TransformSpec`].

mod error;

pub use error::ParamError;
