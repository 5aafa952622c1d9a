//! Asset analysis: the document the Sanity Assets API creates for uploaded bytes.
//!
//! [`analyze`] hashes the bytes (SHA-1 names the asset), reads the image header for the
//! oriented size and alpha, decodes a small preview (at most 256 pixels on the long side)
//! and computes from it the metadata the API reports: an LQIP, a BlurHash and a Vibrant-style
//! palette, plus EXIF and GPS location on request. Bytes that are not an image give a
//! `sanity.fileAsset` document.
//!
//! ```
//! use pixform::analyze::{analyze, AnalyzeOptions, AssetDocument};
//!
//! let doc = analyze(b"%PDF-1.7 ...", &AnalyzeOptions::default()).unwrap();
//! assert_eq!(doc.id(), "file-dd3b70a948017b90bb3cb0e9ede545e27fb1f4a0-bin");
//! assert!(matches!(doc, AssetDocument::File(_)));
//! ```

mod blur_hash;
mod document;
mod error;
mod exif;
mod file_type;
mod lqip;
mod mmcq;
mod options;
mod palette;
mod source;

use sha1::{Digest, Sha1};

pub use blur_hash::blurhash;
pub use document::{
    AssetDocument, Dimensions, ExifMetadata, FileAsset, GeoPoint, ImageAsset, ImageMetadata,
    Palette, Swatch,
};
pub use error::AnalyzeError;
pub use lqip::{lqip, LQIP_WIDTH};
pub use options::{AnalyzeOptions, MetadataKind, UnknownMetadataKind};
pub use palette::palette;

use file_type::{extension_of, mime_for_extension, mime_for_unrecognised, sniff, Sniffed};

/// Longest side of the preview the LQIP, BlurHash and palette are computed from.
pub const PREVIEW_SIDE: u32 = 256;

/// Analyses uploaded bytes as the Sanity Assets API does.
///
/// An image (JPEG, PNG, WebP, GIF, TIFF, SVG, AVIF, HEIC; recognised by its magic bytes, not its
/// name) gives a
/// `sanity.imageAsset` whose ID, path and dimensions use the EXIF-oriented size; anything else
/// gives a `sanity.fileAsset`. A file's `mimeType` comes from its bytes: the name's extension
/// is its `extension`, and gives the type only when pixform knows no signature for that type
/// (`notes.txt` is `text/plain`, but a text file named `photo.jpg` is
/// `application/octet-stream`, never `image/jpeg`).
///
/// Errors: the input or the declared source exceeds `opts.limits`, the image is corrupt, or
/// it is an image pixform cannot decode: BMP, or AVIF/HEIC in a build without the
/// `avif-decode`/`heic` feature ([`AnalyzeError::UnsupportedFeature`], 415, naming the
/// feature). Pass `as_file` to describe such bytes as a file.
pub fn analyze(bytes: &[u8], opts: &AnalyzeOptions) -> Result<AssetDocument, AnalyzeError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > opts.limits.max_input_bytes {
        return Err(AnalyzeError::InputTooLarge {
            size,
            max: opts.limits.max_input_bytes,
        });
    }
    let sha1 = format!("{:x}", Sha1::digest(bytes));
    let sniffed = sniff(bytes);
    if opts.as_file {
        return Ok(AssetDocument::File(file_asset(sha1, size, sniffed, opts)));
    }
    match sniffed {
        Sniffed::Image(format) => {
            let src = source::load(bytes, format, &opts.limits, PREVIEW_SIDE)?;
            let (w, h) = (src.width, src.height);
            let ext = format.extension();
            let name = format!("{sha1}-{w}x{h}");
            let path = asset_path(opts, "images", &format!("{name}.{ext}"));
            let exif = if opts.wants(MetadataKind::Exif) || opts.wants(MetadataKind::Location) {
                exif::read(bytes)
            } else {
                None
            };
            let metadata = ImageMetadata {
                dimensions: Dimensions::new(w, h),
                has_alpha: src.has_alpha,
                is_opaque: src.is_opaque,
                lqip: opts
                    .wants(MetadataKind::Lqip)
                    .then(|| lqip::lqip_for_size(&src.preview, w, h))
                    .transpose()?,
                blur_hash: opts
                    .wants(MetadataKind::BlurHash)
                    .then(|| blur_hash::blurhash_for_size(&src.preview, w, h))
                    .transpose()?,
                palette: opts
                    .wants(MetadataKind::Palette)
                    .then(|| palette(&src.preview)),
                exif: exif
                    .as_ref()
                    .filter(|_| opts.wants(MetadataKind::Exif))
                    .map(exif::exif_metadata),
                location: exif
                    .as_ref()
                    .filter(|_| opts.wants(MetadataKind::Location))
                    .and_then(exif::location),
            };
            Ok(AssetDocument::Image(ImageAsset {
                id: format!("image-{name}-{ext}"),
                asset_id: sha1.clone(),
                sha1hash: sha1,
                extension: ext.to_owned(),
                mime_type: format.mime_type().to_owned(),
                size,
                original_filename: opts.original_filename.clone(),
                url: path.as_ref().map(|p| asset_url(opts, p)),
                path,
                metadata,
            }))
        }
        Sniffed::UnsupportedImage(format) => Err(AnalyzeError::UnsupportedFormat { format }),
        Sniffed::Other(_) | Sniffed::Unknown => {
            Ok(AssetDocument::File(file_asset(sha1, size, sniffed, opts)))
        }
    }
}

fn file_asset(sha1: String, size: u64, sniffed: Sniffed, opts: &AnalyzeOptions) -> FileAsset {
    let ext = opts
        .original_filename
        .as_deref()
        .and_then(extension_of)
        .unwrap_or_else(|| "bin".to_owned());
    let mime = match sniffed {
        Sniffed::Image(format) => Some(format.mime_type()),
        Sniffed::UnsupportedImage(ext) => mime_for_extension(ext),
        Sniffed::Other(mime) => Some(mime),
        Sniffed::Unknown => None,
    }
    .or_else(|| mime_for_unrecognised(&ext))
    .unwrap_or("application/octet-stream");
    let path = asset_path(opts, "files", &format!("{sha1}.{ext}"));
    FileAsset {
        id: format!("file-{sha1}-{ext}"),
        asset_id: sha1.clone(),
        sha1hash: sha1,
        extension: ext,
        mime_type: mime.to_owned(),
        size,
        original_filename: opts.original_filename.clone(),
        url: path.as_ref().map(|p| asset_url(opts, p)),
        path,
    }
}

/// `<kind>/<project>/<dataset>/<file>` when both project and dataset are set.
fn asset_path(opts: &AnalyzeOptions, kind: &str, file: &str) -> Option<String> {
    let project = opts.project_id.as_deref()?;
    let dataset = opts.dataset.as_deref()?;
    Some(format!("{kind}/{project}/{dataset}/{file}"))
}

fn asset_url(opts: &AnalyzeOptions, path: &str) -> String {
    let base = opts
        .base_url
        .as_deref()
        .unwrap_or(crate::url::DEFAULT_BASE_URL);
    format!("{}/{path}", base.trim_end_matches('/'))
}
