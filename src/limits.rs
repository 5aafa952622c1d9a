//! Resource limits, checked from headers and query strings before any work is done.
//!
//! Every size that comes from an input (a header, a query) is compared with these limits
//! before a buffer of that size is allocated, so a tiny hostile file cannot make pixform
//! allocate gigabytes.

use std::fmt;

/// Resource limits for parsing, planning, decoding and encoding.
///
/// `Limits::default()` is meant for a public image server; [`Limits::none`] lifts every limit
/// that can be lifted (the hard format limits of the codecs remain).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted input file, in bytes. Default: 64 MiB.
    pub max_input_bytes: u64,
    /// Largest source width, in pixels. Default: 65 535.
    pub max_source_width: u32,
    /// Largest source height, in pixels. Default: 65 535.
    pub max_source_height: u32,
    /// Largest source area, in pixels (sharp's default). Default: 268 402 689 (16 383²).
    pub max_source_pixels: u64,
    /// Largest output side, after `dpr` and `pad`. Default: 8192.
    pub max_output_side: u32,
    /// Largest output area, in pixels. Default: 67 108 864 (8192²).
    pub max_output_pixels: u64,
    /// Most frames an animated source may declare. Default: 1000.
    pub max_frames: u32,
    /// Largest sum of frame areas of an animated source, in pixels. Default: 268 402 689.
    pub max_total_frame_pixels: u64,
    /// Largest decode budget of an animated source: frames × canvas area, in pixels, checked
    /// from the header before any frame is decoded. Every frame is composed onto a whole
    /// canvas, so this bounds the work of decoding an animation however small its frames
    /// are; an animated output's frames × output area is held to it too (every frame is
    /// resized and encoded). Still images are not counted against it. Default: 268 402 689 (16 383², the
    /// area sharp allows the page-stacked image of an animation).
    pub max_animation_pixels: u64,
    /// Longest accepted query string, in bytes (before percent-decoding). Default: 8192.
    pub max_query_bytes: usize,
    /// Most `key=value` pairs in one query string. Default: 64.
    pub max_params: usize,
    /// Largest metadata block (ICC profile, EXIF, the values of one TIFF tag such as a strip
    /// table) read from a source, in bytes. Default: 4 MiB.
    pub max_metadata_bytes: usize,
    /// Most XML nodes of an SVG source, counted with every `use` reference expanded (a `use`
    /// of a group counts that group's nodes again), before anything is rendered. Default:
    /// 100 000.
    pub max_svg_nodes: u64,
    /// Deepest element nesting of an SVG source (`use` references included); never more than
    /// 1024 whatever this says, as usvg and resvg walk the tree recursively. Default: 256.
    pub max_svg_depth: u32,
    /// Most pixels one SVG render may paint and buffer: the sum of every path's bounding box
    /// on the output canvas and every offscreen buffer (filters, masks, clip paths, group
    /// opacity, pattern tiles), measured on the usvg tree before rendering. It bounds the
    /// rendering time as [`Limits::max_output_pixels`] bounds its memory. Default:
    /// 1 073 741 824 (16 × 8192²).
    pub max_svg_render_pixels: u64,
}

/// The default value of [`Limits::max_source_pixels`]: 16 383 × 16 383, as sharp.
pub const DEFAULT_MAX_SOURCE_PIXELS: u64 = 268_402_689;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 * 1024 * 1024,
            max_source_width: 65_535,
            max_source_height: 65_535,
            max_source_pixels: DEFAULT_MAX_SOURCE_PIXELS,
            max_output_side: 8192,
            max_output_pixels: 8192 * 8192,
            max_frames: 1000,
            max_total_frame_pixels: DEFAULT_MAX_SOURCE_PIXELS,
            max_animation_pixels: DEFAULT_MAX_SOURCE_PIXELS,
            max_query_bytes: 8192,
            max_params: 64,
            max_metadata_bytes: 4 * 1024 * 1024,
            max_svg_nodes: 100_000,
            max_svg_depth: 256,
            max_svg_render_pixels: 1 << 30,
        }
    }
}

