//! What an analysis computes and how the document is addressed.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::limits::Limits;

/// One optional part of the image metadata, as named by the Assets API's `meta` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MetadataKind {
    /// `palette`: Vibrant-style colour swatches.
    Palette,
    /// `lqip`: a tiny base64 data-URL placeholder.
    Lqip,
    /// `blurhash`: a Wolt BlurHash string.
    BlurHash,
    /// `exif`: a subset of the EXIF tags.
    Exif,
    /// `location`: the GPS position, when the file has one.
    Location,
}

impl MetadataKind {
    /// Every kind, in the order the names are documented.
    pub const ALL: [MetadataKind; 5] = [
        MetadataKind::Palette,
        MetadataKind::Lqip,
        MetadataKind::BlurHash,
        MetadataKind::Exif,
        MetadataKind::Location,
    ];

    /// The name used by the Assets API's `meta` option (`palette`, `lqip`, `blurhash`, `exif`,
    /// `location`).
    pub fn name(self) -> &'static str {
        match self {
            MetadataKind::Palette => "palette",
            MetadataKind::Lqip => "lqip",
            MetadataKind::BlurHash => "blurhash",
            MetadataKind::Exif => "exif",
            MetadataKind::Location => "location",
        }
    }

    /// The set the Assets API computes when `meta` is not given: palette, LQIP and BlurHash.
    pub fn default_set() -> BTreeSet<MetadataKind> {
        [
            MetadataKind::Palette,
            MetadataKind::Lqip,
            MetadataKind::BlurHash,
        ]
        .into_iter()
        .collect()
    }

    /// Parses a comma-separated list such as `palette,exif` (empty items are skipped).
    pub fn parse_list(list: &str) -> Result<BTreeSet<MetadataKind>, UnknownMetadataKind> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }
}

impl fmt::Display for MetadataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `meta` name that is not one of [`MetadataKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMetadataKind(pub String);

impl fmt::Display for UnknownMetadataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "meta: expected palette, lqip, blurhash, exif or location, got \"{}\"",
            self.0
        )
    }
}

impl std::error::Error for UnknownMetadataKind {}

impl FromStr for MetadataKind {
    type Err = UnknownMetadataKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MetadataKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownMetadataKind(s.to_owned()))
    }
}

/// Options of [`analyze`](crate::analyze::analyze).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnalyzeOptions {
    /// Which optional metadata to compute (dimensions, `hasAlpha` and `isOpaque` are always
    /// there). Default: palette, LQIP and BlurHash, as the Assets API.
    pub metadata: BTreeSet<MetadataKind>,
    /// The uploaded file's name, reported as `originalFilename`; a file document takes its
    /// extension from it. Default: none.
    pub original_filename: Option<String>,
    /// Project ID for `path` and `url` (both need the dataset too). Default: none.
    pub project_id: Option<String>,
    /// Dataset for `path` and `url`. Default: none.
    pub dataset: Option<String>,
    /// Origin of `url`. Default: `https://cdn.sanity.io`.
    pub base_url: Option<String>,
    /// Describe the bytes as a plain file (`sanity.fileAsset`) even when they are an image,
    /// as the files endpoint does. Default: false.
    pub as_file: bool,
    /// Input and source-size limits, checked before decoding. Default: `Limits::default()`.
    pub limits: Limits,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            metadata: MetadataKind::default_set(),
            original_filename: None,
            project_id: None,
            dataset: None,
            base_url: None,
            as_file: false,
            limits: Limits::default(),
        }
    }
}

impl AnalyzeOptions {
    /// Whether `kind` is to be computed.
    pub fn wants(&self, kind: MetadataKind) -> bool {
        self.metadata.contains(&kind)
    }
}
