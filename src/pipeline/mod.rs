//! Execution pipeline: the stages that turn decoded pixels into the planned output.
//!
//! [`ops`] holds the pure pixel operations (resize, crop, orientation, canvas, effects,
//! colour, entropy crop); they know nothing about parameters, plans or codecs.

pub mod execute;
pub mod ops;

pub use execute::{render, Rendered};
