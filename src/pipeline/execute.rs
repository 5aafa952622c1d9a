//! Runs a [`Plan`] on decoded pixels: shrink-on-load decode, one fused crop+resize pass in the
//! stored orientation, then orientation, canvas, effects and colour on the small image.
//!
//! A vector source (SVG) is drawn straight at the resize size instead: its crop window
//! becomes the renderer's transform.
//!
//! Working in the stored orientation until after the resize means the EXIF rotation, `or`
//! and `flip` (all eight symmetries of the square, composed into one) touch only output-sized
//! pixels, and the decoder's buffer is the only full-size one.

use crate::codec::{self, DecodeOptions, Decoded, SourceInfo};
use crate::ops::{self, Filter, Orientation, SourceWindow};
use crate::params::ColorSpace;
use crate::pipeline::Workspace;
use crate::pixels::Image;
use crate::plan::{PixelRect, Plan};
use crate::{Error, ImageFormat, Limits};

/// The long side of the preview in which `crop=entropy` looks for detail.
const ENTROPY_PREVIEW_SIDE: u32 = 256;

/// The planned image before encoding, and the ICC profile its pixels are in (`cs=origin`).
#[derive(Debug)]
pub struct Rendered {
    /// The final pixels (canvas size of the plan).
    pub image: Image,
    /// The source's RGB profile, kept only for `cs=origin`.
    pub icc_profile: Option<Vec<u8>>,
    /// The plan that was executed (with the entropy crop window placed).
    pub plan: Plan,
}

/// Decodes `input` as `plan` asks and renders every pixel stage of the plan.
pub fn render(
    input: &[u8],
    info: &SourceInfo,
    plan: &Plan,
    limits: &Limits,
) -> Result<Rendered, Error> {
    render_with(input, info, plan, limits, &mut Workspace::new())
}

/// Like [`render`], reusing the buffers of `ws` (and leaving the large ones of this render
/// in it for the next).
pub(crate) fn render_with(
    input: &[u8],
    info: &SourceInfo,
    plan: &Plan,
    limits: &Limits,
    ws: &mut Workspace,
) -> Result<Rendered, Error> {
    let resized = if info.format == ImageFormat::Svg {
        render_vector(input, info, plan, limits)?
    } else {
        let decoded = decode(input, plan, limits, ws)?;
        resize_decoded(decoded, info, plan, ws)?
    };
    finish(resized, ws)
}

/// Renders every pixel stage of `plan` on an image already decoded from the source `info`
/// describes (a composed animation frame, or pixels from a decoder of the caller's): the same
/// crop, resize, orientation, canvas, effects and colour as [`render`], which is this after
/// its decode. `decoded` must have the source's stored size.
pub fn render_decoded(decoded: Decoded, info: &SourceInfo, plan: &Plan) -> Result<Rendered, Error> {
    render_decoded_with(decoded, info, plan, &mut Workspace::new())
}

/// [`render_decoded`] with the buffers of `ws`.
pub(crate) fn render_decoded_with(
    decoded: Decoded,
    info: &SourceInfo,
    plan: &Plan,
    ws: &mut Workspace,
) -> Result<Rendered, Error> {
    let (w, h) = (decoded.image.width(), decoded.image.height());
    if (w, h) != (info.stored_width, info.stored_height) {
        return Err(Error::Codec(codec::CodecError::internal(
            info.format,
            format!(
                "a {w}x{h} image for a {}x{} source",
                info.stored_width, info.stored_height
            ),
        )));
    }
    let resized = resize_decoded(decoded, info, plan, ws)?;
    finish(resized, ws)
}

/// Orientation, canvas, effects and colour: everything after the resize.
fn finish(resized: Resized, ws: &mut Workspace) -> Result<Rendered, Error> {
    let Resized {
        image: resized,
        exif,
        icc_profile,
        plan,
    } = resized;
    let total = exif.then(user_orientation(&plan));
    let mut image = total.apply_pooled(resized, &mut ws.pool)?;

    if plan.has_canvas() {
        let (ox, oy) = plan.offset;
        image = ops::place(
            &image,
            plan.width,
            plan.height,
            i64::from(ox),
            i64::from(oy),
            plan.background.to_rgba(),
        )?;
    } else if plan.fill_transparent && image.layout().has_alpha() {
        // An explicit `bg` also fills the transparent areas of the image, not only padding
        // ("colors the background of padded or transparent images"), whatever the output
        // format: step 5 of the operation order, before the effects.
        image = ops::place(
            &image,
            plan.width,
            plan.height,
            0,
            0,
            plan.background.to_rgba(),
        )?;
    }

    if plan.blur_sigma > 0.0 {
        image = ops::blur(&image, plan.blur_sigma)?;
    }
    if plan.sharpen > 0 {
        image = ops::sharpen(&image, plan.sharpen)?;
    }
    if plan.invert {
        ops::invert(&mut image);
    }
    if plan.saturation != 0 {
        ops::saturate(&mut image, plan.saturation);
    }
    if plan.color_space == ColorSpace::BlackWhite {
        ops::greyscale(&mut image);
    }

    Ok(Rendered {
        image,
        icc_profile,
        plan,
    })
}

