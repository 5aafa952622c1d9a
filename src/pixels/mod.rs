//! The in-memory pixel buffer every execution stage passes along.

use std::fmt;

mod pool;

pub use pool::BufferPool;

/// How the bytes of an [`Image`] are laid out: interleaved 8-bit sRGB channels, straight
/// (not premultiplied) alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelLayout {
    /// Red, green, blue.
    Rgb8,
    /// Red, green, blue, alpha (straight alpha).
    Rgba8,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            PixelLayout::Rgb8 => 3,
            PixelLayout::Rgba8 => 4,
        }
    }

    /// Whether the layout has an alpha channel.
    pub fn has_alpha(self) -> bool {
        matches!(self, PixelLayout::Rgba8)
    }
}

/// A buffer whose length does not match its declared size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferSizeError {
    /// Width × height × channels, or `None` when that product overflows.
    pub expected: Option<usize>,
    /// The length that was given.
    pub actual: usize,
}

impl fmt::Display for BufferSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(e) => write!(f, "pixel buffer holds {} bytes, expected {e}", self.actual),
            None => write!(f, "pixel buffer size overflows"),
        }
    }
}

impl std::error::Error for BufferSizeError {}

/// An 8-bit interleaved image. The invariant `data.len() == width * height * channels` holds
/// for every value (it is checked at construction).
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: Vec<u8>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

/// `width * height * channels` with overflow checked.
pub(crate) fn buffer_len(width: u32, height: u32, layout: PixelLayout) -> Option<usize> {
    usize::try_from(width)
        .ok()?
        .checked_mul(usize::try_from(height).ok()?)?
        .checked_mul(layout.channels())
}

impl Image {
    /// Wraps an existing buffer, checking its length.
    pub fn from_vec(
        width: u32,
        height: u32,
        layout: PixelLayout,
        data: Vec<u8>,
    ) -> Result<Self, BufferSizeError> {
        let expected = buffer_len(width, height, layout);
        if expected != Some(data.len()) {
            return Err(BufferSizeError {
                expected,
                actual: data.len(),
            });
        }
        Ok(Image {
            width,
            height,
            layout,
            data,
        })
    }

    /// A new image filled with one pixel value (`pixel.len()` must equal the layout's channels).
    pub fn filled(
        width: u32,
        height: u32,
        layout: PixelLayout,
        pixel: &[u8],
    ) -> Result<Self, BufferSizeError> {
        let len = buffer_len(width, height, layout).ok_or(BufferSizeError {
            expected: None,
            actual: 0,
        })?;
        if pixel.len() != layout.channels() {
            return Err(BufferSizeError {
                expected: Some(layout.channels()),
                actual: pixel.len(),
            });
        }
        let mut data = Vec::with_capacity(len);
        for _ in 0..(len / layout.channels().max(1)) {
            data.extend_from_slice(pixel);
        }
        Ok(Image {
            width,
            height,
            layout,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Pixel layout.
    pub fn layout(&self) -> PixelLayout {
        self.layout
    }

    /// The interleaved pixel bytes, row by row with no padding.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Mutable access to the pixel bytes (the length cannot change).
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Gives the buffer back.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width as usize * self.layout.channels()
    }
}
