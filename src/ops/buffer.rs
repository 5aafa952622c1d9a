//! Checked allocation of output buffers shared by the operations.

use super::error::{OpKind, OpsError};
use crate::pixels::{Image, PixelLayout};

/// Length of a `width`×`height` buffer in `layout`, or the error `op` reports for it.
pub(crate) fn checked_len(
    op: OpKind,
    width: u32,
    height: u32,
    layout: PixelLayout,
) -> Result<usize, OpsError> {
    if width == 0 || height == 0 {
        return Err(OpsError::EmptySize { op, width, height });
    }
    crate::pixels::buffer_len(width, height, layout).ok_or(OpsError::TooLarge { op, width, height })
}

/// An empty buffer with room for a `width`×`height` image; failing to get the memory is an
/// error rather than an abort, so an oversized request cannot take the process down.
pub(crate) fn with_capacity(
    op: OpKind,
    width: u32,
    height: u32,
    layout: PixelLayout,
) -> Result<Vec<u8>, OpsError> {
    let len = checked_len(op, width, height, layout)?;
    let mut buf = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|_| OpsError::TooLarge { op, width, height })?;
    Ok(buf)
}

/// Makes `buf` exactly `width`×`height` pixels long (contents unspecified: callers overwrite
/// every byte), reusing its allocation when it is large enough.
pub(crate) fn resize_buffer(
    op: OpKind,
    mut buf: Vec<u8>,
    width: u32,
    height: u32,
    layout: PixelLayout,
) -> Result<Vec<u8>, OpsError> {
    let len = checked_len(op, width, height, layout)?;
    if buf.len() > len {
        buf.truncate(len);
    } else {
        buf.try_reserve_exact(len - buf.len())
            .map_err(|_| OpsError::TooLarge { op, width, height })?;
        buf.resize(len, 0);
    }
    Ok(buf)
}

/// A zero-filled `width`×`height` buffer.
pub(crate) fn zeroed(
    op: OpKind,
    width: u32,
    height: u32,
    layout: PixelLayout,
) -> Result<Vec<u8>, OpsError> {
    resize_buffer(op, Vec::new(), width, height, layout)
}

/// Wraps a buffer an operation filled; a length mismatch is an internal fault.
pub(crate) fn image_from(
    op: OpKind,
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: Vec<u8>,
) -> Result<Image, OpsError> {
    Image::from_vec(width, height, layout, data).map_err(|e| OpsError::Backend {
        op,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert_eq!(
            checked_len(OpKind::Resize, 3, 2, PixelLayout::Rgba8).map_err(|e| e.to_string()),
            Ok(24)
        );
        assert!(matches!(
            checked_len(OpKind::Resize, 0, 2, PixelLayout::Rgb8),
            Err(OpsError::EmptySize { .. })
        ));
        assert!(matches!(
            with_capacity(OpKind::Resize, u32::MAX, u32::MAX, PixelLayout::Rgba8),
            Err(OpsError::TooLarge { .. })
        ));
    }

    #[test]
    fn resize_buffer_reuses_and_trims() {
        let buf = vec![7u8; 100];
        let ptr = buf.as_ptr();
        let out =
            resize_buffer(OpKind::Resize, buf, 2, 2, PixelLayout::Rgb8).map_err(|e| e.to_string());
        let out = out.as_ref().map(|v| (v.len(), v.as_ptr() == ptr));
        assert_eq!(out, Ok((12, true)));
        let grown = resize_buffer(OpKind::Resize, vec![1u8; 2], 2, 1, PixelLayout::Rgb8);
        assert_eq!(grown.map_err(|e| e.to_string()), Ok(vec![1, 1, 0, 0, 0, 0]));
    }
}
