//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /health`: the process answers.
pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /ready`: the database and the blob store answer; 503 naming the one that does not.
pub async fn ready(State(state): State<AppState>) -> Response {
    if let Err(e) = state.db().ping().await {
        tracing::warn!(error = %e, "readiness: database");
        return ApiError::unavailable("database unreachable", 1).into_response();
    }
    if let Err(e) = state.blobs().ping().await {
        tracing::warn!(error = %e, "readiness: blob store");
        return ApiError::unavailable("blob store unreachable", 1).into_response();
    }
    Json(json!({ "status": "ready" })).into_response()
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics().encode(),
    )
        .into_response()
}
