//! pixform: an image-URL transform engine.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod format;
pub mod limits;
pub mod params;
pub mod pipeline;
pub mod pixels;
pub mod plan;

pub use error::Error;
pub use format::ImageFormat;
pub use limits::Limits;
