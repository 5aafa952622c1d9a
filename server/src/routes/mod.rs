//! HTTP handlers, one file per API.

pub mod assets;
pub mod cdn;
pub mod data;
pub mod ops;
pub mod prismic;
pub mod projects;
