//! pixform: an image-URL transform engine.
//!
//! The spec is the image-URL query string of the Sanity image pipeline (the imgix dialect,
//! `w=800&h=600&fit=crop&fm=webp`): it parses into a validated [`TransformSpec`], [`plan`]
//! fixes the geometry from the source's header alone, and the pipeline decodes, crops,
//! resizes, applies effects and encodes. [`transform()`] runs it all on one image; a
//! [`Transformer`] runs many in a row, reusing their large buffers. [`url`] builds, parses
//! and signs image URLs like `@sanity/image-url`; [`AssetId`] parses asset IDs;
//! [`analyze::analyze`] builds the Assets API document of an upload.
//!
//! # Where things are
//!
//! Every public item has exactly one path. The crate root holds what most callers need:
//! [`transform()`], [`Transformer`], [`TransformOptions`], [`Output`], [`TransformSpec`],
//! [`AssetId`], [`ImageFormat`], [`Limits`], [`Error`], the pixel buffer [`Image`] and
//! [`render()`] (the pixels of a plan, before encoding). Each public module is one subject:
//!
//! * [`params`]: the value types of the query parameters, the [`params::registry`] of keys and
//!   words, and [`params::ParamError`].
//! * [`plan`]: planning from header facts ([`plan::plan`], [`plan::Plan`]).
//! * [`codec`]: probing, decoding and encoding image bytes.
//! * [`ops`]: the pure pixel operations (resize, crop, orientation, canvas, effects).
//! * [`url`]: building, parsing and signing image URLs.
//! * [`analyze`]: the Assets API document of an upload.
//!
//! Inside, the modules form layers that only import downwards: `transform` → `pipeline` →
//! `error` → `analyze` → `plan` → `codec` → `ops` → `url` → `params`/`asset` →
//! `pixels`/`limits`/`format` (`tests/layering.rs` states why and checks it).
//!
//! Decisions where the dialect says nothing (also in the README):
//!
//! * Geometry: `dpr` acts only with `w`/`h`; `min-*`/`max-*` only with `fit=crop`; with `pad`
//!   and a box the image gets the box less `2·pad`; only the output is capped at 8192 px.
//! * `auto=format` picks AVIF, then WebP, from the accepted formats, and never JPEG for a
//!   result with alpha; an opaque `bg` makes the result opaque, so JPEG stays possible.
//! * JPEG shrink-on-load decodes at the largest DCT scale 1/d that keeps the target
//!   resolution, halved when the Lanczos3 resize after it would reduce by less than
//!   (d+1)/d: the scaled decode alone filters worse (libvips makes the same choice).
//! * WebP is encoded with libwebp method 4, as sharp does by default: faster methods give
//!   larger files that score lower SSIM at the same `q` (`src/codec/encode/webp.rs`).
//! * JPEG output is baseline 4:2:0 with optimized Huffman tables (progressive with
//!   `fm=pjpg`), like sharp's `optimiseCoding`.
//! * Animations (GIF, animated WebP, APNG) stay animated whenever the output format can
//!   carry one: GIF, WebP, and PNG, which becomes an APNG (imgix has no APNG output and
//!   serves the first frame there; `frame=1` gives that still). Every frame goes through the
//!   same plan and keeps its delay; the plays are kept. JPEG and AVIF outputs, and `frame=1`,
//!   are the first frame; `auto=format` skips AVIF when that keeps an animation animated. An animated GIF with
//!   transparency stays a GIF without `fm` (a still from it becomes PNG, as before). The work
//!   is bounded from the header: [`Limits::max_animation_pixels`] caps frames × source canvas
//!   and frames × output area. Frames are composed one at a time and written as they are
//!   rendered, so memory is one canvas plus the output, not every frame. A source ICC profile
//!   is not applied to animation frames (they are taken as sRGB); `cs=origin` writes sRGB.
//! * TIFF is read (first page), never written: without `fm` a TIFF source is served as JPEG,
//!   or as PNG when it has alpha ([`ImageFormat::can_encode`]).
//! * SVG is rasterised by resvg straight at the output size (the crop window and the resize
//!   are the renderer's transform), PNG without `fm`; with no parameter but `dl`, `dlRaw` or
//!   `auto` its bytes are served as they are (`image/svg+xml`). Text is not drawn (the build
//!   loads no fonts); only `data:` raster images are drawn, no file or URL is ever read. The
//!   limits: [`Limits::max_svg_nodes`] (with `use` expanded), [`Limits::max_svg_depth`],
//!   every offscreen buffer of a render within [`Limits::max_output_pixels`], and all pixels
//!   painted and buffered within [`Limits::max_svg_render_pixels`].
//!
//! Formats (the README's "Formats" table has the details): JPEG, PNG, WebP and GIF in and out,
//! AVIF out (feature `avif`), TIFF and SVG in (always built, pure Rust). AVIF and HEIC
//! headers are read in every build (size, orientation, alpha; probing and planning work);
//! their pixels are not decoded yet, which answers 415 naming the decoder's feature.
//!
//! Cargo features (Default: `cli`, `avif`): `cli` builds the `pixform` tool, `avif` the AVIF
//! encoder, `parallel` runs the tool's batches on every core, `turbojpeg` codes JPEG with
//! libjpeg-turbo (needs cmake and nasm), `webp-sse41` builds libwebp's SSE4.1 kernels (the
//! binary then needs an SSE4.1 CPU), and `fast` is the fastest build: both of the last two.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub mod analyze;
mod asset;
pub mod codec;
mod error;
mod format;
mod limits;
pub mod ops;
pub mod params;
mod pipeline;
mod pixels;
pub mod plan;
mod transform;
pub mod url;

pub use asset::{AssetError, AssetId, AssetKind};
pub use error::Error;
pub use format::ImageFormat;
pub use limits::{LimitKind, Limits, DEFAULT_MAX_SOURCE_PIXELS};
pub use params::spec::TransformSpec;
pub use pipeline::{render, render_decoded, Rendered};
pub use pixels::{BufferPool, BufferSizeError, Image, PixelLayout};
pub use transform::{
    accepted_formats, attachment_disposition, transform, Output, OutputFacts, TransformOptions,
    Transformer,
};

/// The README's Rust examples, compiled by `cargo test` so they stay true to the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
