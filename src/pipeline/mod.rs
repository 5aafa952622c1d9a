//! Execution pipeline: the stages that turn decoded pixels into the planned output.
//!
//! [`ops`] holds the pure pixel operations (resize, crop, orientation, canvas, effects,
//! colour, entropy crop); they know nothing about parameters, plans or codecs.

pub mod execute;
pub mod ops;
mod workspace;

pub use execute::{render, render_with, Rendered};
pub use workspace::Workspace;

/// The planning facts of a probed source: the execute layer knows both sides.
impl From<&crate::codec::SourceInfo> for crate::plan::SourceFacts {
    fn from(info: &crate::codec::SourceInfo) -> Self {
        crate::plan::SourceFacts {
            width: info.width,
            height: info.height,
            has_alpha: info.has_alpha,
            frames: info.frames,
            format: info.format,
        }
    }
}