/// The crop window of the plan at the resize size, in the stored orientation.
struct Resized {
    image: Image,
    /// The source's EXIF orientation, still to apply.
    exif: Orientation,
    icc_profile: Option<Vec<u8>>,
    /// The plan, with the entropy crop window placed.
    plan: Plan,
}

/// Raster sources, after the (shrink-on-load) decode: one crop+resize pass.
fn resize_decoded(
    decoded: Decoded,
    info: &SourceInfo,
    plan: &Plan,
    ws: &mut Workspace,
) -> Result<Resized, Error> {
    let exif = decoded.orientation;
    let stored = Stored {
        image: &decoded.image,
        full_width: info.stored_width,
        full_height: info.stored_height,
        exif,
    };

    let plan = if plan.entropy_crop {
        place_by_entropy(&stored, plan)?
    } else {
        plan.clone()
    };

    let total = exif.then(user_orientation(&plan));
    let (rw, rh) = plan.resize;
    let (tw, th) = if total.swaps_axes() {
        (rh, rw)
    } else {
        (rw, rh)
    };
    let window = stored.window(plan.source_window);
    let (dw, dh) = (decoded.image.width(), decoded.image.height());
    let image = if window == SourceWindow::full(dw, dh) && (tw, th) == (dw, dh) {
        // Nothing to resample (full-size re-encodes): move the decoder's buffer on, no copy.
        decoded.image
    } else {
        let resized = resize_bounded(&decoded.image, window, tw, th, ws)?;
        ws.pool.give(decoded.image.into_vec());
        resized
    };
    Ok(Resized {
        image,
        exif,
        icc_profile: decoded.icc_profile,
        plan,
    })
}

/// Vector sources (SVG): the crop window is drawn straight at the resize size, so no pixel
/// outside it is rendered and nothing is resampled. `crop=entropy` looks for detail in a
/// rendering of the whole drawing at most [`ENTROPY_PREVIEW_SIDE`] pixels long first.
fn render_vector(
    input: &[u8],
    info: &SourceInfo,
    plan: &Plan,
    limits: &Limits,
) -> Result<Resized, Error> {
    let (fw, fh) = (info.stored_width, info.stored_height);
    let plan = if plan.entropy_crop {
        let long = fw.max(fh).max(1);
        let scale = f64::from(ENTROPY_PREVIEW_SIDE.min(long)) / f64::from(long);
        let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
        let preview = codec::render_vector(
            input,
            limits,
            SourceWindow::full(fw, fh),
            side(fw),
            side(fh),
        )?;
        let stored = Stored {
            image: &preview,
            full_width: fw,
            full_height: fh,
            exif: Orientation::Identity,
        };
        place_by_entropy(&stored, plan)?
    } else {
        plan.clone()
    };
    let (rw, rh) = plan.resize;
    let (tw, th) = if user_orientation(&plan).swaps_axes() {
        (rh, rw)
    } else {
        (rw, rh)
    };
    let r = plan.source_window;
    let window = SourceWindow {
        left: f64::from(r.x),
        top: f64::from(r.y),
        width: f64::from(r.width),
        height: f64::from(r.height),
    };
    let image = codec::render_vector(input, limits, window, tw, th)?;
    Ok(Resized {
        image,
        exif: Orientation::Identity,
        icc_profile: None,
        plan,
    })
}

/// Decodes with the plan's shrink-on-load hint; the codec picks the decoder path.
fn decode(
    input: &[u8],
    plan: &Plan,
    limits: &Limits,
    ws: &mut Workspace,
) -> Result<Decoded, Error> {
    let options = DecodeOptions {
        scale_denom: plan.decoder.jpeg_scale_denom,
        to_srgb: plan.color_space != ColorSpace::Origin,
    };
    Ok(codec::decode_hinted(input, limits, &options, &mut ws.pool)?)
}

