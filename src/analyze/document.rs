//! The asset documents, shaped as the Sanity Assets API returns them.
//!
//! Every Sanity object type carries a `_type` field; the structs below emit it through
//! `#[serde(tag = "_type")]`, so a value serializes to exactly the API's JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The document the Assets API answers an upload with: `sanity.imageAsset` for images,
/// `sanity.fileAsset` for any other file.
// One document is built per upload, so the size gap between the variants costs nothing;
// boxing would only make matching on them clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "_type")]
pub enum AssetDocument {
    /// An image (`_type: "sanity.imageAsset"`).
    #[serde(rename = "sanity.imageAsset")]
    Image(ImageAsset),
    /// Any other file (`_type: "sanity.fileAsset"`).
    #[serde(rename = "sanity.fileAsset")]
    File(FileAsset),
}

impl AssetDocument {
    /// The document ID (`image-<sha1>-<W>x<H>-<ext>` or `file-<sha1>-<ext>`).
    pub fn id(&self) -> &str {
        match self {
            AssetDocument::Image(a) => &a.id,
            AssetDocument::File(a) => &a.id,
        }
    }

    /// The SHA-1 of the bytes, lowercase hex.
    pub fn sha1hash(&self) -> &str {
        match self {
            AssetDocument::Image(a) => &a.sha1hash,
            AssetDocument::File(a) => &a.sha1hash,
        }
    }
}

/// A `sanity.imageAsset` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAsset {
    /// `image-<sha1>-<W>x<H>-<ext>`, with the oriented size.
    #[serde(rename = "_id")]
    pub id: String,
    /// The SHA-1 of the bytes (the asset's name part).
    pub asset_id: String,
    /// The SHA-1 of the bytes, lowercase hex.
    pub sha1hash: String,
    /// File extension of the format (`jpg`, `png`, `webp`, `gif`).
    pub extension: String,
    /// Media type of the format (`image/jpeg`, …).
    pub mime_type: String,
    /// Size of the file, in bytes.
    pub size: u64,
    /// The uploaded file's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_filename: Option<String>,
    /// `images/<project>/<dataset>/<sha1>-<W>x<H>.<ext>`, when project and dataset are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The CDN URL: the base URL followed by `/` and the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Facts about the pixels.
    pub metadata: ImageMetadata,
}

/// A `sanity.fileAsset` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileAsset {
    /// `file-<sha1>-<ext>`.
    #[serde(rename = "_id")]
    pub id: String,
    /// The SHA-1 of the bytes (the asset's name part).
    pub asset_id: String,
    /// The SHA-1 of the bytes, lowercase hex.
    pub sha1hash: String,
    /// Extension from the original filename, lowercased; `bin` when there is none.
    pub extension: String,
    /// Media type from the magic bytes, else from the extension, else
    /// `application/octet-stream`.
    pub mime_type: String,
    /// Size of the file, in bytes.
    pub size: u64,
    /// The uploaded file's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_filename: Option<String>,
    /// `files/<project>/<dataset>/<sha1>.<ext>`, when project and dataset are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The CDN URL: the base URL followed by `/` and the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `sanity.imageMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "_type",
    rename = "sanity.imageMetadata",
    rename_all = "camelCase"
)]
pub struct ImageMetadata {
    /// The oriented size.
    pub dimensions: Dimensions,
    /// Whether the file has an alpha channel (a PNG `tRNS` chunk counts).
    pub has_alpha: bool,
    /// Whether every pixel is fully opaque (always true without an alpha channel).
    pub is_opaque: bool,
    /// The low-quality placeholder: a `data:image/jpeg;base64,…` URL (PNG when the file has
    /// alpha), 20 pixels wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lqip: Option<String>,
    /// The Wolt BlurHash of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blur_hash: Option<String>,
    /// The colour palette.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub palette: Option<Palette>,
    /// Selected EXIF tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif: Option<ExifMetadata>,
    /// The GPS position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoPoint>,
}

/// `sanity.imageDimensions`: the oriented size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "_type",
    rename = "sanity.imageDimensions",
    rename_all = "camelCase"
)]
pub struct Dimensions {
    /// Oriented width, in pixels.
    pub width: u32,
    /// Oriented height, in pixels.
    pub height: u32,
    /// `width / height`.
    pub aspect_ratio: f64,
}

impl Dimensions {
    /// Dimensions of a `width`×`height` image (the aspect ratio is 0 for a zero height).
    pub fn new(width: u32, height: u32) -> Self {
        let aspect_ratio = if height == 0 {
            0.0
        } else {
            f64::from(width) / f64::from(height)
        };
        Dimensions {
            width,
            height,
            aspect_ratio,
        }
    }
}

/// `sanity.imagePalette`: Vibrant-style swatches. A swatch the image has no colour for is
/// left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(
    tag = "_type",
    rename = "sanity.imagePalette",
    rename_all = "camelCase"
)]
pub struct Palette {
    /// The most populous quantized colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dominant: Option<Swatch>,
    /// Saturated, medium luma.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vibrant: Option<Swatch>,
    /// Saturated, dark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_vibrant: Option<Swatch>,
    /// Saturated, light.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_vibrant: Option<Swatch>,
    /// Desaturated, medium luma.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<Swatch>,
    /// Desaturated, dark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_muted: Option<Swatch>,
    /// Desaturated, light.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_muted: Option<Swatch>,
}

/// `sanity.imagePaletteSwatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "_type", rename = "sanity.imagePaletteSwatch")]
pub struct Swatch {
    /// The colour, `#rrggbb`.
    pub background: String,
    /// Body-text colour readable on the background: `#fff` or `#000`.
    pub foreground: String,
    /// Title-text colour readable on the background: `#fff` or `#000`.
    pub title: String,
    /// Share of the sampled pixels in this colour, in percent with two decimals; 0 for a
    /// swatch derived from another one.
    pub population: f64,
}

/// `sanity.imageExifMetadata`: EXIF tags by their EXIF names (`FNumber`, `ISO`,
/// `DateTimeOriginal`, …). Rationals are numbers, dates are ISO 8601 strings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "_type", rename = "sanity.imageExifMetadata")]
pub struct ExifMetadata {
    /// The tags.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// `geopoint`: a GPS position in degrees (WGS 84) and metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "_type", rename = "geopoint")]
pub struct GeoPoint {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lng: f64,
    /// Altitude above sea level, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<f64>,
}
