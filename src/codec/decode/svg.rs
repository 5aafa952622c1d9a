//! SVG rasterisation with resvg, straight at the size the caller asks for.
//!
//! A window of the source (in its intrinsic pixels, see `header::svg`) is drawn into a
//! `width`×`height` canvas: the window and the scale become resvg's root transform, so no
//! pixel is rendered outside the window and nothing is resampled afterwards.
//!
//! What is never loaded: files and URLs named by `<image href>` (only `data:` PNG, JPEG, GIF
//! and WebP images are drawn, after pixform's own header probe and limits, JPEGs decoded by
//! pixform; nested SVG images are not drawn), external `use` targets and stylesheets (usvg ignores them), fonts (the
//! build has no text support: text is not drawn).
//!
//! Before rendering, the usvg tree is walked: every offscreen buffer resvg will allocate
//! (isolated groups for filters, masks, clip paths, opacity and blending; filter primitives'
//! intermediate results; pattern tiles; each embedded image, decoded every time it is drawn)
//! is measured in device pixels, clipped as resvg clips
//! it, and the buffers alive at once along any nesting path may not exceed
//! [`Limits::max_output_pixels`]. Every buffer, and every path's device bounding box within
//! the canvas, adds to the pixels of the render, which may not exceed
//! [`Limits::max_svg_render_pixels`]: that bounds the rendering time. The walk visits pattern
//! contents once per use, so it also counts nodes against [`Limits::max_svg_nodes`].

use std::sync::{Arc, Mutex};

use resvg::tiny_skia::{self, Transform};
use resvg::usvg;
use sha1::{Digest, Sha1};

use crate::format::ImageFormat;
use crate::limits::{LimitKind, Limits};
use crate::ops::SourceWindow;
use crate::pixels::{Image, PixelLayout};

use super::super::encode::EncodeOptions;
use super::super::error::{panic_message, CodecError};
use super::super::header::svg as header;
use super::DecodeOptions;

const FORMAT: ImageFormat = ImageFormat::Svg;

/// Renders the `window` of the SVG in `bytes` (intrinsic pixels of its probed size) into a
/// `width`×`height` RGBA image (straight alpha).
pub(crate) fn render(
    bytes: &[u8],
    limits: &Limits,
    window: SourceWindow,
    width: u32,
    height: u32,
) -> Result<Image, CodecError> {
    let area = u64::from(width) * u64::from(height);
    if area > limits.max_output_pixels {
        return Err(CodecError::LimitExceeded {
            format: FORMAT,
            limit: LimitKind::MaxOutputPixels,
            value: area,
            max: limits.max_output_pixels,
        });
    }
    if !(window.width > 0.0 && window.height > 0.0 && width > 0 && height > 0) {
        return Err(CodecError::corrupt(
            FORMAT,
            format!(
                "empty render: window {}x{} into {width}x{height}",
                window.width, window.height
            ),
        ));
    }
    let doc = header::parse(bytes, limits)?;
    let (iw, ih) = header::size(&doc, limits)?;
    let jpegs = Arc::new(Mutex::new(JpegCache::default()));
    let options = options(limits, Arc::clone(&jpegs));
    let tree = guarded("usvg", || usvg::Tree::from_xmltree(&doc, &options))?
        .map_err(|e| CodecError::corrupt(FORMAT, format!("usvg: {e}")))?;
    drop(doc);
    if let Some(value) = jpegs.lock().ok().and_then(|c| c.exceeded) {
        return Err(CodecError::LimitExceeded {
            format: FORMAT,
            limit: LimitKind::MaxOutputPixels,
            value,
            max: limits.max_output_pixels,
        });
    }

    // Content units → intrinsic pixels (the probe rounds the size up) → the window's pixels.
    let size = tree.size();
    let kx = f64::from(iw) / f64::from(size.width());
    let ky = f64::from(ih) / f64::from(size.height());
    let sx = f64::from(width) / window.width;
    let sy = f64::from(height) / window.height;
    let transform = Transform::from_row(
        (kx * sx) as f32,
        0.0,
        0.0,
        (ky * sy) as f32,
        (-window.left * sx) as f32,
        (-window.top * sy) as f32,
    );

    let mut budget = Budget {
        canvas: (width, height),
        max_pixels: limits.max_output_pixels,
        max_nodes: limits.max_svg_nodes,
        nodes: 0,
        max_painted: limits.max_svg_render_pixels,
        painted: 0,
    };
    budget.group(tree.root(), transform, 0)?;

    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| CodecError::corrupt(FORMAT, format!("cannot render at {width}x{height}")))?;
    guarded("resvg", || {
        resvg::render(&tree, transform, &mut pixmap.as_mut())
    })?;

    let mut data = pixmap.take();
    for px in data.chunks_exact_mut(4) {
        let a = u16::from(px[3]);
        if a != 0 && a != 255 {
            for c in &mut px[..3] {
                *c = ((u16::from(*c) * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
    Image::from_vec(width, height, PixelLayout::Rgba8, data)
        .map_err(|e| CodecError::corrupt(FORMAT, e))
}

/// Runs a step of usvg or resvg, answering a panic inside it as [`CodecError::Corrupt`]:
/// both crates assert on some extreme documents (fuzzing finds them), and a caller of pixform
/// gets a value for every input, never a panic. This needs the default `panic = "unwind"`;
/// the checks before rendering (limits, [`Budget`]) refuse the cases known to reach them.
fn guarded<T>(step: &str, f: impl FnOnce() -> T) -> Result<T, CodecError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = panic_message(payload.as_ref());
        CodecError::corrupt(FORMAT, format!("{step} failed on this document: {message}"))
    })
}

/// usvg options: no resource directory, and an `<image>` resolver that loads nothing but
/// `data:` images (see [`data_image`]).
fn options(limits: &Limits, jpegs: Arc<Mutex<JpegCache>>) -> usvg::Options<'static> {
    let limits = limits.clone();
    usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(move |_: &str, data: Arc<Vec<u8>>, _: &usvg::Options| {
                data_image(data, &limits, &jpegs)
            }),
            // A path or URL: never loaded (the default resolver reads files).
            resolve_string: Box::new(|_: &str, _: &usvg::Options| None),
        },
        ..usvg::Options::default()
    }
}

