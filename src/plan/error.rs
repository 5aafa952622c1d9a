//! Errors of the planning layer.

use std::fmt;

use crate::limits::LimitKind;

/// A transform that cannot be planned for a given source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// The source has a zero side.
    EmptySource {
        /// Oriented source width.
        width: u32,
        /// Oriented source height.
        height: u32,
    },
    /// The source is larger than the limits allow.
    SourceTooLarge {
        /// Oriented source width.
        width: u32,
        /// Oriented source height.
        height: u32,
        /// Which limit was exceeded.
        limit: LimitKind,
        /// The value the source has for that limit (a side, an area or a frame count).
        value: u64,
        /// The limit's maximum.
        max: u64,
    },
    /// `rect` does not overlap the image.
    RectOutside {
        /// The rect as given: left, top, width, height.
        rect: [u32; 4],
        /// The width of the image it applies to.
        width: u32,
        /// The height of the image it applies to.
        height: u32,
    },
    /// The output would exceed the output limits.
    OutputTooLarge {
        /// Output width.
        width: u64,
        /// Output height.
        height: u64,
        /// Which limit was exceeded.
        limit: LimitKind,
        /// Its value.
        max: u64,
    },
    /// An animated output would exceed [`crate::Limits::max_animation_pixels`]: every frame
    /// is resized, filtered and encoded at the output size (`frame=1`, a smaller size or a
    /// still format avoids it).
    AnimationTooLarge {
        /// Frames in the output.
        frames: u32,
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// frames × width × height.
        value: u64,
        /// The limit.
        max: u64,
    },
}

impl PlanError {
    /// The HTTP status for this error: 413 for an over-large source, 422 for an output
    /// (a still or an animation) beyond the limits, 400 for a rect that misses the image.
    pub fn http_status(&self) -> u16 {
        match self {
            PlanError::SourceTooLarge { .. } => 413,
            PlanError::OutputTooLarge { .. } | PlanError::AnimationTooLarge { .. } => 422,
            PlanError::EmptySource { .. } => 422,
            PlanError::RectOutside { .. } => 400,
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::EmptySource { width, height } => {
                write!(f, "source: {width}x{height} has no pixels")
            }
            PlanError::SourceTooLarge {
                width,
                height,
                limit,
                value,
                max,
            } => write!(
                f,
                "source: {width}x{height} exceeds {limit} ({value} > {max})"
            ),
            PlanError::RectOutside {
                rect: [l, t, w, h],
                width,
                height,
            } => write!(
                f,
                "rect: expected a rectangle overlapping the {width}x{height} image, got \"{l},{t},{w},{h}\""
            ),
            PlanError::OutputTooLarge {
                width,
                height,
                limit,
                max,
            } => write!(f, "output: {width}x{height} exceeds {limit} ({max})"),
            PlanError::AnimationTooLarge {
                frames,
                width,
                height,
                value,
                max,
            } => write!(
                f,
                "output: {frames} frames of {width}x{height} exceed max_animation_pixels ({value} > {max}); frame=1 gives a still"
            ),
        }
    }
}

impl std::error::Error for PlanError {}
