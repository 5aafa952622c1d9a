//! State one thread keeps between renders: large buffers and the resampler's scratch.

use crate::ops::Resizer;
use crate::pixels::{buffer_len, BufferPool, PixelLayout};

/// Buffers and resampler scratch reused from one render to the next.
///
/// Rendering with a fresh workspace allocates everything anew, which for full-size images
/// means fresh pages and a page fault for every 4 KiB touched; a batch run or a server worker
/// keeps one workspace per thread (see [`crate::transform::Transformer`]). Default: empty.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    /// Decoder outputs, rotated copies, resize outputs and encoder scratch.
    pub pool: BufferPool,
    /// The resampler, which keeps its intermediate (window width × output height) buffers.
    pub resizer: Resizer,
}

impl Workspace {
    /// An empty workspace.
    pub(crate) fn new() -> Self {
        Workspace::default()
    }

    /// A buffer for a `width`×`height` image from the pool (contents unspecified), or an
    /// empty one when the size is impossible: the operation it is given to sizes it and
    /// reports the error.
    pub(crate) fn image_buffer(&mut self, width: u32, height: u32, layout: PixelLayout) -> Vec<u8> {
        buffer_len(width, height, layout)
            .and_then(|len| self.pool.take(len))
            .unwrap_or_default()
    }
}