/// Embedded JPEGs decoded by pixform for one document, once per distinct image.
#[derive(Default)]
struct JpegCache {
    /// SHA-1 of the JPEG bytes → the PNG resvg draws instead.
    done: Vec<([u8; 20], Arc<Vec<u8>>)>,
    /// Pixels decoded so far.
    pixels: u64,
    /// The total that went over [`Limits::max_output_pixels`], if one did.
    exceeded: Option<u64>,
}

/// A `data:` image, if it is a raster format pixform reads whose header passes the limits
/// and whose area fits the output limit (resvg decodes it without limits of its own). The
/// bytes decide the format, not the declared type (`text/plain` is common). JPEGs are decoded
/// here by pixform's decoder (resvg's, zune-jpeg, draws some valid files with wrong colours;
/// EXIF orientation applied, as browsers draw embedded images) and handed over as PNG, each
/// distinct one once, all of them together within [`Limits::max_output_pixels`].
fn data_image(
    data: Arc<Vec<u8>>,
    limits: &Limits,
    jpegs: &Mutex<JpegCache>,
) -> Option<usvg::ImageKind> {
    let info = crate::codec::probe(&data, limits).ok()?;
    let area = u64::from(info.stored_width) * u64::from(info.stored_height);
    if area > limits.max_output_pixels {
        return None;
    }
    match info.format {
        ImageFormat::Png => Some(usvg::ImageKind::PNG(data)),
        ImageFormat::Gif => Some(usvg::ImageKind::GIF(data)),
        ImageFormat::Webp => Some(usvg::ImageKind::WEBP(data)),
        ImageFormat::Jpeg => {
            let mut cache = jpegs.lock().ok()?;
            let key: [u8; 20] = Sha1::digest(data.as_slice()).into();
            if let Some((_, png)) = cache.done.iter().find(|(k, _)| *k == key) {
                return Some(usvg::ImageKind::PNG(Arc::clone(png)));
            }
            let total = cache.pixels.saturating_add(area);
            if total > limits.max_output_pixels {
                cache.exceeded = Some(total);
                return None;
            }
            cache.pixels = total;
            let decoded = crate::codec::decode(&data, limits, &DecodeOptions::default()).ok()?;
            let upright = decoded.orientation.apply_owned(decoded.image).ok()?;
            let png =
                crate::codec::encode(&upright, ImageFormat::Png, &EncodeOptions::default()).ok()?;
            let png = Arc::new(png);
            cache.done.push((key, Arc::clone(&png)));
            Some(usvg::ImageKind::PNG(png))
        }
        _ => None,
    }
}

