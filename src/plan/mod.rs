//! Planning: every concrete number of a transform, from the source's header facts alone.
//!
//! [`plan`] is pure: no I/O and no allocation proportional to the image. It implements the
//! operation order and geometry of the URL dialect:
//!
//! 1. `rect` crops the oriented source; a rect partly outside is clamped, one with no overlap
//!    is an error.
//! 2. `or` rotates clockwise, then `flip` mirrors; `w`, `h` and `fp-*` refer to the result.
//! 3. The fit mode computes the crop window, the resized image and the canvas; `pad` and
//!    `fill`/`fillmax` place the image on a canvas of `bg`.
//!
//! Decisions where the dialect is silent:
//! * `dpr` acts only together with `w` or `h`; alone it is accepted and has no effect (the
//!   official URL builder emits such URLs).
//! * `min-*`/`max-*` act only with `fit=crop` and `w` or `h`; the missing side is first
//!   completed from the aspect ratio, then the sides are clamped (`max` wins over `min`).
//! * With `pad` and `w`/`h`, the image gets the box less `2·pad` on each axis (at least 1 px);
//!   `clip`/`max`/`min`/`scale`/`crop` outputs are the image plus padding, `fill`/`fillmax`
//!   outputs are the full box.
//! * Sources larger than 8192 px are fine; only the *output* is capped (an output side above
//!   [`Limits::max_output_side`] is an error, even without `w`/`h`).
//! * Crop windows are whole pixels; a centred window's offset is rounded down.
//!
//! The plan also fixes everything about the response that a cache needs before rendering:
//! the output format after `auto=format` negotiation against [`PlanOptions::accept`], whether
//! the output has alpha, its MIME type, whether it varies with `Accept`, and a
//! [cache key](Plan::cache_key). [`crate::transform()`] writes exactly what the plan says.
//!
//! * `auto=format` picks AVIF, then WebP, when accepted; else `fm` or the source format, but
//!   PNG instead of JPEG when the result has alpha. For an animation (no `frame=1`) AVIF is
//!   skipped when that keeps it animated: WebP when accepted, else `fm` or the source format
//!   if it animates; otherwise the output is a still and AVIF is chosen as for any still.
//! * An animated source (several frames in the header) gives an animated output
//!   ([`Plan::frames`] = the source's frames) unless `frame=1` is given or the output format
//!   cannot animate: GIF, WebP and PNG (as APNG) can; JPEG and AVIF get the first frame. An
//!   animation's frames × output area is checked against [`Limits::max_animation_pixels`]
//!   ([`PlanError::AnimationTooLarge`], 422), like its frames × source canvas (413).
//!   `auto=format&fm=jpg` on an animation with alpha gives PNG, and a still, as JPEG would;
//!   a format chosen from `Accept` (WebP) animates.
//! * A GIF source with alpha and no `fm` gives PNG for a still and stays GIF when animated.
//! * Without `fm`, a source in a format pixform does not write (TIFF, SVG) is served as JPEG,
//!   or as PNG when it has alpha ([`ImageFormat::can_encode`]); an SVG always has alpha, so
//!   it is rasterised to PNG.
//! * An SVG source with no parameter but `dl`, `dlRaw` or `auto` is served as its own bytes
//!   (`image/svg+xml`): the plan is `raw`, as with `dlRaw`, and nothing is rendered.
//! * The result has alpha when the source has alpha or a translucent `bg` shows on a canvas,
//!   unless `bg` is opaque (it then fills every transparent pixel) or the format has no
//!   alpha (JPEG: the result is composited onto white). Alpha is decided from the header: a
//!   source with an alpha channel keeps it even where every pixel happens to be opaque.

mod error;
pub(crate) mod geometry;

use serde::Serialize;
use sha1::{Digest, Sha1};

pub use error::PlanError;
pub use geometry::PixelRect;

use crate::format::ImageFormat;
use crate::limits::{LimitExceeded, LimitKind, Limits};
use crate::params::{
    Color, ColorSpace, Crop, Fit, Flip, HorizontalAnchor, OutputFormat, Rotation, TransformSpec,
    VerticalAnchor,
};
use geometry::{complete_box, fit_within, largest_window};

