//! The CDN: `/images/{project}/{dataset}/{sha1}-{W}x{H}.{ext}[/{vanity}]?{query}` and
//! `/files/{project}/{dataset}/{sha1}.{ext}[/{vanity}]`.
//!
//! The response identity (ETag) comes from the engine's plan before any pixel work, so a
//! revalidation (`If-None-Match`, `If-Modified-Since`) answers 304 without reading the blob.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::ObjectStoreExt;
use pixform::plan::{PlanOptions, SourceFacts};
use pixform::url::{UrlError, SIGNING_KEYS};
use pixform::{ImageFormat, TransformOptions, TransformSpec};
use sha1::{Digest, Sha1};

use crate::auth;
use crate::cache::{CacheKey, Rendered};
use crate::db::{AclMode, AssetRow, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CdnAsset};
use crate::store::Blobs;
use crate::time::system_time_of_ms;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The `Content-Security-Policy` of SVG answers (originals and `dlRaw`).
const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
/// The `max-age` of [`IMMUTABLE`]: the longest an answer may be kept.
const MAX_AGE_SECONDS: i64 = 31_536_000;
// Token-authorized answers must not be shared by caches, and a revoked token must stop
// working: no freshness at all.
const PRIVATE: &str = "private, max-age=0";
/// The `Cache-Control` of an `--avif-fallback` answer: fresh long enough for a page view, short
/// enough that the client asks again once the AVIF is in the cache.
const FALLBACK: &str = "public, max-age=60";

fn not_found(what: &str) -> ApiError {
    ApiError::not_found(format!("{what} not found"))
}

/// `GET|HEAD /images/…`.
pub async fn image(
    State(state): State<AppState>,
    method: Method,
    Path(params): Path<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (project, dataset, file) = parts(&params);
    let id = image_id(file).ok_or_else(|| not_found("Image"))?;
    let asset = state
        .cdn_asset(project, dataset, &id)
        .await?
        .ok_or_else(|| not_found("Image"))?;
    let access = authorize(&state, &headers, &uri, &asset).await?;
    let row = &asset.row;
    let limits = state.limits().clone();
    let query = without_signing_params(uri.query().unwrap_or(""));
    let spec = TransformSpec::from_query_with_limits(&query, &limits)
        .map_err(|e| ApiError::from_engine(e.http_status(), e))?;
    if spec.canonical_pairs().is_empty() {
        return original(
            &state,
            &method,
            &headers,
            &access,
            &asset,
            &row.mime_type,
            None,
        )
        .await;
    }
    let format = row
        .format
        .as_deref()
        .and_then(ImageFormat::from_extension)
        .ok_or_else(|| not_found("Image"))?;
    let facts = SourceFacts {
        width: u32::try_from(row.width).unwrap_or(0),
        height: u32::try_from(row.height).unwrap_or(0),
        has_alpha: row.has_alpha != 0,
        frames: u32::try_from(row.frames).unwrap_or(1).max(1),
        format,
    };
    let mut accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(pixform::accepted_formats)
        .unwrap_or_default();
    let plan_for = |accept: &[ImageFormat]| {
        pixform::plan::plan(
            &facts,
            &spec,
            &PlanOptions::new(limits.clone(), accept.to_vec()),
        )
        .map_err(|e| ApiError::from_engine(e.http_status(), e))
    };
    let mut plan = plan_for(&accept)?;
    let mut key = CacheKey {
        project: row.project_id.clone(),
        dataset: row.dataset.clone(),
        sha1: row.sha1.clone(),
        variant: variant_of(&row.sha1, &plan.cache_key),
    };
    let mut meta = ResponseMeta {
        etag: format!("\"{}\"", key.variant),
        last_modified: system_time_of_ms(row.created_ms),
        access,
        vary_accept: plan.vary_accept,
        short_lived: false,
    };
    if let Some(not_modified) = meta.not_modified(&headers) {
        return Ok(not_modified);
    }
    let download_name = row
        .original_filename
        .as_deref()
        .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_owned())
        .filter(|n| !n.is_empty());
    let options_for = |accept: Vec<ImageFormat>| {
        let mut options = TransformOptions::new(limits.clone(), accept);
        options.download_name = download_name.clone();
        options
    };
    let avif_miss = state.config().avif_fallback
        && plan.vary_accept
        && plan.encoding.format == ImageFormat::Avif
        && state.cache().enabled()
        && !state.cache().contains(&key)
        // Under load the background AVIF would hold a render thread the requests behind it
        // need (and the stand-in adds a render): render the AVIF in line then.
        && state.pool().idle();
    if avif_miss {
        // The AVIF goes into the cache in the background (joining a render of it already in
        // flight), and this answer is the best other format the client accepts.
        let background = state.clone();
        let (bg_row, bg_spec, bg_key) = (Arc::clone(&asset.row), spec.clone(), key.clone());
        let bg_options = options_for(accept.clone());
        tokio::spawn(async move {
            let rendered = background
                .cache()
                .get_or_render(&bg_key, || {
                    render(&background, &bg_row, &bg_spec, bg_options)
                })
                .await;
            if let Err(e) = rendered {
                tracing::warn!(error = ?e, "background AVIF render");
            }
        });
        accept.retain(|f| *f != ImageFormat::Avif);
        plan = plan_for(&accept)?;
        key.variant = variant_of(&row.sha1, &plan.cache_key);
        meta.etag = format!("\"{}\"", key.variant);
        meta.short_lived = true;
        if let Some(not_modified) = meta.not_modified(&headers) {
            return Ok(not_modified);
        }
    }
    let options = options_for(accept);
    let (rendered, hit) = state
        .cache()
        .get_or_render(&key, || render(&state, row, &spec, options))
        .await?;
    let mut response = meta.response(
        StatusCode::OK,
        plan.content_type,
        rendered.body.len() as u64,
    );
    let h = response.headers_mut();
    if let Some(cd) = rendered
        .content_disposition
        .and_then(|v| HeaderValue::try_from(v).ok())
    {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    h.insert(
        "x-cache",
        HeaderValue::from_static(if hit { "HIT" } else { "MISS" }),
    );
    if method != Method::HEAD {
        *response.body_mut() = Body::from(rendered.body);
    }
    Ok(response)
}

