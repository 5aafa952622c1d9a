//! Planning: every concrete number of a transform, from the source header facts alone.

mod error;

pub use error::PlanError;