/// The facts about a source that planning needs, all from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceFacts {
    /// Width after the EXIF orientation is applied.
    pub width: u32,
    /// Height after the EXIF orientation is applied.
    pub height: u32,
    /// Whether the source has an alpha channel.
    pub has_alpha: bool,
    /// Number of frames (1 for still images).
    pub frames: u32,
    /// The source's container format.
    pub format: ImageFormat,
}

/// Hints for the decoder, so it produces no more pixels than the plan needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecoderHints {
    /// JPEG DCT-domain downscale denominator: 1, 2, 4 or 8 (the decoder produces
    /// ⌈W/d⌉×⌈H/d⌉ pixels). The largest that still leaves at least the resolution the resize
    /// needs, halved when the Lanczos3 resize after it would shrink by less than (d+1)/d (a
    /// DCT-scaled decode filters worse than Lanczos3, so the resize must have work left to
    /// do; libvips' rule too); always 1 for other formats.
    pub jpeg_scale_denom: u8,
}

impl DecoderHints {
    /// The hints for decoding a `window` (width, height) of a `format` source that is then
    /// resized to `target`, both in the same orientation: the plan's shrink-on-load rule,
    /// for any caller that resizes decoded pixels (asset analysis' preview too).
    pub fn for_resize(format: ImageFormat, window: (u32, u32), target: (u32, u32)) -> Self {
        DecoderHints {
            jpeg_scale_denom: if format == ImageFormat::Jpeg {
                dct_denominator(window.0, window.1, target.0, target.1)
            } else {
                1
            },
        }
    }
}

/// Options of planning that do not come from the query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Resource limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// The formats the client accepts (from its `Accept` header, see
    /// [`crate::accepted_formats`]), for `auto=format`. Default: none, so
    /// `auto=format` keeps `fm` or the source format.
    pub accept: Vec<ImageFormat>,
}

impl PlanOptions {
    /// Options with the given limits and accepted formats.
    pub fn new(limits: Limits, accept: Vec<ImageFormat>) -> Self {
        PlanOptions { limits, accept }
    }
}

impl From<Limits> for PlanOptions {
    /// Options with these limits and no accepted formats.
    fn from(limits: Limits) -> Self {
        PlanOptions::new(limits, Vec::new())
    }
}

impl From<&Limits> for PlanOptions {
    /// Options with these limits and no accepted formats.
    fn from(limits: &Limits) -> Self {
        PlanOptions::new(limits.clone(), Vec::new())
    }
}

/// How the output is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Encoding {
    /// The container format of the output image, after `auto=format` negotiation (with
    /// `fm=json`, of the image the JSON describes; with `dlRaw`, the source's).
    pub format: ImageFormat,
    /// Progressive JPEG (`fm=pjpg`).
    pub progressive: bool,
    /// `fm=json`: facts about the output instead of pixels.
    pub json: bool,
    /// `auto=format`: the format may be replaced by one the client accepts.
    pub auto_format: bool,
    /// Quality 0–100 for lossy formats. Default: 75.
    pub quality: u8,
}