/// Crop+resize in one pass, unless the resampler's intermediate image (it runs the vertical
/// pass first: window width × output height) would dwarf both the source and the output, as
/// for a wide, one-row source resized to a tall, narrow output. Then the width is reduced
/// first and the height second, so no buffer exceeds the larger of input and output.
fn resize_bounded(
    src: &Image,
    window: SourceWindow,
    tw: u32,
    th: u32,
    ws: &mut Workspace,
) -> Result<Image, Error> {
    let intermediate = window.width.ceil() * f64::from(th);
    let source = f64::from(src.width()) * f64::from(src.height());
    let output = f64::from(tw) * f64::from(th);
    let layout = src.layout();
    let (first_height, second) = if intermediate <= 4.0 * source.max(output) {
        (th, false)
    } else {
        (
            (window.height.ceil() as u32).clamp(1, src.height().max(1)),
            true,
        )
    };
    let buffer = ws.image_buffer(tw, first_height, layout);
    let first =
        ws.resizer
            .resize_reusing(src, window, tw, first_height, Filter::Lanczos3, buffer)?;
    if !second {
        return Ok(first);
    }
    let buffer = ws.image_buffer(tw, th, layout);
    let full = SourceWindow::full(tw, first_height);
    let resized = ws
        .resizer
        .resize_reusing(&first, full, tw, th, Filter::Lanczos3, buffer)?;
    ws.pool.give(first.into_vec());
    Ok(resized)
}

/// `or` then `flip`, as one symmetry (applied after the EXIF orientation).
fn user_orientation(plan: &Plan) -> Orientation {
    let flip = Orientation::flip(
        plan.flip.is_some_and(|f| f.horizontal()),
        plan.flip.is_some_and(|f| f.vertical()),
    );
    Orientation::rotate_cw(plan.rotation.degrees())
        .unwrap_or(Orientation::Identity)
        .then(flip)
}

/// The decoded image in stored orientation, and how it relates to the oriented full-size
/// source the plan speaks of.
struct Stored<'a> {
    image: &'a Image,
    full_width: u32,
    full_height: u32,
    exif: Orientation,
}

impl Stored<'_> {
    /// A rectangle of the oriented full-size source, in the decoded image's pixels (the
    /// decoder may have shrunk it on load by a different factor per axis after rounding up).
    fn window(&self, r: PixelRect) -> SourceWindow {
        let oriented = SourceWindow {
            left: f64::from(r.x),
            top: f64::from(r.y),
            width: f64::from(r.width),
            height: f64::from(r.height),
        };
        let s = self
            .exif
            .map_rect(oriented, self.full_width, self.full_height);
        let fx = f64::from(self.image.width()) / f64::from(self.full_width.max(1));
        let fy = f64::from(self.image.height()) / f64::from(self.full_height.max(1));
        let clamp = |v: f64, max: u32| v.clamp(0.0, f64::from(max));
        let left = clamp(s.left * fx, self.image.width());
        let top = clamp(s.top * fy, self.image.height());
        SourceWindow {
            left,
            top,
            width: (clamp((s.left + s.width) * fx, self.image.width()) - left)
                .max(f64::MIN_POSITIVE),
            height: (clamp((s.top + s.height) * fy, self.image.height()) - top)
                .max(f64::MIN_POSITIVE),
        }
    }
}

/// Moves the crop window to where a preview of the (rect-cropped, rotated, flipped) image
/// has the most detail. The window's size is the plan's; only its position changes.
fn place_by_entropy(stored: &Stored<'_>, plan: &Plan) -> Result<Plan, Error> {
    let (ow, oh) = plan.oriented_size;
    let long = ow.max(oh).max(1);
    let scale = f64::from(ENTROPY_PREVIEW_SIDE.min(long)) / f64::from(long);
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    let (pw, ph) = (side(ow), side(oh));

    let total = stored.exif.then(user_orientation(plan));
    let (tw, th) = if total.swaps_axes() {
        (ph, pw)
    } else {
        (pw, ph)
    };
    let preview = ops::resize(
        stored.image,
        stored.window(plan.rect),
        tw,
        th,
        Filter::Bilinear,
    )?;
    let preview = total.apply_owned(preview)?;

    let win = plan.crop_window;
    let ww = ((f64::from(win.width) * scale).round() as u32).clamp(1, pw);
    let wh = ((f64::from(win.height) * scale).round() as u32).clamp(1, ph);
    let (px, py) = ops::entropy_offset(&preview, ww, wh)?;
    let x = (f64::from(px) / scale).round() as u32;
    let y = (f64::from(py) / scale).round() as u32;
    Ok(plan.with_crop_offset(x, y))
}
