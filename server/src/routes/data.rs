//! The parts of the Data API that `@sanity/client` uses on asset documents: `getDocument`
//! (`GET /v{X}/data/doc/{dataset}/{ids}`) and `delete` (`POST /v{X}/data/mutate/{dataset}`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::auth;
use crate::db::{AclMode, Role};
use crate::document::document;
use crate::error::{ApiError, ApiResult};
use crate::sanity;
use crate::state::AppState;

/// Most IDs one `doc` request may name.
const MAX_IDS: usize = 100;

/// `GET /v{X}/data/doc/{dataset}/{ids}`: `{"documents": […], "omitted": […]}`. Public
/// datasets need no token; private ones a viewer.
pub async fn get_documents(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    sanity::check_version(params.get("version").map_or("", String::as_str))?;
    let project =
        sanity::project(&state, params.get("project").map(String::as_str), &headers).await?;
    let dataset = sanity::dataset(
        &state,
        &project,
        params.get("dataset").map_or("", String::as_str),
    )
    .await?;
    let token = auth::token(&state, &headers).await?;
    if dataset.acl_mode == AclMode::Private {
        match &token {
            Some(t) => auth::check(t, &project, Role::Viewer)?,
            None => {
                return Err(ApiError::unauthorized(format!(
                    "Dataset {:?} is private: a viewer token is required",
                    dataset.name
                )))
            }
        }
    }
    let ids: Vec<&str> = params
        .get("ids")
        .map_or("", String::as_str)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(ApiError::bad_request(format!(
            "Document IDs: expected 1 to {MAX_IDS} comma-separated IDs, got {}",
            ids.len()
        )));
    }
    let mut documents = Vec::new();
    let mut omitted = Vec::new();
    for id in ids {
        match state.db().asset(&project, &dataset.name, id).await? {
            Some(row) => documents.push(document(&row, state.public_base())),
            None => omitted.push(json!({ "id": id, "reason": "existence" })),
        }
    }
    Ok(Json(json!({ "documents": documents, "omitted": omitted })))
}

/// `POST /v{X}/data/mutate/{dataset}` with delete mutations of asset documents (editor+).
/// Any other mutation is 400: assets are the only documents this server keeps.
pub async fn mutate(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    Query(options): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    sanity::check_version(params.get("version").map_or("", String::as_str))?;
    let project =
        sanity::project(&state, params.get("project").map(String::as_str), &headers).await?;
    auth::require(&state, &headers, &project, Role::Editor).await?;
    let dataset = sanity::dataset(
        &state,
        &project,
        params.get("dataset").map_or("", String::as_str),
    )
    .await?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("Mutation body is not JSON: {e}")))?;
    let mutations = parsed
        .get("mutations")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("Mutation body: expected {\"mutations\": [...]}"))?;
    let mut ids = Vec::with_capacity(mutations.len());
    for (i, mutation) in mutations.iter().enumerate() {
        let id = mutation
            .get("delete")
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .filter(|_| mutation.as_object().is_some_and(|o| o.len() == 1));
        match id {
            Some(id) => ids.push(id.to_owned()),
            None => {
                let kind = mutation
                    .as_object()
                    .and_then(|o| o.keys().next().cloned())
                    .unwrap_or_else(|| "(not an object)".into());
                return Err(ApiError::bad_request(format!(
                    "mutations[{i}]: only {{\"delete\": {{\"id\": …}}}} of asset documents is \
                     supported, got {kind:?}"
                )));
            }
        }
    }
    let return_documents = options.get("returnDocuments").is_some_and(|v| v == "true");
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let deleted = state
            .db()
            .delete_asset(&project, &dataset.name, &id)
            .await?;
        let mut result = json!({ "id": id, "operation": "delete" });
        if let Some(row) = deleted {
            if return_documents {
                result["document"] = document(&row, state.public_base());
            }
            state.forget_asset(&row).await;
            tracing::info!(project, dataset = %dataset.name, id = %row.id, "asset deleted");
        }
        results.push(result);
    }
    Ok(Json(json!({
        "transactionId": auth::random_hex(12),
        "results": results,
    })))
}
