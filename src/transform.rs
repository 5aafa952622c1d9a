//! `transform`: image bytes and a [`TransformSpec`] in, encoded bytes and HTTP facts out.

use serde::Serialize;

use crate::codec::{self, EncodeOptions};
use crate::ops;
use crate::params::{Color, TransformSpec};
use crate::pipeline::{self, Workspace};
use crate::pixels::{Image, PixelLayout};
use crate::plan::{self, Plan, PlanOptions, SourceFacts};
use crate::{Error, ImageFormat, Limits};

/// Options of a transform that do not come from the query string.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TransformOptions {
    /// Resource limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// The formats the client accepts (from its `Accept` header), for `auto=format`.
    /// Default: none (so `auto=format` keeps `fm` or the source format).
    pub accept: Vec<ImageFormat>,
    /// The file name offered for `dl`/`dlRaw` when the query gives none, without extension.
    /// Default: `image`.
    pub download_name: Option<String>,
}

impl TransformOptions {
    /// Options with the given limits and accepted formats.
    pub fn new(limits: Limits, accept: Vec<ImageFormat>) -> Self {
        TransformOptions {
            limits,
            accept,
            download_name: None,
        }
    }

    /// The planning options of these options: what [`transform`] plans with.
    pub fn plan_options(&self) -> PlanOptions {
        PlanOptions::new(self.limits.clone(), self.accept.clone())
    }
}

/// Parses an HTTP `Accept` header value into the image formats it names that pixform writes
/// (`image/avif,image/webp,*/*` → AVIF, WebP). Wildcards name nothing, and neither do input-only
/// formats such as `image/tiff` ([`ImageFormat::can_encode`]).
pub fn accepted_formats(accept: &str) -> Vec<ImageFormat> {
    let mut out = Vec::new();
    for part in accept.split(',') {
        let mime = part.split(';').next().unwrap_or("").trim();
        let Some(format) = ImageFormat::from_mime_type(mime).filter(|f| f.can_encode()) else {
            continue;
        };
        if !out.contains(&format) {
            out.push(format);
        }
    }
    out
}

/// The result of a transform: the body and the response headers that go with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Output {
    /// The response body: encoded image, JSON facts (`fm=json`) or the original (`dlRaw`).
    pub bytes: Vec<u8>,
    /// The image format of the output (for `fm=json`: of the image it describes).
    pub format: ImageFormat,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Whether the encoded image has an alpha channel (for `fm=json`: the described image).
    pub has_alpha: bool,
    /// `Content-Type` header value.
    pub content_type: String,
    /// `Content-Disposition` header value, for `dl`/`dlRaw`.
    pub content_disposition: Option<String>,
    /// Whether the response depends on the `Accept` header (`Vary: Accept`), i.e.
    /// `auto=format` was asked for.
    pub vary_accept: bool,
}

/// JSON facts about an output (`fm=json`).
#[derive(Debug, Clone, Serialize)]
pub struct OutputFacts {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The format the image would be served in.
    pub format: ImageFormat,
    /// Its content type.
    pub content_type: &'static str,
    /// Its size in bytes, encoded.
    pub bytes: usize,
    /// Frames in the output: the source's when the output is an animation
    /// ([`Plan::animated`]), else 1.
    pub frames: u32,
    /// An animation's frame delays summed, in milliseconds; absent for a still.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// How many times an animation plays, 0 = forever; absent for a still.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_count: Option<u32>,
    /// Whether the output has an alpha channel.
    pub has_alpha: bool,
}

/// Transforms `input` (JPEG, PNG, WebP, GIF, TIFF or SVG bytes) as `spec` says.
///
/// The header is read and checked against the limits before anything else. The output is
/// what [`plan::plan`] says for the same source and [`TransformOptions::plan_options`]:
/// its size, format, alpha, content type and `Vary: Accept`.
pub fn transform(
    input: &[u8],
    spec: &TransformSpec,
    options: &TransformOptions,
) -> Result<Output, Error> {
    transform_in(input, spec, options, &mut Workspace::new())
}

/// Transforms many images one after another with the same options, reusing the large
/// buffers of one image for the next (batch runs, one per server worker thread).
///
/// [`transform`] allocates its full-size buffers afresh every call, and the kernel then
/// charges a page fault per 4 KiB touched; a `Transformer` keeps up to four of them
/// (the largest the last images needed) until it is dropped. Its output is the same as
/// [`transform`]'s for every input.
#[derive(Debug, Default)]
pub struct Transformer {
    options: TransformOptions,
    workspace: Workspace,
}

impl Transformer {
    /// A transformer with these options and no buffers yet.
    pub fn new(options: TransformOptions) -> Self {
        Transformer {
            options,
            workspace: Workspace::new(),
        }
    }

    /// The options every transform uses.
    pub fn options(&self) -> &TransformOptions {
        &self.options
    }

    /// Transforms `input` as `spec` says; the same as [`transform`] with this transformer's
    /// options.
    pub fn transform(&mut self, input: &[u8], spec: &TransformSpec) -> Result<Output, Error> {
        transform_in(input, spec, &self.options, &mut self.workspace)
    }

    /// Frees the buffers kept for the next image.
    pub fn release_buffers(&mut self) {
        self.workspace = Workspace::new();
    }
}