/// `GET|HEAD /files/…`, with single byte ranges.
pub async fn file(
    State(state): State<AppState>,
    method: Method,
    Path(params): Path<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (project, dataset, file) = parts(&params);
    let (sha1, ext) = file.rsplit_once('.').ok_or_else(|| not_found("File"))?;
    let id = format!("file-{sha1}-{ext}");
    let asset = state
        .cdn_asset(project, dataset, &id)
        .await?
        .ok_or_else(|| not_found("File"))?;
    let access = authorize(&state, &headers, &uri, &asset).await?;
    let download = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "dl")
        .map(|(_, v)| {
            let name = match v.trim() {
                "" | "true" => asset
                    .row
                    .original_filename
                    .clone()
                    .unwrap_or_else(|| format!("{sha1}.{ext}")),
                name => name.to_owned(),
            };
            pixform::attachment_disposition(&name)
        });
    let mime = asset.row.mime_type.clone();
    original(&state, &method, &headers, &access, &asset, &mime, download).await
}

/// The original bytes of an asset, whole or one range.
async fn original(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    access: &Access,
    asset: &CdnAsset,
    content_type: &str,
    disposition: Option<String>,
) -> ApiResult<Response> {
    let row = &asset.row;
    let meta = ResponseMeta {
        etag: format!("\"{}\"", row.sha1),
        last_modified: system_time_of_ms(row.created_ms),
        access: access.clone(),
        vary_accept: false,
        short_lived: false,
    };
    if let Some(not_modified) = meta.not_modified(headers) {
        return Ok(not_modified);
    }
    let size = u64::try_from(row.size).unwrap_or(0);
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(text) => parse_range(text, size),
        None => RangeAnswer::Whole,
    };
    let (status, range) = match range {
        RangeAnswer::Whole => (StatusCode::OK, 0..size),
        RangeAnswer::Part(r) => (StatusCode::PARTIAL_CONTENT, r),
        RangeAnswer::Unsatisfiable => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!(
                    "Range {:?} is outside the {size} bytes of the file",
                    headers.get(header::RANGE)
                ),
            )
            .into_response();
            if let Ok(v) = HeaderValue::try_from(format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(response);
        }
    };
    let mut response = meta.response(status, content_type, range.end - range.start);
    let h = response.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::try_from(format!(
            "bytes {}-{}/{size}",
            range.start,
            range.end.saturating_sub(1)
        )) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    if let Some(cd) = disposition.and_then(|v| HeaderValue::try_from(v).ok()) {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    if *method == Method::HEAD || range.is_empty() {
        return Ok(response);
    }
    let path = Blobs::path_of(&row.sha1);
    let body = if status == StatusCode::PARTIAL_CONTENT {
        Body::from(state.blobs().get_range(&row.sha1, range).await?)
    } else {
        let stream = state.blobs().store().get(&path).await?.into_stream();
        Body::from_stream(stream.map_err(std::io::Error::other))
    };
    *response.body_mut() = body;
    Ok(response)
}

