//! Parsing: a query string into a validated [`TransformSpec`].
//!
//! One registry ([`registry::PARAMS`]) lists every key with its aliases, value type, strict
//! range, default and documentation; the parser, the canonical serializer (`Display`), the
//! README table and the fuzz dictionary all read it.
//!
//! Decisions where the dialect is silent:
//! * keys are case-sensitive; unknown keys are kept in [`TransformSpec::unknown`], not errors;
//! * a key given twice (or a key and its alias) is an error, even with equal values;
//! * integers are ASCII decimal (leading zeros allowed, `-` only for `sat`); decimals are plain
//!   ASCII (`0.5`, `.5`, `1`), never exponents, signs, `inf` or `NaN`;
//! * `crop` takes at most one anchor per axis (`top,bottom` is an error), and `focalpoint` or
//!   `entropy` alone; `center` may accompany an anchor;
//! * `bg` is hex without `#`;
//! * an empty segment (`a=1&&b=2`) is skipped; a key without `=` has the empty value.

mod error;
mod parse_value;
mod query;
pub mod registry;
pub(crate) mod spec;
mod types;

pub use error::ParamError;
pub(crate) use query::decode_component;
pub use query::encode_component;
// The public path is `pixform::TransformSpec`; inside the crate it sits with its parameters.
pub(crate) use spec::TransformSpec;
pub use types::*;
