//! The Prismic Asset API: `GET|POST /assets`, `PATCH|DELETE /assets/{id}`.
//!
//! The `repository` header names the project; its assets are those of the `production`
//! dataset, the same rows the Sanity routes and the CDN serve. Prismic's `notes`, `credits`
//! and `alt` are the Sanity document's `description`, `creditLine` and `altText`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use crate::auth;
use crate::db::{AssetRow, Role};
use crate::document::cdn_path;
use crate::error::{ApiError, ApiResult};
use crate::routes::assets::{self, Endpoint, UploadQuery};
use crate::state::AppState;
use crate::time::{now_ms, rfc3339_of_ms};

/// The dataset a repository's assets live in.
const DATASET: &str = "production";
/// Longest `notes`, `credits` or `alt`, in characters.
const MAX_TEXT_CHARS: usize = 500;
/// Page size without `limit`.
const DEFAULT_LIMIT: i64 = 50;
/// Largest `limit`.
const MAX_LIMIT: i64 = 100;
/// The editable text fields, by their Prismic names.
const TEXT_FIELDS: [&str; 3] = ["notes", "credits", "alt"];

/// The routes of the Prismic Asset API, with a rate limit of `rps` requests per second per
/// repository.
pub fn routes(rps: f64) -> Router<AppState> {
    Router::new()
        .route("/assets", get(list).post(upload))
        .route("/assets/{id}", patch(update).delete(remove))
        .layer(Extension(Arc::new(RateLimit::new(rps))))
}

/// The per-repository rate: `rps` requests a second, in bursts of at most `max(rps, 1)`,
/// so a burst never exceeds one second's worth. The state lives in the database, so every
/// instance sharing it shares each repository's budget.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    rps: f64,
    interval_us: i64,
    burst_us: i64,
}

impl RateLimit {
    /// A limit of `rps` requests per second per repository (non-positive: 1).
    pub fn new(rps: f64) -> RateLimit {
        let rps = if rps.is_finite() && rps > 0.0 {
            rps
        } else {
            1.0
        };
        // Whole microseconds: a rate above a million a second is as good as none.
        let interval = (1e6 / rps).round().max(1.0);
        let burst = (rps.max(1.0) - 1.0) * interval;
        RateLimit {
            rps,
            interval_us: interval.min(1e15) as i64,
            burst_us: burst.min(1e15) as i64,
        }
    }

    /// Takes the repository's next slot, or 429 with the whole seconds until one is free.
    async fn take(&self, state: &AppState, repository: &str) -> ApiResult<()> {
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let Some(wait_us) = state
            .db()
            .take_rate(repository, now_us, self.interval_us, self.burst_us)
            .await?
        else {
            return Ok(());
        };
        let seconds = u64::try_from((wait_us.saturating_add(999_999) / 1_000_000).clamp(1, 3600))
            .unwrap_or(1);
        Err(ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Rate limit: {} requests per second for repository {repository:?}; retry \
                     after {seconds} s",
                    self.rps
                ),
            )
        })
    }
}

/// The repository of the request (it must exist), checked for `role` and the rate limit.
async fn admit(
    state: &AppState,
    limit: &RateLimit,
    headers: &HeaderMap,
    role: Role,
) -> ApiResult<String> {
    let repository = crate::sanity::header_text(headers, crate::sanity::REPOSITORY_HEADER)
        .ok_or_else(|| {
            ApiError::bad_request("Header repository is required: the repository (project) ID")
        })?;
    if !state.db().project_exists(repository).await? {
        return Err(ApiError::not_found(format!(
            "Repository {repository:?} not found"
        )));
    }
    auth::require(state, headers, repository, role).await?;
    limit.take(state, repository).await?;
    crate::sanity::dataset(state, repository, DATASET).await?;
    Ok(repository.to_owned())
}

/// The asset JSON of the Prismic Asset API.
fn asset_json(row: &AssetRow, base: &str) -> Value {
    let image = row.kind == "image";
    // `_updatedAt` keeps whole seconds; an asset never edited has its exact creation time.
    let last_modified = if row.updated_at == row.created_at {
        Some(row.created_ms)
    } else {
        None
    };
    let last_modified = last_modified
        .or_else(|| {
            time::OffsetDateTime::parse(
                &row.updated_at,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
            .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
        })
        .unwrap_or(row.created_ms);
    let filename = row
        .original_filename
        .clone()
        .unwrap_or_else(|| format!("{}.{}", row.sha1, row.extension));
    json!({
        "id": row.id,
        "url": format!("{base}/{}", cdn_path(row)),
        "filename": filename,
        "size": row.size,
        "width": if image { json!(row.width) } else { Value::Null },
        "height": if image { json!(row.height) } else { Value::Null },
        "last_modified": last_modified,
        "kind": row.kind,
        "extension": row.extension,
        "notes": row.description,
        "credits": row.credit_line,
        "alt": row.alt_text,
        "created_at": row.created_ms,
    })
}

/// The cursor of the row a page ends with: opaque to clients.
fn cursor_of(row: &AssetRow) -> String {
    format!("{}_{}", row.created_ms, row.id)
}

fn parse_cursor(text: &str) -> ApiResult<(i64, &str)> {
    text.split_once('_')
        .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id)))
        .filter(|(_, id)| !id.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "cursor {text:?}: expected the cursor of a previous page"
            ))
        })
}

