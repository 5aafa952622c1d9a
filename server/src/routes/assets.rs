//! The Sanity Assets API: `POST /v{X}/assets/images/{dataset}` and `…/files/{dataset}`.

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use bytes::Bytes;
use pixform::analyze::{analyze, AnalyzeError, AnalyzeOptions, AssetDocument, MetadataKind};
use serde_json::{json, Value};

use crate::auth;
use crate::db::{AssetRow, Role};
use crate::document::document;
use crate::error::{ApiError, ApiResult};
use crate::sanity;
use crate::state::AppState;
use crate::time::{now_ms, rfc3339_of_ms};

/// Which endpoint received the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// Images only.
    Images,
    /// Any bytes, stored as a file asset.
    Files,
    /// Images as image assets, anything else as a file asset (the Prismic Asset API).
    Any,
}

/// `POST /v{X}/assets/images/{dataset}` (also under `/v{X}/projects/{id}/`).
pub async fn upload_image(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    upload(state, Endpoint::Images, params, query, headers, body).await
}

/// `POST /v{X}/assets/files/{dataset}` (also under `/v{X}/projects/{id}/`).
pub async fn upload_file(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    upload(state, Endpoint::Files, params, query, headers, body).await
}

/// The query options of an upload.
#[derive(Debug, Default)]
pub(crate) struct UploadQuery {
    pub(crate) filename: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) credit_line: Option<String>,
    pub(crate) alt_text: Option<String>,
    pub(crate) source_name: Option<String>,
    pub(crate) source_id: Option<String>,
    pub(crate) source_url: Option<String>,
    pub(crate) meta: Option<BTreeSet<MetadataKind>>,
}

fn parse_query(query: Option<&str>) -> ApiResult<UploadQuery> {
    let mut q = UploadQuery::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = value.into_owned();
        let slot = match &*key {
            "filename" => &mut q.filename,
            "title" => &mut q.title,
            "description" => &mut q.description,
            "label" => &mut q.label,
            "creditLine" => &mut q.credit_line,
            "sourceName" => &mut q.source_name,
            "sourceId" => &mut q.source_id,
            "sourceUrl" => &mut q.source_url,
            "meta" => {
                let set = q.meta.get_or_insert_with(BTreeSet::new);
                for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match item {
                        // Dimensions, alpha and opacity are always there; `none` asks for
                        // nothing more.
                        "image" | "none" => {}
                        other => {
                            let kind = other.parse::<MetadataKind>().map_err(|_| {
                                ApiError::bad_request(format!(
                                    "meta: expected palette, lqip, blurhash, exif, location, \
                                     image or none, got {other:?}"
                                ))
                            })?;
                            set.insert(kind);
                        }
                    }
                }
                continue;
            }
            // `tag` names the request for Sanity's logs; unknown keys are ignored as there.
            _ => continue,
        };
        *slot = Some(value).filter(|v| !v.is_empty());
    }
    if q.source_name.is_none() && (q.source_id.is_some() || q.source_url.is_some()) {
        return Err(ApiError::bad_request(
            "sourceId and sourceUrl need sourceName (the external source's name)",
        ));
    }
    Ok(q)
}

/// What analysis found, before anything is stored.
struct Analysed {
    document: AssetDocument,
    facts: Option<pixform::codec::SourceInfo>,
}

async fn upload(
    state: AppState,
    endpoint: Endpoint,
    params: HashMap<String, String>,
    query: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    sanity::check_version(params.get("version").map_or("", String::as_str))?;
    let project =
        sanity::project(&state, params.get("project").map(String::as_str), &headers).await?;
    let dataset_name = params.get("dataset").map_or("", String::as_str);
    auth::require(&state, &headers, &project, Role::Editor).await?;
    let dataset = sanity::dataset(&state, &project, dataset_name).await?;
    let q = parse_query(query.as_deref())?;

    let _slot = state.upload_slot()?;
    let bytes = crate::upload::read_capped(&headers, body, state.config().max_upload_bytes).await?;
    // Nothing to describe or serve: refused on both endpoints rather than stored as an empty
    // file (the images endpoint would otherwise answer "not an image").
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "Empty upload: the request body has no bytes",
        ));
    }
    let row = store(
        &state,
        &project,
        &dataset.name,
        endpoint,
        &q,
        &headers,
        bytes,
    )
    .await?;
    Ok(Json(
        json!({ "document": document(&row, state.public_base()) }),
    ))
}

