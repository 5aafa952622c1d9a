//! Execution pipeline: the stages that turn decoded pixels into the planned output.
//!
//! The pure pixel operations it runs (resize, crop, orientation, canvas, effects, colour,
//! entropy crop) live in [`crate::ops`], which knows nothing about parameters, plans or codecs.

mod animate;
mod execute;
mod workspace;

pub(crate) use animate::render_animation;
pub(crate) use execute::render_with;
pub use execute::{render, render_decoded, Rendered};
pub(crate) use workspace::Workspace;

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
