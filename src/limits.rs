//! Resource limits, checked from headers and query strings before any work is done.
//!
//! Every size that comes from an input (a header, a query) is compared with these limits
//! before a buffer of that size is allocated, so a tiny hostile file cannot make pixform
//! allocate gigabytes.

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
    /// Longest accepted query string, in bytes (before percent-decoding). Default: 8192.
    pub max_query_bytes: usize,
    /// Most `key=value` pairs in one query string. Default: 64.
    pub max_params: usize,
    /// Largest metadata block (ICC profile, EXIF) read from a source, in bytes. Default: 4 MiB.
    pub max_metadata_bytes: usize,
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
            max_query_bytes: 8192,
            max_params: 64,
            max_metadata_bytes: 4 * 1024 * 1024,
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
            max_query_bytes: usize::MAX,
            max_params: usize::MAX,
            max_metadata_bytes: usize::MAX,
        }
    }
}
