//! What every Sanity route shares: the version prefix, the project and the dataset.

use axum::http::{header, HeaderMap};

use crate::db::DatasetRow;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Checks the version segment: `v1` or `vYYYY-MM-DD` (`v2024-06-24`).
pub fn check_version(segment: &str) -> ApiResult<()> {
    let ok = match segment.strip_prefix('v') {
        Some("1") => true,
        Some(date) => {
            let b = date.as_bytes();
            b.len() == 10
                && b.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    _ => c.is_ascii_digit(),
                })
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "API version {segment:?}: expected v1 or vYYYY-MM-DD"
        )))
    }
}

/// Whether `name` is a valid dataset name: `^[a-z0-9][a-z0-9_-]{0,63}$`.
pub fn valid_dataset_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// The header naming a Sanity request's project when its path does not.
pub const PROJECT_HEADER: &str = "x-sanity-project-id";
/// The header naming a Prismic Asset API request's project (its repository).
pub const REPOSITORY_HEADER: &str = "repository";

/// A header's value as text, trimmed; `None` when missing, empty or not text. How every
/// route and the CORS layer read [`PROJECT_HEADER`] and [`REPOSITORY_HEADER`], so they agree
/// on the project a request names.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The project of a Sanity request: the path's, else `X-Sanity-Project-ID`, else the first
/// label of `Host` when it names a project. 404 for a named project that does not exist,
/// 400 when nothing names one.
pub async fn project(
    state: &AppState,
    from_path: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<String> {
    let named = from_path
        .or_else(|| header_text(headers, PROJECT_HEADER))
        .map(str::to_owned);
    if let Some(id) = named {
        if state.db().project_exists(&id).await? {
            return Ok(id);
        }
        return Err(ApiError::not_found(format!("Project {id:?} not found")));
    }
    let host_label = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split(['.', ':']).next())
        .filter(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
    if let Some(label) = host_label {
        if state.db().project_exists(label).await? {
            return Ok(label.to_owned());
        }
    }
    Err(ApiError::bad_request(
        "No project: name it in the path (/v1/projects/{id}/…), the X-Sanity-Project-ID header \
         or the host ({id}.api.example.com)",
    ))
}

/// The dataset `name` of `project`: 400 for an invalid name, 404 when missing.
pub async fn dataset(state: &AppState, project: &str, name: &str) -> ApiResult<DatasetRow> {
    if !valid_dataset_name(name) {
        return Err(ApiError::bad_request(format!(
            "Dataset name {name:?}: expected ^[a-z0-9][a-z0-9_-]{{0,63}}$"
        )));
    }
    state.db().dataset(project, name).await?.ok_or_else(|| {
        ApiError::not_found(format!("Dataset {name:?} not found in project {project:?}"))
    })
}
