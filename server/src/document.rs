//! Asset rows as Sanity asset documents.

use serde_json::{json, Map, Value};

use crate::db::AssetRow;

/// The CDN path of an asset: `images/{p}/{d}/{sha1}-{W}x{H}.{ext}` or
/// `files/{p}/{d}/{sha1}.{ext}`.
pub fn cdn_path(row: &AssetRow) -> String {
    if row.kind == "image" {
        format!(
            "images/{}/{}/{}-{}x{}.{}",
            row.project_id, row.dataset, row.sha1, row.width, row.height, row.extension
        )
    } else {
        format!(
            "files/{}/{}/{}.{}",
            row.project_id, row.dataset, row.sha1, row.extension
        )
    }
}

/// The `sanity.imageAsset` / `sanity.fileAsset` document of a row; `url` under `base`.
pub fn document(row: &AssetRow, base: &str) -> Value {
    let path = cdn_path(row);
    let mut doc = Map::new();
    let type_name = if row.kind == "image" {
        "sanity.imageAsset"
    } else {
        "sanity.fileAsset"
    };
    doc.insert("_id".into(), json!(row.id));
    doc.insert("_type".into(), json!(type_name));
    doc.insert("_rev".into(), json!(row.rev));
    doc.insert("_createdAt".into(), json!(row.created_at));
    doc.insert("_updatedAt".into(), json!(row.updated_at));
    doc.insert("assetId".into(), json!(row.sha1));
    doc.insert("sha1hash".into(), json!(row.sha1));
    doc.insert("extension".into(), json!(row.extension));
    doc.insert("mimeType".into(), json!(row.mime_type));
    doc.insert("size".into(), json!(row.size));
    doc.insert("path".into(), json!(path));
    doc.insert("url".into(), json!(format!("{base}/{path}")));
    let optional = [
        ("originalFilename", &row.original_filename),
        ("title", &row.title),
        ("description", &row.description),
        ("label", &row.label),
        ("creditLine", &row.credit_line),
        ("altText", &row.alt_text),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            doc.insert(name.into(), json!(v));
        }
    }
    if row.source_name.is_some() || row.source_id.is_some() || row.source_url.is_some() {
        let mut source = Map::new();
        for (name, value) in [
            ("name", &row.source_name),
            ("id", &row.source_id),
            ("url", &row.source_url),
        ] {
            if let Some(v) = value {
                source.insert(name.into(), json!(v));
            }
        }
        doc.insert("source".into(), Value::Object(source));
    }
    if let Some(metadata) = row
        .metadata
        .as_deref()
        .and_then(|m| serde_json::from_str::<Value>(m).ok())
    {
        doc.insert("metadata".into(), metadata);
    }
    Value::Object(doc)
}