/// Analyses and stores an upload's bytes in `dataset`; the stored row, or the row that
/// already holds these bytes.
pub(crate) async fn store(
    state: &AppState,
    project: &str,
    dataset: &str,
    endpoint: Endpoint,
    q: &UploadQuery,
    headers: &HeaderMap,
    bytes: Bytes,
) -> ApiResult<AssetRow> {
    state.metrics().upload_bytes.inc_by(bytes.len() as u64);

    let mut options = AnalyzeOptions::default();
    if let Some(meta) = &q.meta {
        options.metadata = meta.clone();
    }
    options.original_filename = q.filename.clone();
    options.as_file = endpoint == Endpoint::Files;
    options.limits = state.limits().clone();
    let analysed = {
        let bytes = bytes.clone();
        state
            .pool()
            .run(move || -> Result<Analysed, AnalyzeError> {
                let document = analyze(&bytes, &options)?;
                let facts = match &document {
                    AssetDocument::Image(_) => pixform::codec::probe(&bytes, &options.limits).ok(),
                    AssetDocument::File(_) => None,
                };
                Ok(Analysed { document, facts })
            })
            .await?
            .map_err(upload_error)?
    };
    if endpoint == Endpoint::Images && matches!(analysed.document, AssetDocument::File(_)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Not an image: the images endpoint takes JPEG, PNG, WebP, GIF, TIFF or SVG bytes; \
             send other files to /assets/files",
        ));
    }

    let kind = match analysed.document {
        AssetDocument::Image(_) => "image",
        AssetDocument::File(_) => "file",
    };
    let sha1 = analysed.document.sha1hash().to_owned();
    if let Some(existing) = state
        .db()
        .asset_by_content(project, dataset, kind, &sha1)
        .await?
    {
        return Ok(existing);
    }
    let row = new_row(project, dataset, q, headers, analysed)?;
    // The blob first: a crash before the row commits leaves an invisible blob for `gc`,
    // never a row without its bytes.
    state.blobs().put(&sha1, Bytes::clone(&bytes)).await?;
    state.db().insert_asset(&row).await?;
    let stored = state
        .db()
        .asset_by_content(project, dataset, kind, &sha1)
        .await?
        .ok_or_else(|| ApiError::internal("asset insert", "row missing after insert"))?;
    tracing::info!(project, dataset, id = %stored.id, size = stored.size, "asset stored");
    Ok(stored)
}

fn upload_error(e: AnalyzeError) -> ApiError {
    match e.http_status() {
        // A corrupt or empty image is bad input, like any other undecodable upload.
        422 => ApiError::bad_request(format!("Invalid image: {e}")),
        415 => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported image: {e}"),
        ),
        status => ApiError::from_engine(status, e),
    }
}

fn new_row(
    project: &str,
    dataset: &str,
    q: &UploadQuery,
    headers: &HeaderMap,
    analysed: Analysed,
) -> ApiResult<AssetRow> {
    let ms = now_ms();
    let at = rfc3339_of_ms(ms);
    let mut row = AssetRow {
        project_id: project.to_owned(),
        dataset: dataset.to_owned(),
        id: analysed.document.id().to_owned(),
        kind: String::new(),
        sha1: analysed.document.sha1hash().to_owned(),
        extension: String::new(),
        mime_type: String::new(),
        size: 0,
        width: 0,
        height: 0,
        has_alpha: 0,
        frames: 0,
        format: None,
        original_filename: q.filename.clone(),
        title: q.title.clone(),
        description: q.description.clone(),
        label: q.label.clone(),
        credit_line: q.credit_line.clone(),
        alt_text: q.alt_text.clone(),
        source_name: q.source_name.clone(),
        source_id: q.source_id.clone(),
        source_url: q.source_url.clone(),
        metadata: None,
        rev: crate::auth::random_hex(11),
        created_at: at.clone(),
        updated_at: at,
        created_ms: ms,
    };
    match analysed.document {
        AssetDocument::Image(image) => {
            let facts = analysed
                .facts
                .ok_or_else(|| ApiError::bad_request("Invalid image: the header cannot be read"))?;
            row.kind = "image".into();
            row.extension = image.extension;
            row.mime_type = image.mime_type;
            row.size = i64::try_from(image.size).unwrap_or(i64::MAX);
            row.width = i64::from(image.metadata.dimensions.width);
            row.height = i64::from(image.metadata.dimensions.height);
            row.has_alpha = i64::from(facts.has_alpha);
            row.frames = i64::from(facts.frames);
            row.format = Some(facts.format.extension().to_owned());
            row.metadata = Some(
                serde_json::to_string(&image.metadata)
                    .map_err(|e| ApiError::internal("metadata encoding", e))?,
            );
        }
        AssetDocument::File(file) => {
            row.kind = "file".into();
            row.extension = file.extension;
            row.mime_type = declared_type(headers).unwrap_or(file.mime_type);
            row.size = i64::try_from(file.size).unwrap_or(i64::MAX);
        }
    }
    Ok(row)
}

/// The declared `Content-Type` of a file upload, when it says more than "some bytes".
fn declared_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = value.split(';').next()?.trim().to_ascii_lowercase();
    let generic = mime.is_empty()
        || mime == "application/octet-stream"
        || mime == "application/x-www-form-urlencoded"
        || !mime.contains('/');
    (!generic).then_some(mime)
}
