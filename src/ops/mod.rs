//! Pure pixel operations on [`crate::pixels::Image`] (Rgb8 or Rgba8, straight alpha).
//!
//! Each operation is a free function that takes the image and concrete numbers (sizes,
//! windows, sigmas) and returns a new image or edits one in place; none knows about query
//! parameters, plans or codecs. All run single-threaded: throughput comes from running
//! several images at once, and the hot loops use SIMD libraries (`fast_image_resize`,
//! `libblur`) or iterate whole rows without per-pixel bounds checks.

mod alpha;
mod blur;
mod buffer;
mod canvas;
mod color;
mod crop;
mod entropy;
mod error;
mod orient;
mod resize;
mod sharpen;

pub use blur::blur;
pub use canvas::{flatten, is_opaque, place, to_rgb, to_rgba, Rgba};
pub use color::{greyscale, invert, luma, saturate};
pub use crop::{crop, crop_owned};
pub use entropy::{entropy_offset, entropy_window, window_size};
pub use error::{OpKind, OpsError};
pub use orient::Orientation;
pub use resize::{resize, Filter, Resizer, SourceWindow};
pub use sharpen::sharpen;