/// Who may see an answer, which decides its `Cache-Control`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    /// A public dataset: anyone, cached for a year.
    Public,
    /// A private dataset read with a viewer+ token of its project.
    Token,
    /// A private dataset read through a signed URL valid until this Unix second.
    Signed { expires_at: i64 },
}

/// The query without `keyid`, `expiry` and `signature`, so a signed URL renders (and caches)
/// exactly as the unsigned one.
fn without_signing_params(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
            !pair.is_empty() && !SIGNING_KEYS.contains(&key)
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A private dataset is served to a viewer+ token of its project, or to a URL signed with one
/// of the project's signing keys that has not expired; anything else is 403 saying why.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    asset: &CdnAsset,
) -> ApiResult<Access> {
    if asset.acl == AclMode::Public {
        return Ok(Access::Public);
    }
    let project = &asset.row.project_id;
    let token_problem = match auth::token(state, headers).await {
        Ok(Some(token)) => match auth::check(&token, project, Role::Viewer) {
            Ok(()) => return Ok(Access::Token),
            Err(_) => Some(format!(
                "the token does not grant the viewer role in project {project:?}"
            )),
        },
        Ok(None) => None,
        Err(e) => Some(format!("the token was refused ({})", e.message)),
    };
    let query = uri.query().unwrap_or("");
    let key_id = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "keyid")
        .map(|(_, v)| v.into_owned());
    let signed = url::form_urlencoded::parse(query.as_bytes())
        .any(|(k, _)| SIGNING_KEYS.contains(&k.as_ref()));
    if !signed {
        let base = format!(
            "Dataset {:?} of project {project:?} is private: it needs a viewer token of the \
             project or a signed URL (keyid, expiry, signature)",
            asset.row.dataset
        );
        return Err(ApiError::forbidden(match token_problem {
            Some(why) => format!("{base}, and {why}"),
            None => format!("{base}, and the request has neither"),
        }));
    }
    let Some(key_id) = key_id else {
        return Err(ApiError::forbidden(
            "Signed URL has no keyid parameter: it cannot be verified",
        ));
    };
    let Some(key) = state.db().signing_key(project, &key_id).await? else {
        return Err(ApiError::forbidden(format!(
            "Signed URL names signing key {key_id:?}, which project {project:?} does not have \
             (unknown or deleted)"
        )));
    };
    // The client signs the URL it was given: the document URL, whose base is --public-url.
    let url = format!("{}{}", state.public_base(), uri.path());
    let url = if query.is_empty() {
        url
    } else {
        format!("{url}?{query}")
    };
    let now = crate::time::now_ms() / 1000;
    match pixform::url::verify_url(&url, &key.public_key, now) {
        Ok(verified) => Ok(Access::Signed {
            expires_at: verified.expires_at_unix_seconds,
        }),
        Err(UrlError::Expired { expiry, .. }) => Err(ApiError::forbidden(format!(
            "Signed URL expired at {expiry}"
        ))),
        Err(UrlError::SignatureMismatch) => Err(ApiError::forbidden(format!(
            "Signed URL has a bad signature: it does not match the URL under signing key \
             {key_id:?} (the URL was changed or signed with another key)"
        ))),
        Err(e) => Err(ApiError::forbidden(format!("Signed URL is invalid: {e}"))),
    }
}

fn parts(params: &HashMap<String, String>) -> (&str, &str, &str) {
    let get = |k: &str| params.get(k).map_or("", String::as_str);
    (get("project"), get("dataset"), get("file"))
}

/// `{sha1}-{W}x{H}.{ext}` → `image-{sha1}-{W}x{H}-{ext}`.
fn image_id(file: &str) -> Option<String> {
    let (stem, ext) = file.rsplit_once('.')?;
    let (name, dims) = stem.rsplit_once('-')?;
    let (w, h) = dims.split_once('x')?;
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (number(w) && number(h) && !name.is_empty() && !ext.is_empty())
        .then(|| format!("image-{name}-{w}x{h}-{ext}"))
}

enum RangeAnswer {
    Whole,
    Part(std::ops::Range<u64>),
    Unsatisfiable,
}

