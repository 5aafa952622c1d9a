//! pixform: an image-URL transform engine.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analyze;
pub mod asset;
pub mod codec;
pub mod error;
pub mod format;
pub mod limits;
pub mod params;
pub mod pipeline;
pub mod pixels;
pub mod plan;
pub mod transform;
pub mod url;

pub use analyze::{analyze, AnalyzeOptions, AssetDocument};
pub use asset::AssetId;
pub use error::Error;
pub use format::ImageFormat;
pub use limits::Limits;
pub use params::TransformSpec;
pub use transform::{transform, Output, TransformOptions, Transformer};