/// `GET /assets?assetType&limit&cursor&keyword`: `{"items", "total", "cursor"}`, newest
/// first.
pub async fn list(
    State(state): State<AppState>,
    Extension(limit): Extension<Arc<RateLimit>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let repository = admit(&state, &limit, &headers, Role::Viewer).await?;
    let kind = match query.get("assetType").map(String::as_str) {
        None | Some("all") | Some("") => None,
        Some("image") => Some("image"),
        Some("file") => Some("file"),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "assetType {other:?}: expected all, image or file"
            )))
        }
    };
    let size = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "limit {text:?}: expected an integer from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let before = match query.get("cursor").map(String::as_str) {
        None | Some("") => None,
        Some(text) => Some(parse_cursor(text)?),
    };
    let keyword = query
        .get("keyword")
        .map(String::as_str)
        .filter(|k| !k.is_empty());
    // One row more than asked tells whether another page follows.
    let (mut rows, total) = state
        .db()
        .asset_page(&repository, DATASET, kind, keyword, before, size + 1)
        .await?;
    let more = rows.len() as i64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(0));
    let cursor = if more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    let base = state.public_base();
    let items: Vec<Value> = rows.iter().map(|r| asset_json(r, base)).collect();
    Ok(Json(
        json!({ "items": items, "total": total, "cursor": cursor }),
    ))
}

/// A text field's value: a string of at most 500 characters (empty clears it).
fn text_value(name: &str, value: &str) -> ApiResult<Option<String>> {
    let chars = value.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!(
            "{name}: at most {MAX_TEXT_CHARS} characters, got {chars}"
        )));
    }
    Ok(Some(value.to_owned()).filter(|v| !v.is_empty()))
}

/// `POST /assets`: `multipart/form-data` with one file part and optional `notes`, `credits`
/// and `alt` parts.
pub async fn upload(
    State(state): State<AppState>,
    Extension(limit): Extension<Arc<RateLimit>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let repository = admit(&state, &limit, &headers, Role::Editor).await?;
    let boundary = boundary(&headers)?;
    let _slot = state.upload_slot()?;
    let bytes = crate::upload::read_capped(&headers, body, state.config().max_upload_bytes).await?;
    let parts = multipart(bytes, boundary).await?;
    let mut file: Option<Part> = None;
    let mut texts: HashMap<&'static str, Option<String>> = HashMap::new();
    for part in parts {
        if part.filename.is_some() || part.name == "file" {
            if file.is_some() {
                return Err(ApiError::bad_request(
                    "Multipart body: expected exactly one file part, got more",
                ));
            }
            file = Some(part);
            continue;
        }
        let Some(name) = TEXT_FIELDS.iter().find(|f| **f == part.name) else {
            return Err(ApiError::bad_request(format!(
                "Multipart field {:?}: expected file, notes, credits or alt",
                part.name
            )));
        };
        let text = std::str::from_utf8(&part.data).map_err(|_| {
            ApiError::bad_request(format!("Multipart field {name:?} is not UTF-8 text"))
        })?;
        texts.insert(name, text_value(name, text)?);
    }
    let file = file.ok_or_else(|| {
        ApiError::bad_request("Multipart body: expected exactly one file part, got none")
    })?;
    if file.data.is_empty() {
        return Err(ApiError::bad_request(
            "Empty upload: the file part has no bytes",
        ));
    }
    let q = UploadQuery {
        filename: file.filename.clone().filter(|f| !f.is_empty()),
        description: texts.get("notes").cloned().flatten(),
        credit_line: texts.get("credits").cloned().flatten(),
        alt_text: texts.get("alt").cloned().flatten(),
        ..UploadQuery::default()
    };
    let mut part_headers = HeaderMap::new();
    if let Some(value) = file
        .content_type
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        part_headers.insert(header::CONTENT_TYPE, value);
    }
    let mut row = assets::store(
        &state,
        &repository,
        DATASET,
        Endpoint::Any,
        &q,
        &part_headers,
        file.data,
    )
    .await?;
    // The same bytes again answer the existing asset; the metadata sent with them still
    // applies, as a PATCH would.
    if !texts.is_empty() {
        let (d, c, a) = merged_text(&row, &texts);
        if (&d, &c, &a) != (&row.description, &row.credit_line, &row.alt_text) {
            row = set_text(&state, &repository, &row.id, d, c, a).await?;
        }
    }
    Ok(Json(asset_json(&row, state.public_base())))
}