/// Every concrete number of a transform.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// Output width (the canvas).
    pub width: u32,
    /// Output height (the canvas).
    pub height: u32,
    /// The source facts the plan was made for.
    pub source: SourceFacts,
    /// `rect` clamped to the oriented source (the whole source without `rect`).
    pub rect: PixelRect,
    /// Clockwise rotation applied after `rect`.
    pub rotation: Rotation,
    /// Mirror applied after the rotation.
    pub flip: Option<Flip>,
    /// The crop window in the rotated/flipped image (whose size is `oriented_size`).
    pub crop_window: PixelRect,
    /// Size of the image after rect, rotation and flip, before fitting.
    pub oriented_size: (u32, u32),
    /// The crop window expressed in the oriented source's coordinates (before rotation/flip):
    /// the only source pixels the output depends on (except through `blur`).
    pub source_window: PixelRect,
    /// Whether the crop window should be re-placed by entropy (`crop=entropy`) at execution;
    /// its size stays that of `crop_window`.
    pub entropy_crop: bool,
    /// Size of the resized image (before padding/canvas).
    pub resize: (u32, u32),
    /// Top-left of the resized image on the canvas.
    pub offset: (u32, u32),
    /// Padding in pixels (after `dpr`).
    pub pad: u32,
    /// Background of the canvas: `bg`, else transparent when the output has alpha, else
    /// white.
    pub background: Color,
    /// Whether an explicit `bg` also fills the transparent pixels of the image at the canvas
    /// step, before the effects (any `bg` but fully transparent black).
    pub fill_transparent: bool,
    /// Whether the output image has an alpha channel, after negotiation and flattening: the
    /// encoder gets RGBA exactly when this is true. Without it, what is still transparent
    /// after the canvas step is composited onto white before encoding.
    pub has_alpha: bool,
    /// Output encoding.
    pub encoding: Encoding,
    /// `dlRaw`, or an SVG source with no parameter that changes pixels: the response body is
    /// the source bytes, unchanged. The format, `has_alpha`,
    /// `content_type` and [`Plan::response_size`] are then the source's; the geometry stays
    /// what the spec would make (and is not executed).
    pub raw: bool,
    /// The response's `Content-Type`: the output format's MIME type, `application/json` for
    /// `fm=json`.
    pub content_type: &'static str,
    /// Whether the response varies with the `Accept` header (`Vary: Accept`): exactly when
    /// `auto=format` was asked for (and `dlRaw` was not).
    pub vary_accept: bool,
    /// A stable cache key for the response of this spec on this source: 40 lowercase hex
    /// digits, the SHA-1 of
    ///
    /// * the crate's major version and the JPEG codec the build uses (libjpeg-turbo with the
    ///   `turbojpeg` feature, else the pure-Rust codecs), which decide the bytes;
    /// * the output format after negotiation (so `Accept` enters only through it);
    /// * for an animated output only, its frame count (a still's key is unchanged by it);
    /// * the canonical query of the known parameters ([`TransformSpec::canonical_pairs`]:
    ///   registry order, canonical values), so spellings of the same spec share a key and
    ///   unknown keys (cache busters, signatures) do not count.
    ///
    /// It is the same across runs, machines and releases of the same major version. It does
    /// not identify the source: key a cache by the source's identity (asset ID, or a digest
    /// of its bytes) together with this. Limits and [`crate::TransformOptions::download_name`]
    /// are the server's configuration and are not part of it.
    pub cache_key: String,
    /// Decoder hints (shrink-on-load).
    pub decoder: DecoderHints,
    /// Gaussian blur sigma in output pixels (`blur`/10); 0 = none.
    pub blur_sigma: f32,
    /// Unsharp-mask strength 0–100; 0 = none.
    pub sharpen: u8,
    /// Invert the colours.
    pub invert: bool,
    /// Saturation change −100–100.
    pub saturation: i8,
    /// Colour handling.
    pub color_space: ColorSpace,
    /// Frames in the output: the source's frame count when the output is an animation (see
    /// [`Plan::animated`]), else 1 (the first frame of an animated source is served).
    pub frames: u32,
}

impl Plan {
    /// The size of the image in the response: (`width`, `height`), or the source's size for
    /// `dlRaw`.
    pub fn response_size(&self) -> (u32, u32) {
        if self.raw {
            (self.source.width, self.source.height)
        } else {
            (self.width, self.height)
        }
    }

    /// Whether the output is an animation: the source has several frames, `frame` is not
    /// given and the output format carries an animation (GIF, WebP, PNG as APNG). Every frame
    /// then goes through the same plan.
    pub fn animated(&self) -> bool {
        self.frames > 1
    }

    /// Whether the canvas is larger than the image (padding or fill).
    pub fn has_canvas(&self) -> bool {
        (self.width, self.height) != self.resize
    }

    /// The same plan with the crop window moved to (`x`, `y`) of the oriented image (clamped
    /// so the window stays inside), e.g. after `crop=entropy` found where the detail is.
    pub fn with_crop_offset(&self, x: u32, y: u32) -> Plan {
        let (w, h) = self.oriented_size;
        let mut window = self.crop_window;
        window.x = x.min(w - window.width.min(w));
        window.y = y.min(h - window.height.min(h));
        let in_rect = unrotate(
            window,
            self.rotation,
            self.flip,
            self.rect.width,
            self.rect.height,
        );
        Plan {
            crop_window: window,
            source_window: PixelRect {
                x: self.rect.x + in_rect.x,
                y: self.rect.y + in_rect.y,
                ..in_rect
            },
            ..self.clone()
        }
    }
}

