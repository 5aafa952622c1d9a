//! Premultiplying and un-premultiplying Rgba8 buffers (SIMD, via `fast_image_resize`'s
//! `MulDiv`), so filters that mix neighbouring pixels weigh colour by coverage.

use fast_image_resize as fir;

use super::error::{OpKind, OpsError};

fn backend(op: OpKind, e: impl std::fmt::Display) -> OpsError {
    OpsError::Backend {
        op,
        message: e.to_string(),
    }
}

/// Writes `src` (straight-alpha RGBA, `width`×`height`) premultiplied into `dst`.
pub(crate) fn premultiply_into(
    op: OpKind,
    src: &[u8],
    dst: &mut [u8],
    width: u32,
    height: u32,
) -> Result<(), OpsError> {
    let pt = fir::PixelType::U8x4;
    let src = fir::images::ImageRef::new(width, height, src, pt).map_err(|e| backend(op, e))?;
    let mut dst =
        fir::images::Image::from_slice_u8(width, height, dst, pt).map_err(|e| backend(op, e))?;
    fir::MulDiv::new()
        .multiply_alpha(&src, &mut dst)
        .map_err(|e| backend(op, e))
}

/// Turns premultiplied RGBA in `buf` back into straight alpha, in place.
pub(crate) fn unpremultiply(
    op: OpKind,
    buf: &mut [u8],
    width: u32,
    height: u32,
) -> Result<(), OpsError> {
    let mut img = fir::images::Image::from_slice_u8(width, height, buf, fir::PixelType::U8x4)
        .map_err(|e| backend(op, e))?;
    fir::MulDiv::new()
        .divide_alpha_inplace(&mut img)
        .map_err(|e| backend(op, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_opaque_and_scales_translucent() {
        let src = [200, 100, 50, 255, 200, 100, 50, 128, 9, 9, 9, 0];
        let mut pre = [0u8; 12];
        premultiply_into(OpKind::Resize, &src, &mut pre, 3, 1).unwrap();
        assert_eq!(pre, [200, 100, 50, 255, 100, 50, 25, 128, 0, 0, 0, 0]);
        unpremultiply(OpKind::Resize, &mut pre, 3, 1).unwrap();
        assert_eq!(&pre[..8], &[200, 100, 50, 255, 199, 100, 50, 128]);
        assert_eq!(pre[11], 0);
    }
}