fn transform_in(
    input: &[u8],
    spec: &TransformSpec,
    options: &TransformOptions,
    ws: &mut Workspace,
) -> Result<Output, Error> {
    let limits = &options.limits;
    let info = codec::probe(input, limits)?;
    let facts = SourceFacts::from(&info);
    let plan = plan::plan(&facts, spec, &options.plan_options())?;
    let base_name = options.download_name.as_deref().unwrap_or("image");
    let format = plan.encoding.format;

    if plan.raw {
        // `dlRaw` downloads; an SVG served as it is stays inline unless `dl` asks otherwise.
        let content_disposition = spec
            .download_raw
            .as_deref()
            .or(spec.download.as_deref())
            .map(|name| content_disposition(name, base_name, format));
        return Ok(Output {
            bytes: input.to_vec(),
            format,
            width: plan.response_size().0,
            height: plan.response_size().1,
            has_alpha: plan.has_alpha,
            content_type: plan.content_type.to_owned(),
            content_disposition,
            vary_accept: plan.vary_accept,
        });
    }

    let (encoded, width, height, has_alpha, animation) = if plan.animated() {
        let anim = pipeline::render_animation(input, &info, &plan, limits, ws, planned_layout)?;
        let facts = (anim.frames, anim.duration_ms, anim.loop_count);
        (
            anim.bytes,
            plan.width,
            plan.height,
            anim.has_alpha,
            Some(facts),
        )
    } else {
        let rendered = pipeline::render_with(input, &info, &plan, limits, ws)?;
        let image = planned_layout(rendered.image, &plan)?;
        let encoded = codec::encode_pooled(
            &image,
            format,
            &EncodeOptions {
                quality: plan.encoding.quality,
                progressive: plan.encoding.progressive,
                icc_profile: rendered.icc_profile,
            },
            &mut ws.pool,
        )?;
        let (width, height, has_alpha) =
            (image.width(), image.height(), image.layout().has_alpha());
        ws.pool.give(image.into_vec());
        (encoded, width, height, has_alpha, None)
    };

    let content_disposition = spec
        .download
        .as_deref()
        .map(|name| content_disposition(name, base_name, format));
    let bytes = if plan.encoding.json {
        let facts = OutputFacts {
            width,
            height,
            format,
            content_type: format.mime_type(),
            bytes: encoded.len(),
            frames: animation.map_or(1, |a| a.0),
            duration_ms: animation.map(|a| a.1),
            loop_count: animation.map(|a| a.2),
            has_alpha,
        };
        serde_json::to_vec(&facts).map_err(|e| {
            Error::Codec(codec::CodecError::Internal {
                format,
                detail: format!("serializing output facts: {e}"),
            })
        })?
    } else {
        encoded
    };
    Ok(Output {
        bytes,
        format,
        width,
        height,
        has_alpha,
        content_type: plan.content_type.to_owned(),
        content_disposition,
        vary_accept: plan.vary_accept,
    })
}

/// The rendered image in the layout the plan gives the encoder: RGBA exactly when the output
/// has alpha. What is still transparent without it is composited onto white (an opaque `bg`
/// has filled it already at the canvas step).
fn planned_layout(image: Image, plan: &Plan) -> Result<Image, Error> {
    Ok(match (plan.has_alpha, image.layout()) {
        (false, PixelLayout::Rgba8) => {
            let matte = if plan.background.is_opaque() {
                plan.background
            } else {
                Color::WHITE
            };
            ops::flatten(&image, [matte.r, matte.g, matte.b])?
        }
        (true, PixelLayout::Rgb8) => ops::to_rgba(&image)?,
        _ => image,
    })
}

/// `attachment; filename="…"; filename*=UTF-8''…` for a download name from the query: an
/// empty name or `true` (what the Sanity client sends for a download without a name) gives
/// `<default>.<ext>`, any other name goes to [`attachment_disposition`].
pub(crate) fn content_disposition(name: &str, default: &str, format: ImageFormat) -> String {
    match name.trim() {
        "" | "true" => attachment_disposition(&format!("{default}.{}", format.extension())),
        n => attachment_disposition(n),
    }
}

/// The `Content-Disposition` value that downloads a file under `file_name`:
/// `attachment; filename="…"`, plus RFC 6266's `filename*=UTF-8''…` when the name is not
/// ASCII. The quoted form drops anything that could break the header or name a path (control
/// characters, quotes, backslashes, slashes) and replaces other non-ASCII characters with `_`;
/// the `filename*` form carries the cleaned name in full, percent-encoded.
///
/// ```
/// assert_eq!(pixform::attachment_disposition("a/b.pdf"), "attachment; filename=\"ab.pdf\"");
/// assert_eq!(
///     pixform::attachment_disposition("café.png"),
///     "attachment; filename=\"caf_.png\"; filename*=UTF-8''caf%C3%A9.png"
/// );
/// ```
pub fn attachment_disposition(file_name: &str) -> String {
    let cleaned: String = file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/'))
        .collect();
    let ascii: String = cleaned
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut header = format!("attachment; filename=\"{ascii}\"");
    if ascii != cleaned {
        let encoded = crate::params::encode_component(&cleaned);
        header.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    header
}