/// Plans `spec` for a source with the given header facts.
pub fn plan(
    source: &SourceFacts,
    spec: &TransformSpec,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let limits = &options.limits;
    let (sw, sh) = (source.width, source.height);
    if sw == 0 || sh == 0 {
        return Err(PlanError::EmptySource {
            width: sw,
            height: sh,
        });
    }
    limits
        .check_source(sw, sh, u64::from(sw) * u64::from(sh), source.frames)
        .and_then(|()| limits.check_animation(sw, sh, source.frames))
        .map_err(
            |LimitExceeded { limit, value, max }| PlanError::SourceTooLarge {
                width: sw,
                height: sh,
                limit,
                value,
                max,
            },
        )?;

    let rect = clamp_rect(spec, sw, sh)?;
    let rotation = spec.rotation.unwrap_or_default();
    let flip = spec.flip;
    let (w, h) = if rotation.swaps_axes() {
        (rect.height, rect.width)
    } else {
        (rect.width, rect.height)
    };

    let fitted = fit(spec, w, h);
    let layout = fitted.layout;
    let crop_window = match (spec.crop.unwrap_or_default(), fitted.window) {
        (_, None) => PixelRect::full(w, h),
        (crop, Some((ww, wh))) => place_window(crop, spec, w, h, ww, wh),
    };
    let entropy_crop = fitted.window.is_some() && spec.crop == Some(Crop::Entropy);

    let too_big = |width: u64, height: u64, limit, max| PlanError::OutputTooLarge {
        width,
        height,
        limit,
        max,
    };
    // Scaled sides saturate at u32::MAX, so u32::MAX itself means "at least that": too large
    // even when a caller lifts max_output_side to u32::MAX.
    let max_side = u64::from(limits.max_output_side.min(u32::MAX - 1));
    if layout.canvas.0 > max_side || layout.canvas.1 > max_side {
        return Err(too_big(
            layout.canvas.0,
            layout.canvas.1,
            LimitKind::MaxOutputSide,
            max_side,
        ));
    }
    if layout.canvas.0 * layout.canvas.1 > limits.max_output_pixels {
        return Err(too_big(
            layout.canvas.0,
            layout.canvas.1,
            LimitKind::MaxOutputPixels,
            limits.max_output_pixels,
        ));
    }
    // Checked above: every side fits in u32.
    let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let (width, height) = (narrow(layout.canvas.0), narrow(layout.canvas.1));
    let resize = (narrow(layout.image.0), narrow(layout.image.1));
    let offset = (narrow(layout.offset.0), narrow(layout.offset.1));

    let window_in_rect = unrotate(crop_window, rotation, flip, rect.width, rect.height);
    let source_window = PixelRect {
        x: rect.x + window_in_rect.x,
        y: rect.y + window_in_rect.y,
        ..window_in_rect
    };

    let has_canvas = (width, height) != resize;
    // The result before encoding has alpha unless an opaque `bg` fills every transparent
    // pixel; without `bg` a canvas is transparent only on an output that has alpha anyway.
    let alpha_before_encoding = match spec.background {
        Some(bg) if bg.is_opaque() => false,
        Some(_) => source.has_alpha || has_canvas,
        None => source.has_alpha,
    };
    // An animation stays one unless `frame=1` asks for a still; the output format then
    // decides whether it can.
    let wants_animation = source.frames > 1 && spec.frame.is_none();
    let mut encoding = encoding(spec, source, wants_animation);
    let requested = encoding.format;
    // PNG standing in for a requested JPEG (to keep alpha) stays the still JPEG would be.
    let animates = |format: ImageFormat| {
        wants_animation
            && format.supports_animation()
            && !(requested == ImageFormat::Jpeg && format == ImageFormat::Png)
    };
    encoding.format = negotiate(
        &encoding,
        alpha_before_encoding,
        wants_animation,
        &options.accept,
    );
    if wants_animation && !animates(encoding.format) {
        // Skipping AVIF kept nothing animated: negotiate as for a still.
        encoding.format = negotiate(&encoding, alpha_before_encoding, false, &options.accept);
    }
    let frames = if animates(encoding.format) {
        source.frames
    } else {
        1
    };
    if frames > 1 {
        check_animation_output(width, height, frames, limits)?;
    }
    let has_alpha = alpha_before_encoding && encoding.format.supports_alpha();
    let background = spec.background.unwrap_or(if has_alpha {
        Color::TRANSPARENT
    } else {
        Color::WHITE
    });

    let decoder = DecoderHints::for_resize(
        source.format,
        (window_in_rect.width, window_in_rect.height),
        if rotation.swaps_axes() {
            (resize.1, resize.0)
        } else {
            resize
        },
    );

    let raw = spec.download_raw.is_some() || svg_as_is(spec, source);
    let planned = Plan {
        width,
        height,
        source: *source,
        rect,
        rotation,
        flip,
        crop_window,
        oriented_size: (w, h),
        source_window,
        entropy_crop,
        resize,
        offset,
        pad: narrow(layout.pad),
        background,
        fill_transparent: spec.background.is_some_and(|c| c != Color::TRANSPARENT),
        has_alpha,
        encoding,
        raw: false,
        content_type: if encoding.json {
            "application/json"
        } else {
            encoding.format.mime_type()
        },
        vary_accept: encoding.auto_format,
        cache_key: cache_key(spec, encoding.format, frames),
        decoder,
        blur_sigma: f32::from(spec.blur.unwrap_or(0)) / 10.0,
        sharpen: spec.sharpen.unwrap_or(0),
        invert: spec.invert.unwrap_or(false),
        saturation: spec.saturation.unwrap_or(0),
        color_space: spec.color_space.unwrap_or_default(),
        frames,
    };
    Ok(if raw {
        raw_plan(planned, spec)
    } else {
        planned
    })
}

