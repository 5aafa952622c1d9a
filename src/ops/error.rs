//! Errors of the pixel operations.

use std::fmt;

use crate::pixels::PixelLayout;

/// The pixel operation an [`OpsError`] comes from. Displays as its lowercase name (`resize`,
/// `crop`, …), which error messages start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpKind {
    /// [`blur`](super::blur()).
    Blur,
    /// [`place`](super::place), [`flatten`](super::flatten), [`to_rgb`](super::to_rgb),
    /// [`to_rgba`](super::to_rgba).
    Canvas,
    /// [`crop`](super::crop()), [`crop_owned`](super::crop_owned).
    Crop,
    /// [`entropy_window`](super::entropy_window), [`entropy_offset`](super::entropy_offset).
    Entropy,
    /// [`Orientation::apply`](super::Orientation::apply) and its variants.
    Orient,
    /// [`resize`](super::resize()), [`Resizer`](super::Resizer).
    Resize,
    /// [`sharpen`](super::sharpen()).
    Sharpen,
}

impl OpKind {
    /// The operation's name.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Blur => "blur",
            OpKind::Canvas => "canvas",
            OpKind::Crop => "crop",
            OpKind::Entropy => "entropy",
            OpKind::Orient => "orient",
            OpKind::Resize => "resize",
            OpKind::Sharpen => "sharpen",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A pixel operation that cannot run on the arguments it was given.
///
/// The planner validates every request before pixels are touched, so apart from
/// [`OpsError::TooLarge`] these are internal faults (HTTP 500): a plan that does not fit
/// its image, or a failure inside a pixel library.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OpsError {
    /// A fractional source window is not finite, empty, or not inside the image.
    WindowOutside {
        /// The operation that rejected it.
        op: OpKind,
        /// The window as given: left, top, width, height.
        window: [f64; 4],
        /// Width of the image it applies to.
        width: u32,
        /// Height of the image it applies to.
        height: u32,
    },
    /// An integer rectangle is empty or not inside the image.
    RectOutside {
        /// The operation that rejected it.
        op: OpKind,
        /// The rectangle as given: left, top, width, height.
        rect: [u64; 4],
        /// Width of the image it applies to.
        width: u32,
        /// Height of the image it applies to.
        height: u32,
    },
    /// A requested output size has a zero side.
    EmptySize {
        /// The operation that rejected it.
        op: OpKind,
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// A requested output size does not fit in addressable memory.
    TooLarge {
        /// The operation that rejected it.
        op: OpKind,
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// A numeric argument is outside the range the operation accepts.
    InvalidArgument {
        /// The operation that rejected it.
        op: OpKind,
        /// The argument's name.
        name: &'static str,
        /// The value given, printed.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Two images (or an image and a buffer) that must agree do not.
    LayoutMismatch {
        /// The operation that rejected them.
        op: OpKind,
        /// The layout required.
        expected: PixelLayout,
        /// The layout given.
        actual: PixelLayout,
    },
    /// A pixel library reported an error.
    Backend {
        /// The operation that failed.
        op: OpKind,
        /// The library's message.
        message: String,
    },
}

impl OpsError {
    /// The HTTP status for this error: 422 for a size too large to allocate, 500 otherwise
    /// (the plan should never ask for anything else).
    pub fn http_status(&self) -> u16 {
        match self {
            OpsError::TooLarge { .. } => 422,
            OpsError::WindowOutside { .. }
            | OpsError::RectOutside { .. }
            | OpsError::EmptySize { .. }
            | OpsError::InvalidArgument { .. }
            | OpsError::LayoutMismatch { .. }
            | OpsError::Backend { .. } => 500,
        }
    }
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsError::WindowOutside {
                op,
                window: [l, t, w, h],
                width,
                height,
            } => write!(
                f,
                "{op}: expected a non-empty window inside the {width}x{height} image, got {l},{t},{w},{h}"
            ),
            OpsError::RectOutside {
                op,
                rect: [l, t, w, h],
                width,
                height,
            } => write!(
                f,
                "{op}: expected a non-empty rectangle inside the {width}x{height} image, got {l},{t},{w},{h}"
            ),
            OpsError::EmptySize { op, width, height } => {
                write!(f, "{op}: expected a size of at least 1x1, got {width}x{height}")
            }
            OpsError::TooLarge { op, width, height } => {
                write!(f, "{op}: a {width}x{height} image does not fit in memory")
            }
            OpsError::InvalidArgument {
                op,
                name,
                value,
                expected,
            } => write!(f, "{op}: {name} must be {expected}, got {value}"),
            OpsError::LayoutMismatch {
                op,
                expected,
                actual,
            } => write!(f, "{op}: expected {expected:?} pixels, got {actual:?}"),
            OpsError::Backend { op, message } => write!(f, "{op}: {message}"),
        }
    }
}

impl std::error::Error for OpsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_messages() {
        let cases: [(OpsError, u16, &str); 3] = [
            (
                OpsError::TooLarge {
                    op: OpKind::Resize,
                    width: 70000,
                    height: 70000,
                },
                422,
                "resize: a 70000x70000 image does not fit in memory",
            ),
            (
                OpsError::RectOutside {
                    op: OpKind::Crop,
                    rect: [5, 0, 10, 1],
                    width: 8,
                    height: 8,
                },
                500,
                "crop: expected a non-empty rectangle inside the 8x8 image, got 5,0,10,1",
            ),
            (
                OpsError::InvalidArgument {
                    op: OpKind::Blur,
                    name: "sigma",
                    value: "NaN".into(),
                    expected: "finite and at least 0",
                },
                500,
                "blur: sigma must be finite and at least 0, got NaN",
            ),
        ];
        for (err, status, text) in cases {
            assert_eq!(err.http_status(), status, "{err}");
            assert_eq!(err.to_string(), text);
        }
    }
}