/// The offscreen-buffer and node budget of one render (see the module docs).
struct Budget {
    canvas: (u32, u32),
    max_pixels: u64,
    max_nodes: u64,
    nodes: u64,
    max_painted: u64,
    painted: u64,
}

impl Budget {
    /// The area of `rect` within the canvas widened by `margin` canvas sides on every edge:
    /// resvg clips every layer with a margin of 2 (5× the canvas on each axis, centred on
    /// it); paint outside the canvas (margin 0) costs nothing.
    fn clipped_area(&self, rect: Option<tiny_skia::Rect>, margin: f64) -> u64 {
        let Some(r) = rect else { return 0 };
        let (w, h) = (f64::from(self.canvas.0), f64::from(self.canvas.1));
        let clip = |lo: f32, hi: f32, side: f64| {
            let lo = f64::from(lo).floor().max(-margin * side);
            let hi = f64::from(hi).ceil().min((1.0 + margin) * side);
            (hi - lo).max(0.0)
        };
        let area = clip(r.left(), r.right(), w) * clip(r.top(), r.bottom(), h);
        if area >= u64::MAX as f64 {
            u64::MAX
        } else {
            area as u64
        }
    }

    /// Refuses a shape whose device bounds reach past ±2^24 pixels: beyond that an `f32`
    /// coordinate is coarser than a pixel, and tiny-skia's edge stepping (16.16 fixed point
    /// after f32 maths) goes wrong (its debug assertions fire from about 10^9). No drawing
    /// of a 65 535-pixel canvas needs such coordinates; a file with them is answered 415.
    fn reachable(rect: Option<tiny_skia::Rect>) -> Result<(), CodecError> {
        const MAX: f32 = (1 << 24) as f32;
        let Some(r) = rect else { return Ok(()) };
        if [r.left(), r.top(), r.right(), r.bottom()]
            .iter()
            .all(|v| v.abs() <= MAX)
        {
            return Ok(());
        }
        Err(CodecError::unsupported(
            FORMAT,
            format!(
                "a shape spanning device pixels ({:.3e}, {:.3e})–({:.3e}, {:.3e}), beyond ±2^24",
                r.left(),
                r.top(),
                r.right(),
                r.bottom()
            ),
        ))
    }