/// Parameters that leave an SVG source as it is: without any other, the response is the SVG
/// bytes themselves (a raw plan), as for `dlRaw`.
const SVG_AS_IS_KEYS: [&str; 3] = ["dl", "dlRaw", "auto"];

/// Whether an SVG source is served as its own bytes: no parameter but `dl`, `dlRaw` and
/// `auto` (a vector image is its own best format; any sizing, crop, effect or `fm` rasterises).
fn svg_as_is(spec: &TransformSpec, source: &SourceFacts) -> bool {
    source.format == ImageFormat::Svg
        && spec
            .canonical_pairs()
            .iter()
            .all(|(key, _)| SVG_AS_IS_KEYS.contains(key))
}

/// `dlRaw`: the source bytes as they are. The geometry stays the spec's (a URL that is
/// invalid for this source stays an error with `dlRaw` too); the response facts are the
/// source's.
fn raw_plan(planned: Plan, spec: &TransformSpec) -> Plan {
    let source = planned.source;
    Plan {
        has_alpha: source.has_alpha,
        encoding: Encoding {
            format: source.format,
            progressive: false,
            json: false,
            auto_format: false,
            ..planned.encoding
        },
        raw: true,
        content_type: source.format.mime_type(),
        vary_accept: false,
        cache_key: cache_key(spec, source.format, 1),
        frames: source.frames,
        ..planned
    }
}

/// `auto=format`: AVIF, then WebP, from the accepted formats; else the requested format, but
/// never JPEG for a result with alpha (PNG instead). An animation that is to stay one
/// (`animation`) skips AVIF, which pixform writes as a still only (the caller negotiates again
/// without the skip when the result would be a still anyway).
fn negotiate(
    encoding: &Encoding,
    has_alpha: bool,
    animation: bool,
    accept: &[ImageFormat],
) -> ImageFormat {
    if !encoding.auto_format {
        return encoding.format;
    }
    if let Some(preferred) = [ImageFormat::Avif, ImageFormat::Webp]
        .into_iter()
        .filter(|f| !animation || f.supports_animation())
        .find(|f| accept.contains(f))
    {
        return preferred;
    }
    if encoding.format == ImageFormat::Jpeg && has_alpha {
        return ImageFormat::Png;
    }
    encoding.format
}

/// Version of the cache-key input below: part of the key, changed only with the major version.
const CACHE_KEY_SCHEME: &str = concat!("pixform/", env!("CARGO_PKG_VERSION_MAJOR"));