/// The row's description, credit line and alt text after `changes` (by their Prismic names
/// `notes`, `credits`, `alt`; a field not named keeps its value).
fn merged_text(
    row: &AssetRow,
    changes: &HashMap<&str, Option<String>>,
) -> (Option<String>, Option<String>, Option<String>) {
    let pick = |name: &str, old: &Option<String>| match changes.get(name) {
        Some(new) => new.clone(),
        None => old.clone(),
    };
    (
        pick("notes", &row.description),
        pick("credits", &row.credit_line),
        pick("alt", &row.alt_text),
    )
}

async fn set_text(
    state: &AppState,
    repository: &str,
    id: &str,
    description: Option<String>,
    credit_line: Option<String>,
    alt_text: Option<String>,
) -> ApiResult<AssetRow> {
    state
        .db()
        .update_asset_text(
            repository,
            DATASET,
            id,
            description.as_deref(),
            credit_line.as_deref(),
            alt_text.as_deref(),
            &auth::random_hex(11),
            &rfc3339_of_ms(now_ms()),
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Asset {id:?} not found")))
}

/// `PATCH /assets/{id}`: JSON with any of `notes`, `credits`, `alt` (a string, or null to
/// clear).
pub async fn update(
    State(state): State<AppState>,
    Extension(limit): Extension<Arc<RateLimit>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let repository = admit(&state, &limit, &headers, Role::Editor).await?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("Body is not JSON: {e}")))?;
    let fields: &Map<String, Value> = parsed.as_object().ok_or_else(|| {
        ApiError::bad_request("Body: expected a JSON object with notes, credits or alt")
    })?;
    let mut changes: HashMap<&str, Option<String>> = HashMap::new();
    for (key, value) in fields {
        let Some(name) = TEXT_FIELDS.iter().find(|f| **f == key) else {
            return Err(ApiError::bad_request(format!(
                "Unknown field {key:?}: expected notes, credits or alt"
            )));
        };
        let text = match value {
            Value::String(s) => text_value(name, s)?,
            Value::Null => None,
            other => {
                return Err(ApiError::bad_request(format!(
                    "{name}: expected a string or null, got {other}"
                )))
            }
        };
        changes.insert(name, text);
    }
    let row = state
        .db()
        .asset(&repository, DATASET, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Asset {id:?} not found")))?;
    if changes.is_empty() {
        return Ok(Json(asset_json(&row, state.public_base())));
    }
    let (d, c, a) = merged_text(&row, &changes);
    let updated = set_text(&state, &repository, &id, d, c, a).await?;
    Ok(Json(asset_json(&updated, state.public_base())))
}

/// `DELETE /assets/{id}`: 204; the asset is gone from every API and the CDN.
pub async fn remove(
    State(state): State<AppState>,
    Extension(limit): Extension<Arc<RateLimit>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let repository = admit(&state, &limit, &headers, Role::Editor).await?;
    let row = state
        .db()
        .delete_asset(&repository, DATASET, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Asset {id:?} not found")))?;
    state.forget_asset(&row).await;
    tracing::info!(repository, id = %row.id, "asset deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One part of a multipart body.
#[derive(Debug)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

/// The boundary of a `multipart/form-data` request: 415 for another Content-Type, 400 for
/// one without a boundary.
fn boundary(headers: &HeaderMap) -> ApiResult<String> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    multer::parse_boundary(value).map_err(|e| match e {
        multer::Error::NoBoundary => {
            ApiError::bad_request("Content-Type multipart/form-data has no boundary parameter")
        }
        _ => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {value:?}: expected multipart/form-data"),
        ),
    })
}

/// The parts of a multipart body (RFC 7578), read from a body already held in memory under
/// the upload cap.
async fn multipart(body: Bytes, boundary: String) -> ApiResult<Vec<Part>> {
    let bad = |e: multer::Error| ApiError::bad_request(format!("Multipart body: {e}"));
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut body = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = body.next_field().await.map_err(bad)? {
        let name = field
            .name()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::bad_request("Multipart body: a part has no name"))?;
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.map_err(bad)?;
        parts.push(Part {
            name,
            filename,
            content_type,
            data,
        });
    }
    Ok(parts)
}