impl Limits {
    /// No limits beyond what the types and formats themselves impose. The output side stays
    /// capped at 8192 (a rule of the URL dialect, not a resource limit).
    pub fn none() -> Self {
        Limits {
            max_input_bytes: u64::MAX,
            max_source_width: u32::MAX,
            max_source_height: u32::MAX,
            max_source_pixels: u64::MAX,
            max_output_side: 8192,
            max_output_pixels: u64::MAX,
            max_frames: u32::MAX,
            max_total_frame_pixels: u64::MAX,
            max_animation_pixels: u64::MAX,
            max_query_bytes: usize::MAX,
            max_params: usize::MAX,
            max_metadata_bytes: usize::MAX,
            max_svg_nodes: u64::MAX,
            max_svg_depth: u32::MAX,
            max_svg_render_pixels: u64::MAX,
        }
    }
}

/// Which of the [`Limits`] a value went beyond. Displays as the field's name
/// (`max_source_width`, …), which is what error messages print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// [`Limits::max_input_bytes`].
    MaxInputBytes,
    /// [`Limits::max_source_width`].
    MaxSourceWidth,
    /// [`Limits::max_source_height`].
    MaxSourceHeight,
    /// [`Limits::max_source_pixels`].
    MaxSourcePixels,
    /// [`Limits::max_output_side`].
    MaxOutputSide,
    /// [`Limits::max_output_pixels`].
    MaxOutputPixels,
    /// [`Limits::max_frames`].
    MaxFrames,
    /// [`Limits::max_total_frame_pixels`].
    MaxTotalFramePixels,
    /// [`Limits::max_animation_pixels`].
    MaxAnimationPixels,
    /// [`Limits::max_query_bytes`].
    MaxQueryBytes,
    /// [`Limits::max_params`].
    MaxParams,
    /// [`Limits::max_metadata_bytes`].
    MaxMetadataBytes,
    /// [`Limits::max_svg_nodes`].
    MaxSvgNodes,
    /// [`Limits::max_svg_depth`].
    MaxSvgDepth,
    /// [`Limits::max_svg_render_pixels`].
    MaxSvgRenderPixels,
}