/// The JPEG codec of this build, which decides the bytes of JPEG decodes and encodes.
const JPEG_CODEC: &str = if cfg!(feature = "turbojpeg") {
    "libjpeg-turbo"
} else {
    "libjpeg-turbo-rs+jpeg-decoder"
};

/// [`Plan::cache_key`]: SHA-1 over newline-separated `name value` lines. An animated output
/// adds a `frames` line, so a still's key is the same whether its source is animated or not.
fn cache_key(spec: &TransformSpec, format: ImageFormat, frames: u32) -> String {
    let mut hasher = Sha1::new();
    let mut line = |name: &str, value: &str| {
        hasher.update(name.as_bytes());
        hasher.update(b" ");
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    };
    line("scheme", CACHE_KEY_SCHEME);
    line("jpeg", JPEG_CODEC);
    line("format", format.extension());
    if frames > 1 {
        line("frames", &frames.to_string());
    }
    for (key, value) in spec.canonical_pairs() {
        line(key, &crate::params::encode_component(&value));
    }
    format!("{:x}", hasher.finalize())
}

/// `rect` clamped to the image, or the whole image.
fn clamp_rect(spec: &TransformSpec, sw: u32, sh: u32) -> Result<PixelRect, PlanError> {
    let Some(r) = spec.rect else {
        return Ok(PixelRect::full(sw, sh));
    };
    let right = (u64::from(r.left) + u64::from(r.width.get())).min(u64::from(sw));
    let bottom = (u64::from(r.top) + u64::from(r.height.get())).min(u64::from(sh));
    let (left, top) = (u64::from(r.left), u64::from(r.top));
    if right <= left || bottom <= top {
        return Err(PlanError::RectOutside {
            rect: [r.left, r.top, r.width.get(), r.height.get()],
            width: sw,
            height: sh,
        });
    }
    // right ≤ sw and bottom ≤ sh, so every difference fits in u32.
    Ok(PixelRect {
        x: r.left,
        y: r.top,
        width: u32::try_from(right - left).unwrap_or(sw),
        height: u32::try_from(bottom - top).unwrap_or(sh),
    })
}

/// Image size, canvas size and offset (u64 so that oversized results can be reported).
struct Layout {
    image: (u64, u64),
    canvas: (u64, u64),
    offset: (u64, u64),
    pad: u64,
}

struct Fitted {
    layout: Layout,
    /// The crop window size, for `crop` and `min`.
    window: Option<(u32, u32)>,
}

/// Applies `dpr`, `min-*`/`max-*`, `pad` and the fit mode to a `w`×`h` image.
fn fit(spec: &TransformSpec, w: u32, h: u32) -> Fitted {
    let has_box = spec.width.is_some() || spec.height.is_some();
    let dpr = if has_box {
        spec.dpr.map_or(1.0, |d| d.get())
    } else {
        1.0
    };
    let pad = u64::from(times_dpr(spec.pad.map_or(0, u32::from), dpr));

    let mut bw = spec.width.map(|d| times_dpr(d.get(), dpr).max(1));
    let mut bh = spec.height.map(|d| times_dpr(d.get(), dpr).max(1));
    let fit = spec.fit.unwrap_or_default();
    if !has_box {
        return padded(w, h, (u64::from(w), u64::from(h)), pad, None);
    }
    if fit == Fit::Crop {
        let (cw, ch) = complete_box(w, h, bw, bh);
        let clamp = |v: u32, min: Option<crate::params::Dim>, max: Option<crate::params::Dim>| {
            let v = min.map_or(v, |m| v.max(m.get()));
            max.map_or(v, |m| v.min(m.get()))
        };
        bw = Some(clamp(cw, spec.min_width, spec.max_width));
        bh = Some(clamp(ch, spec.min_height, spec.max_height));
    }
    let inner = |v: u32| -> u32 {
        u32::try_from((u64::from(v)).saturating_sub(2 * pad).max(1)).unwrap_or(1)
    };
    let (ibw, ibh) = (bw.map(inner), bh.map(inner));

    match fit {
        Fit::Clip | Fit::Max => {
            let (fw, fh) = no_upscale(fit == Fit::Max, w, h, fit_within(w, h, ibw, ibh));
            padded(fw, fh, (u64::from(fw), u64::from(fh)), pad, None)
        }
        Fit::Fill | Fit::FillMax => {
            let boxed = complete_box(w, h, ibw, ibh);
            let (fw, fh) = no_upscale(
                fit == Fit::FillMax,
                w,
                h,
                fit_within(w, h, Some(boxed.0), Some(boxed.1)),
            );
            padded(fw, fh, (u64::from(boxed.0), u64::from(boxed.1)), pad, None)
        }
        Fit::Scale => {
            let (fw, fh) = complete_box(w, h, ibw, ibh);
            padded(fw, fh, (u64::from(fw), u64::from(fh)), pad, None)
        }
        Fit::Crop => {
            let (fw, fh) = complete_box(w, h, ibw, ibh);
            let window = largest_window(w, h, fw, fh);
            padded(fw, fh, (u64::from(fw), u64::from(fh)), pad, Some(window))
        }
        Fit::Min => {
            let (fw, fh) = complete_box(w, h, ibw, ibh);
            let window = largest_window(w, h, fw, fh);
            let (iw, ih) = if window.0 > fw || window.1 > fh {
                (fw, fh)
            } else {
                window
            };
            padded(iw, ih, (u64::from(iw), u64::from(ih)), pad, Some(window))
        }
    }
}