/// A single `bytes=` range; anything else (several ranges, other units, garbage) is ignored
/// and the whole body served, as RFC 9110 allows.
fn parse_range(text: &str, size: u64) -> RangeAnswer {
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Whole;
    };
    if spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |s: &str| s.parse::<u64>().ok();
    let range = match (first.is_empty(), last.is_empty()) {
        (true, true) => return RangeAnswer::Whole,
        (true, false) => {
            let Some(n) = parse(last) else {
                return RangeAnswer::Whole;
            };
            if n == 0 {
                return RangeAnswer::Unsatisfiable;
            }
            size.saturating_sub(n)..size
        }
        (false, _) => {
            let Some(start) = parse(first) else {
                return RangeAnswer::Whole;
            };
            let end = if last.is_empty() {
                size
            } else {
                match parse(last) {
                    Some(l) if l >= start => l.saturating_add(1).min(size),
                    _ => return RangeAnswer::Whole,
                }
            };
            if start >= size {
                return RangeAnswer::Unsatisfiable;
            }
            start..end
        }
    };
    if range.is_empty() {
        RangeAnswer::Unsatisfiable
    } else {
        RangeAnswer::Part(range)
    }
}

/// The cache variant (and ETag) of a plan's output for an asset.
fn variant_of(sha1: &str, cache_key: &str) -> String {
    format!("{:x}", Sha1::digest(format!("{sha1}:{cache_key}")))
}

/// Renders `spec` on `row` on a render thread.
async fn render(
    state: &AppState,
    row: &AssetRow,
    spec: &TransformSpec,
    options: TransformOptions,
) -> Result<Rendered, ApiError> {
    // The slot first: a render waiting in the queue must not hold its source's bytes, or the
    // queue, not the workers, would set the memory bound.
    let slot = state.pool().acquire().await?;
    let source = state.source_bytes(row).await?;
    let spec = spec.clone();
    let output = slot
        .run(move || pixform::transform(&source, &spec, &options))
        .await?
        .map_err(|e| ApiError::from_engine(e.http_status(), e))?;
    Ok(Rendered {
        body: Bytes::from(output.bytes),
        content_disposition: output.content_disposition,
    })
}

/// The headers every CDN answer of one representation shares.
struct ResponseMeta {
    etag: String,
    last_modified: SystemTime,
    access: Access,
    vary_accept: bool,
    /// An `--avif-fallback` stand-in: `Cache-Control` [`FALLBACK`] instead of [`IMMUTABLE`].
    short_lived: bool,
}

impl ResponseMeta {
    /// 304 when the client's copy is current: `If-None-Match` decides when present, else
    /// `If-Modified-Since`.
    fn not_modified(&self, headers: &HeaderMap) -> Option<Response> {
        let fresh = match headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag),
            None => headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .is_some_and(|since| {
                    let modified = httpdate::HttpDate::from(self.last_modified);
                    SystemTime::from(modified) <= since
                }),
        };
        fresh.then(|| {
            let mut response = self.response(StatusCode::NOT_MODIFIED, "", 0);
            response.headers_mut().remove(header::CONTENT_TYPE);
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        })
    }

    fn response(&self, status: StatusCode, content_type: &str, length: u64) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = status;
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::try_from(content_type) {
            h.insert(header::CONTENT_TYPE, v);
        }
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        if let Ok(v) = HeaderValue::try_from(self.etag.as_str()) {
            h.insert(header::ETAG, v);
        }
        if let Ok(v) = HeaderValue::try_from(httpdate::fmt_http_date(self.last_modified)) {
            h.insert(header::LAST_MODIFIED, v);
        }
        let cache_control = match self.access {
            Access::Public if self.short_lived => HeaderValue::from_static(FALLBACK),
            Access::Public => HeaderValue::from_static(IMMUTABLE),
            Access::Token => HeaderValue::from_static(PRIVATE),
            // No cache may keep the answer past the URL's expiry, nor longer than a year
            // (the longest any answer here is kept).
            Access::Signed { expires_at } => {
                let left = expires_at
                    .saturating_sub(crate::time::now_ms() / 1000)
                    .clamp(0, MAX_AGE_SECONDS);
                HeaderValue::try_from(format!("private, max-age={left}"))
                    .unwrap_or(HeaderValue::from_static(PRIVATE))
            }
        };
        h.insert(header::CACHE_CONTROL, cache_control);
        if self.vary_accept {
            h.insert(header::VARY, HeaderValue::from_static("Accept"));
        }
        if self.access == Access::Public {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if content_type == "image/svg+xml" {
            // An uploaded SVG may carry scripts and external references: opened directly, it
            // runs none and loads nothing but its own inline styles and data: images.
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(SVG_CSP),
            );
        }
        response
    }
}