impl LimitKind {
    /// The name of the [`Limits`] field.
    pub fn name(self) -> &'static str {
        match self {
            LimitKind::MaxInputBytes => "max_input_bytes",
            LimitKind::MaxSourceWidth => "max_source_width",
            LimitKind::MaxSourceHeight => "max_source_height",
            LimitKind::MaxSourcePixels => "max_source_pixels",
            LimitKind::MaxOutputSide => "max_output_side",
            LimitKind::MaxOutputPixels => "max_output_pixels",
            LimitKind::MaxFrames => "max_frames",
            LimitKind::MaxTotalFramePixels => "max_total_frame_pixels",
            LimitKind::MaxAnimationPixels => "max_animation_pixels",
            LimitKind::MaxQueryBytes => "max_query_bytes",
            LimitKind::MaxParams => "max_params",
            LimitKind::MaxMetadataBytes => "max_metadata_bytes",
            LimitKind::MaxSvgNodes => "max_svg_nodes",
            LimitKind::MaxSvgDepth => "max_svg_depth",
            LimitKind::MaxSvgRenderPixels => "max_svg_render_pixels",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value beyond one of the [`Limits`]; each layer wraps it in its own error with its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitExceeded {
    pub(crate) limit: LimitKind,
    pub(crate) value: u64,
    pub(crate) max: u64,
}

impl Limits {
    /// Checks a source's *oriented* size (what every later stage sees), the area of its largest
    /// frame and its frame count against the source limits: width, height, area, largest
    /// frame, then frames. A decoder holds a whole frame before placing it on the canvas, so a
    /// frame larger than the canvas (GIF, WebP ANMF) costs its own area; callers that know no
    /// frame sizes pass the canvas area. Zero sides are the caller's concern (each layer
    /// reports them as corrupt or empty).
    pub(crate) fn check_source(
        &self,
        width: u32,
        height: u32,
        largest_frame_pixels: u64,
        frames: u32,
    ) -> Result<(), LimitExceeded> {
        let checks = [
            (
                LimitKind::MaxSourceWidth,
                u64::from(width),
                u64::from(self.max_source_width),
            ),
            (
                LimitKind::MaxSourceHeight,
                u64::from(height),
                u64::from(self.max_source_height),
            ),
            (
                LimitKind::MaxSourcePixels,
                u64::from(width) * u64::from(height),
                self.max_source_pixels,
            ),
            (
                LimitKind::MaxSourcePixels,
                largest_frame_pixels,
                self.max_source_pixels,
            ),
            (
                LimitKind::MaxFrames,
                u64::from(frames),
                u64::from(self.max_frames),
            ),
        ];
        match checks.into_iter().find(|(_, value, max)| value > max) {
            Some((limit, value, max)) => Err(LimitExceeded { limit, value, max }),
            None => Ok(()),
        }
    }

    /// Checks an animation's decode budget, frames × canvas area, against
    /// [`Limits::max_animation_pixels`]; a single frame is never counted against it.
    pub(crate) fn check_animation(
        &self,
        width: u32,
        height: u32,
        frames: u32,
    ) -> Result<(), LimitExceeded> {
        if frames <= 1 {
            return Ok(());
        }
        let value = u64::from(frames).saturating_mul(u64::from(width) * u64::from(height));
        if value > self.max_animation_pixels {
            return Err(LimitExceeded {
                limit: LimitKind::MaxAnimationPixels,
                value,
                max: self.max_animation_pixels,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_checks_name_the_first_limit_exceeded() {
        let limits = Limits {
            max_source_width: 100,
            max_source_height: 50,
            max_source_pixels: 4000,
            max_frames: 3,
            ..Limits::default()
        };
        let over = |limit, value, max| Err(LimitExceeded { limit, value, max });
        let cases = [
            ((100, 40, 4000, 3), Ok(())),
            ((101, 1, 101, 1), over(LimitKind::MaxSourceWidth, 101, 100)),
            ((1, 51, 51, 1), over(LimitKind::MaxSourceHeight, 51, 50)),
            (
                (100, 41, 4100, 1),
                over(LimitKind::MaxSourcePixels, 4100, 4000),
            ),
            (
                (1, 1, 4001, 1),
                over(LimitKind::MaxSourcePixels, 4001, 4000),
            ),
            ((10, 10, 100, 4), over(LimitKind::MaxFrames, 4, 3)),
            (
                (10, 10, 4001, 4),
                over(LimitKind::MaxSourcePixels, 4001, 4000),
            ),
            (
                (101, 51, 9999, 9),
                over(LimitKind::MaxSourceWidth, 101, 100),
            ),
        ];
        for ((w, h, largest, frames), want) in cases {
            assert_eq!(
                limits.check_source(w, h, largest, frames),
                want,
                "{w}x{h}, largest frame {largest}, {frames} frames"
            );
        }
    }

    #[test]
    fn the_animation_budget_counts_every_frame_on_the_whole_canvas() {
        let limits = Limits {
            max_animation_pixels: 9000,
            ..Limits::default()
        };
        let over = |value| {
            Err(LimitExceeded {
                limit: LimitKind::MaxAnimationPixels,
                value,
                max: 9000,
            })
        };
        let cases = [
            ((100, 30, 3), Ok(())),
            ((100, 31, 3), over(9300)),
            ((1, 1, 9001), over(9001)),
            (
                (65_535, 65_535, u32::MAX),
                over(65_535 * 65_535 * u64::from(u32::MAX)),
            ),
            // A still is never counted against the animation budget.
            ((100, 400, 1), Ok(())),
        ];
        for ((w, h, frames), want) in cases {
            assert_eq!(
                limits.check_animation(w, h, frames),
                want,
                "{w}x{h}x{frames}"
            );
        }
    }

    #[test]
    fn limit_kinds_display_as_field_names() {
        let cases = [
            (LimitKind::MaxInputBytes, "max_input_bytes"),
            (LimitKind::MaxSourcePixels, "max_source_pixels"),
            (LimitKind::MaxOutputSide, "max_output_side"),
            (LimitKind::MaxTotalFramePixels, "max_total_frame_pixels"),
            (LimitKind::MaxAnimationPixels, "max_animation_pixels"),
            (LimitKind::MaxMetadataBytes, "max_metadata_bytes"),
        ];
        for (kind, name) in cases {
            assert_eq!(kind.to_string(), name);
        }
    }
}