/// `v`·`dpr` rounded half up. v ≤ 8192 and dpr ≤ 3: the product is small and exact enough
/// in f64.
fn times_dpr(v: u32, dpr: f64) -> u32 {
    (f64::from(v) * dpr + 0.5).floor() as u32
}

/// For `max`/`fillmax`: the source size when the fit would enlarge it.
fn no_upscale(active: bool, w: u32, h: u32, fitted: (u32, u32)) -> (u32, u32) {
    if active && (fitted.0 > w || fitted.1 > h) {
        (w, h)
    } else {
        fitted
    }
}

/// An image of `iw`×`ih` centred (offset rounded down) in a content box, with `pad` around.
fn padded(iw: u32, ih: u32, content: (u64, u64), pad: u64, window: Option<(u32, u32)>) -> Fitted {
    let (iw64, ih64) = (u64::from(iw), u64::from(ih));
    Fitted {
        layout: Layout {
            image: (iw64, ih64),
            canvas: (content.0 + 2 * pad, content.1 + 2 * pad),
            offset: (
                pad + content.0.saturating_sub(iw64) / 2,
                pad + content.1.saturating_sub(ih64) / 2,
            ),
            pad,
        },
        window,
    }
}

/// Places a `ww`×`wh` crop window inside a `w`×`h` image.
fn place_window(crop: Crop, spec: &TransformSpec, w: u32, h: u32, ww: u32, wh: u32) -> PixelRect {
    let (free_x, free_y) = (w - ww.min(w), h - wh.min(h));
    let (x, y) = match crop {
        Crop::Anchor {
            horizontal,
            vertical,
        } => (
            match horizontal {
                HorizontalAnchor::Left => 0,
                HorizontalAnchor::Center => free_x / 2,
                HorizontalAnchor::Right => free_x,
            },
            match vertical {
                VerticalAnchor::Top => 0,
                VerticalAnchor::Center => free_y / 2,
                VerticalAnchor::Bottom => free_y,
            },
        ),
        Crop::FocalPoint => {
            let fx = spec.focal_x.map_or(0.5, |f| f.get());
            let fy = spec.focal_y.map_or(0.5, |f| f.get());
            (
                focal_offset(fx, w, ww, free_x),
                focal_offset(fy, h, wh, free_y),
            )
        }
        Crop::Entropy => (free_x / 2, free_y / 2),
    };
    PixelRect {
        x,
        y,
        width: ww.min(w),
        height: wh.min(h),
    }
}

/// The offset of a window of `size` centred on `f`·`extent`, clamped to `0..=free`.
fn focal_offset(f: f64, extent: u32, size: u32, free: u32) -> u32 {
    let start = (f * f64::from(extent) - f64::from(size) / 2.0).round();
    if start <= 0.0 {
        0
    } else {
        (start.min(f64::from(free))) as u32
    }
}