    /// Refuses a blur whose standard deviation reaches past 2^30 device pixels: resvg sizes
    /// its blur boxes in `i32` (about 1.55 σ), which overflows from σ ≈ 1.38·10^9. Below that
    /// it renders, in time bounded by the buffers [`Budget`] measures.
    fn blurs(group: &usvg::Group, ts: Transform) -> Result<(), CodecError> {
        const MAX: f32 = (1 << 30) as f32;
        let (sx, sy) = ts.get_scale();
        for filter in group.filters() {
            for primitive in filter.primitives() {
                let (dx, dy) = match primitive.kind() {
                    usvg::filter::Kind::GaussianBlur(b) => (b.std_dev_x(), b.std_dev_y()),
                    usvg::filter::Kind::DropShadow(d) => (d.std_dev_x(), d.std_dev_y()),
                    _ => continue,
                };
                let (dx, dy) = (dx.get() * sx, dy.get() * sy);
                if !(dx <= MAX && dy <= MAX) {
                    return Err(CodecError::unsupported(
                        FORMAT,
                        format!(
                            "a blur of standard deviation {dx:.3e}×{dy:.3e} device pixels, beyond 2^30"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn over(&self, value: u64) -> CodecError {
        CodecError::LimitExceeded {
            format: FORMAT,
            limit: LimitKind::MaxOutputPixels,
            value,
            max: self.max_pixels,
        }
    }

    /// Counts pixels painted or buffered against [`Limits::max_svg_render_pixels`].
    fn work(&mut self, pixels: u64) -> Result<(), CodecError> {
        self.painted = self.painted.saturating_add(pixels);
        if self.painted > self.max_painted {
            return Err(CodecError::LimitExceeded {
                format: FORMAT,
                limit: LimitKind::MaxSvgRenderPixels,
                value: self.painted,
                max: self.max_painted,
            });
        }
        Ok(())
    }

    fn visit(&mut self) -> Result<(), CodecError> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(CodecError::LimitExceeded {
                format: FORMAT,
                limit: LimitKind::MaxSvgNodes,
                value: self.nodes,
                max: self.max_nodes,
            });
        }
        Ok(())
    }

    /// Checks `group` drawn with the parent's `ts`, with `live` offscreen pixels already
    /// allocated by its ancestors.
    fn group(&mut self, group: &usvg::Group, ts: Transform, live: u64) -> Result<(), CodecError> {
        self.visit()?;
        let ts = ts.pre_concat(group.transform());
        let mut live = live;
        if group.should_isolate() {
            Self::blurs(group, ts)?;
            let layer = self.clipped_area(group.layer_bounding_box().to_rect().transform(ts), 2.0);
            // The layer; a clip or mask buffer of its size; for filters, a copy of the
            // source and four buffers per primitive (its result, the copy of its input it
            // works on, and a blur's work buffer of 8 bytes per pixel).
            let primitives: u64 = group
                .filters()
                .iter()
                .map(|f| 1 + 4 * f.primitives().len() as u64)
                .sum();
            let masks = u64::from(group.clip_path().is_some()) + u64::from(group.mask().is_some());
            let cost = layer.saturating_mul(1 + primitives + masks);
            live = live.saturating_add(cost);
            if live > self.max_pixels {
                return Err(self.over(live));
            }
            self.work(cost)?;
            if let Some(clip) = group.clip_path() {
                self.group(clip.root(), ts.pre_concat(clip.transform()), live)?;
            }
            let mut mask = group.mask();
            while let Some(m) = mask {
                self.group(m.root(), ts, live)?;
                mask = m.mask();
            }
        }
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => self.group(g, ts, live)?,
                usvg::Node::Path(p) => {
                    self.visit()?;
                    let bounds = p.stroke_bounding_box().transform(ts);
                    Self::reachable(bounds)?;
                    self.work(self.clipped_area(bounds, 0.0))?;
                    let paints = p
                        .fill()
                        .map(|f| f.paint())
                        .into_iter()
                        .chain(p.stroke().map(|s| s.paint()));
                    for paint in paints {
                        if let usvg::Paint::Pattern(pattern) = paint {
                            self.pattern(pattern, ts, live)?;
                        }
                    }
                }
                usvg::Node::Image(image) => {
                    self.visit()?;
                    // resvg decodes an embedded image each time it draws it, at its own
                    // size, next to the buffers alive at that point.
                    let size = image.size();
                    let pixels = f64::from(size.width()).ceil() * f64::from(size.height()).ceil();
                    let decoded = if pixels < u64::MAX as f64 {
                        pixels as u64
                    } else {
                        u64::MAX
                    };
                    let alive = live.saturating_add(decoded);
                    if alive > self.max_pixels {
                        return Err(self.over(alive));
                    }
                    let bounds = image.bounding_box().transform(ts);
                    Self::reachable(bounds)?;
                    let drawn = self.clipped_area(bounds, 0.0);
                    self.work(decoded.saturating_add(drawn))?;
                }
                usvg::Node::Text(_) => self.visit()?,
            }
        }
        Ok(())
    }

    /// A pattern tile is rendered at the paint's device scale (resvg's
    /// `render_pattern_pixmap`), unclipped.
    fn pattern(
        &mut self,
        pattern: &usvg::Pattern,
        ts: Transform,
        live: u64,
    ) -> Result<(), CodecError> {
        let (sx, sy) = ts.pre_concat(pattern.transform()).get_scale();
        let rect = pattern.rect();
        let side = |v: f32, s: f32| f64::from(v) * f64::from(s);
        let area = side(rect.width(), sx).round() * side(rect.height(), sy).round();
        let area = if area.is_finite() && area < u64::MAX as f64 {
            area.max(0.0) as u64
        } else {
            u64::MAX
        };
        let live = live.saturating_add(area);
        if live > self.max_pixels {
            return Err(self.over(live));
        }
        self.work(area)?;
        self.group(pattern.root(), Transform::from_scale(sx, sy), live)
    }
}