/// Maps a window of the rotated-then-flipped image back to the image before rotation
/// (`aw`×`ah`).
fn unrotate(r: PixelRect, rotation: Rotation, flip: Option<Flip>, aw: u32, ah: u32) -> PixelRect {
    let (bw, bh) = if rotation.swaps_axes() {
        (ah, aw)
    } else {
        (aw, ah)
    };
    let mut r = r;
    if flip.is_some_and(Flip::horizontal) {
        r.x = bw - r.x - r.width;
    }
    if flip.is_some_and(Flip::vertical) {
        r.y = bh - r.y - r.height;
    }
    match rotation {
        Rotation::R0 => r,
        Rotation::R90 => PixelRect {
            x: r.y,
            y: ah - r.x - r.width,
            width: r.height,
            height: r.width,
        },
        Rotation::R180 => PixelRect {
            x: aw - r.x - r.width,
            y: ah - r.y - r.height,
            ..r
        },
        Rotation::R270 => PixelRect {
            x: aw - r.y - r.height,
            y: r.x,
            width: r.height,
            height: r.width,
        },
    }
}

/// The JPEG DCT scale denominator for a window shrunk to a target: the largest d (8, 4, 2)
/// whose reduced window still has at least the target resolution on both axes, halved when
/// the shrink on the limiting axis is below d + 1 (its integer part is d itself), so that
/// the Lanczos3 resize after the decode always reduces by at least (d+1)/d. Measured on
/// the bench corpus (SSIM against a float Lanczos3 reference, before encoding): a 3264-px
/// photo to 800 px decoded at 1/4 and resized 816 → 800 scores 0.978, at 1/2 0.999.
fn dct_denominator(window_w: u32, window_h: u32, target_w: u32, target_h: u32) -> u8 {
    let at_least =
        |window: u32, target: u32, factor: u64| u64::from(window) >= u64::from(target) * factor;
    for d in [8u8, 4, 2] {
        let f = u64::from(d);
        if at_least(window_w, target_w, f) && at_least(window_h, target_h, f) {
            let room = at_least(window_w, target_w, f + 1) && at_least(window_h, target_h, f + 1);
            return if room { d } else { d / 2 };
        }
    }
    1
}

/// Checks the work of an animated output, frames × output area, against
/// [`Limits::max_animation_pixels`]: every frame is resized, filtered and encoded at the
/// output size.
fn check_animation_output(
    width: u32,
    height: u32,
    frames: u32,
    limits: &Limits,
) -> Result<(), PlanError> {
    limits
        .check_animation(width, height, frames)
        .map_err(
            |LimitExceeded { value, max, .. }| PlanError::AnimationTooLarge {
                frames,
                width,
                height,
                value,
                max,
            },
        )
}

/// The output encoding: `fm`, else the source's format, except PNG for a still from a GIF
/// source with alpha (GIF's one-bit transparency would fray the resampled edges; an animated
/// GIF stays a GIF) and, for sources pixform does not write (TIFF), JPEG or PNG when the
/// source has alpha.
fn encoding(spec: &TransformSpec, source: &SourceFacts, animation: bool) -> Encoding {
    let from_source = match source.format {
        ImageFormat::Gif if source.has_alpha && !animation => ImageFormat::Png,
        f if !f.can_encode() && source.has_alpha => ImageFormat::Png,
        f if !f.can_encode() => ImageFormat::Jpeg,
        f => f,
    };
    let (format, progressive, json) = match spec.format {
        None => (from_source, false, false),
        Some(OutputFormat::Jpg) => (ImageFormat::Jpeg, false, false),
        Some(OutputFormat::Pjpg) => (ImageFormat::Jpeg, true, false),
        Some(OutputFormat::Png) => (ImageFormat::Png, false, false),
        Some(OutputFormat::Webp) => (ImageFormat::Webp, false, false),
        Some(OutputFormat::Gif) => (ImageFormat::Gif, false, false),
        Some(OutputFormat::Avif) => (ImageFormat::Avif, false, false),
        Some(OutputFormat::Json) => (from_source, false, true),
    };
    Encoding {
        format,
        progressive,
        json,
        auto_format: spec.auto.is_some(),
        quality: spec.quality.unwrap_or(75),
    }
}
