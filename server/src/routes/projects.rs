//! The Sanity Projects API: projects, datasets, CORS origins, tokens, features, permissions,
//! users and tags, under `/v{X}/projects/{id}/…`, and the datasets also under
//! `/v{X}/datasets/…` with the project from `X-Sanity-Project-ID` or the host.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::auth;
use crate::bootstrap::valid_project_id;
use crate::db::{
    AclMode, CopyJobRow, CorsRow, ProjectRow, Role, SigningKeyRow, TagChange, TagRow, TokenInfo,
    TokenRow,
};
use crate::error::{ApiError, ApiResult};
use crate::sanity;
use crate::state::AppState;
use crate::time::now_rfc3339;

type Params = Path<HashMap<String, String>>;

/// Longest display name, label, title, description or host accepted.
const MAX_TEXT: usize = 1000;

/// Tones a tag may have (Sanity's UI tones). Default: `default`.
const TONES: [&str; 5] = ["default", "primary", "positive", "caution", "critical"];

fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> &'a str {
    params.get(key).map_or("", String::as_str)
}

/// The version check, the caller's token and the project of the request (path, header or
/// host), in that order: a missing or unknown token is 401 whatever the project, a token of
/// another project 403 whether or not the project it names exists, and a role too small 403.
async fn authorize(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    role: Role,
) -> ApiResult<(String, TokenRow)> {
    sanity::check_version(param(params, "version"))?;
    let token = auth::token(state, headers).await?.ok_or_else(|| {
        ApiError::unauthorized(format!(
            "Authorization required: this needs a token with the {} role",
            role.as_str()
        ))
    })?;
    match sanity::project(state, params.get("project").map(String::as_str), headers).await {
        Ok(project) => {
            auth::check(&token, &project, role)?;
            Ok((project, token))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND && token.project_id.is_some() => Err(
            ApiError::forbidden("Token does not belong to the project this request names"),
        ),
        Err(e) => Err(e),
    }
}

/// The JSON object of a request body; an empty body is `{}`.
fn body_object(body: &Bytes) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "Request body: expected a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "Request body is not JSON: {e}"
        ))),
    }
}

/// 400 for a key outside `allowed`.
fn only_keys(map: &Map<String, Value>, what: &str, allowed: &[&str]) -> ApiResult<()> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(ApiError::bad_request(format!(
            "{what}: unknown field {key:?}; expected any of {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// An optional string field of at most [`MAX_TEXT`] characters (`null` is absent).
fn text(map: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(ApiError::bad_request(format!(
            "{key}: expected at most {MAX_TEXT} characters"
        ))),
        Some(other) => Err(ApiError::bad_request(format!(
            "{key}: expected a string, got {other}"
        ))),
    }
}

/// An optional boolean field.
fn flag(map: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ApiError::bad_request(format!(
            "{key}: expected true or false, got {other}"
        ))),
    }
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, message)
}

/// The project user a token acts as: tokens are this server's only members.
pub fn project_user_id(token: &TokenRow) -> String {
    format!("robot-{}", token.id)
}

fn role_title(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer",
        Role::Editor => "Editor",
        Role::Administrator => "Administrator",
    }
}

fn role_description(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Reads the assets of every dataset, public or private",
        Role::Editor => "Reads, uploads, edits and deletes assets",
        Role::Administrator => {
            "Manages the project: its settings, datasets, CORS origins, tokens and tags"
        }
    }
}

fn project_json(row: &ProjectRow, members: Option<&[TokenInfo]>) -> Value {
    let metadata = serde_json::from_str::<Value>(&row.metadata)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let mut out = json!({
        "id": row.id,
        "displayName": row.display_name,
        "studioHost": row.studio_host,
        "organizationId": Value::Null,
        "metadata": metadata,
        "isBlocked": false,
        "isDisabled": false,
        "activityFeedEnabled": row.activity_feed_enabled,
        "createdAt": row.created_at,
    });
    if let Some(members) = members {
        out["members"] = members
            .iter()
            .map(|m| {
                json!({
                    "id": project_user_id(&m.token),
                    "role": m.token.role.as_str(),
                    "roles": [{
                        "name": m.token.role.as_str(),
                        "title": role_title(m.token.role),
                        "description": role_description(m.token.role),
                    }],
                })
            })
            .collect();
    }
    out
}

async fn project_with_members(state: &AppState, row: &ProjectRow) -> ApiResult<Value> {
    let members = state.db().project_tokens(&row.id).await?;
    Ok(project_json(row, Some(&members)))
}

/// `GET /v{X}/projects`: every project for the global administrator, a project token's own
/// project otherwise. `?includeMembers=false` leaves `members` out.
pub async fn list_projects(
    State(state): State<AppState>,
    Path(params): Params,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    sanity::check_version(param(&params, "version"))?;
    let token = auth::token(&state, &headers)
        .await?
        .ok_or_else(|| ApiError::unauthorized("Authorization required: send a token"))?;
    // Organizations do not exist here: no project belongs to one.
    if query.get("organizationId").is_some_and(|o| !o.is_empty()) {
        return Ok(Json(json!([])));
    }
    let members = query.get("includeMembers").is_none_or(|v| v != "false");
    let rows = state.db().projects(token.project_id.as_deref()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(if members {
            project_with_members(&state, row).await?
        } else {
            project_json(row, None)
        });
    }
    Ok(Json(Value::Array(out)))
}

/// Checks `metadata` (`color`, `externalStudioHost`, strings) and merges it over `old`.
fn merge_metadata(old: &str, new: Option<&Value>) -> ApiResult<String> {
    let mut merged = serde_json::from_str::<Map<String, Value>>(old).unwrap_or_default();
    match new {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            only_keys(map, "metadata", &["color", "externalStudioHost"])?;
            for key in ["color", "externalStudioHost"] {
                match text(map, key) {
                    Ok(Some(v)) => {
                        merged.insert(key.to_owned(), Value::String(v));
                    }
                    Ok(None) if map.contains_key(key) => {
                        merged.remove(key);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(ApiError::bad_request(format!("metadata.{}", e.message))),
                }
            }
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "metadata: expected an object, got {other}"
            )))
        }
    }
    serde_json::to_string(&merged).map_err(|e| ApiError::internal("metadata encoding", e))
}

/// 400 when a flag this server cannot honour is set: projects here are never blocked or
/// disabled (delete one instead).
fn refuse_disabled(map: &Map<String, Value>, keys: &[&str]) -> ApiResult<()> {
    for key in keys {
        if flag(map, key)? == Some(true) {
            return Err(ApiError::bad_request(format!(
                "{key}: projects cannot be blocked or disabled on this server; delete the \
                 project instead"
            )));
        }
    }
    Ok(())
}

/// `POST /v{X}/projects` (global administrator): 201 with the new project.
pub async fn create_project(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    sanity::check_version(param(&params, "version"))?;
    let token = auth::token(&state, &headers).await?.ok_or_else(|| {
        ApiError::unauthorized(
            "Authorization required: creating a project needs the global administrator token",
        )
    })?;
    if token.project_id.is_some() {
        return Err(ApiError::forbidden(
            "Only the global administrator token may create projects",
        ));
    }
    let map = body_object(&body)?;
    only_keys(
        &map,
        "Project",
        &[
            "displayName",
            "organizationId",
            "isBlocked",
            "isDisabled",
            "isDisabledByUser",
            "maxRetentionDays",
            "activityFeedEnabled",
            "id",
            "updatedAt",
            "createdAt",
            "metadata",
            "members",
        ],
    )?;
    let display_name = text(&map, "displayName")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("displayName: required, a non-empty string"))?;
    if text(&map, "organizationId")?.is_some() {
        return Err(ApiError::bad_request(
            "organizationId: this server has no organizations; leave it out",
        ));
    }
    refuse_disabled(&map, &["isBlocked", "isDisabled", "isDisabledByUser"])?;
    match map.get("maxRetentionDays") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some() => {}
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "maxRetentionDays: expected a non-negative integer, got {other}"
            )))
        }
    }
    // Members are tokens here: they are made with POST /projects/{id}/tokens.
    match map.get("members") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "members: a project's members are its tokens; create them with POST \
                 /projects/{id}/tokens",
            ))
        }
    }
    for key in ["createdAt", "updatedAt"] {
        text(&map, key)?;
    }
    let id = match text(&map, "id")? {
        Some(id) if valid_project_id(&id) => id,
        Some(id) => {
            return Err(ApiError::bad_request(format!(
                "id {id:?}: expected ^[a-z0-9][a-z0-9-]{{0,63}}$"
            )))
        }
        None => auth::random_hex(4),
    };
    let row = ProjectRow {
        id,
        display_name,
        studio_host: None,
        metadata: merge_metadata("{}", map.get("metadata"))?,
        activity_feed_enabled: flag(&map, "activityFeedEnabled")?.unwrap_or(false),
        created_at: now_rfc3339(),
    };
    if !state.db().insert_project(&row).await? {
        return Err(conflict(format!("Project {:?} already exists", row.id)));
    }
    tracing::info!(project = %row.id, "project created");
    Ok((StatusCode::CREATED, Json(project_json(&row, Some(&[])))))
}

async fn project_row(state: &AppState, id: &str) -> ApiResult<ProjectRow> {
    state
        .db()
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Project {id:?} not found")))
}

/// `GET /v{X}/projects/{id}` (viewer+).
pub async fn get_project(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let row = project_row(&state, &project).await?;
    Ok(Json(project_with_members(&state, &row).await?))
}

/// `PATCH /v{X}/projects/{id}` (administrator): `displayName`, `studioHost`,
/// `metadata.{color,externalStudioHost}`, `activityFeedEnabled`, `isDisabledByUser` (false).
pub async fn patch_project(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let map = body_object(&body)?;
    only_keys(
        &map,
        "Project update",
        &[
            "displayName",
            "studioHost",
            "metadata",
            "isDisabledByUser",
            "activityFeedEnabled",
        ],
    )?;
    refuse_disabled(&map, &["isDisabledByUser"])?;
    let mut row = project_row(&state, &project).await?;
    if let Some(name) = text(&map, "displayName")? {
        if name.trim().is_empty() {
            return Err(ApiError::bad_request(
                "displayName: expected a non-empty string",
            ));
        }
        row.display_name = name;
    }
    if map.contains_key("studioHost") {
        row.studio_host = text(&map, "studioHost")?.filter(|s| !s.is_empty());
    }
    row.metadata = merge_metadata(&row.metadata, map.get("metadata"))?;
    if let Some(feed) = flag(&map, "activityFeedEnabled")? {
        row.activity_feed_enabled = feed;
    }
    if !state.db().update_project(&row).await? {
        return Err(ApiError::not_found(format!(
            "Project {project:?} not found"
        )));
    }
    Ok(Json(project_with_members(&state, &row).await?))
}

/// `DELETE /v{X}/projects/{id}` (administrator): the project with its datasets, assets,
/// tokens, CORS origins and tags. Its tokens stop working with the next request; its URLs
/// answer 404 at once on this instance.
pub async fn delete_project(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let removed = state.db().delete_project(&project).await?;
    state.forget_scope(&project, None, true).await;
    if !removed.existed {
        return Err(ApiError::not_found(format!(
            "Project {project:?} not found"
        )));
    }
    tracing::info!(project, assets = removed.assets, "project deleted");
    Ok(Json(json!({ "deleted": true })))
}

// --- datasets ---

fn dataset_name(params: &HashMap<String, String>) -> ApiResult<String> {
    let name = param(params, "name");
    if sanity::valid_dataset_name(name) {
        Ok(name.to_owned())
    } else {
        Err(ApiError::bad_request(format!(
            "Dataset name {name:?}: expected ^[a-z0-9][a-z0-9_-]{{0,63}}$ (lowercase letters, \
             digits, _ and -, starting with a letter or digit, at most 64 characters)"
        )))
    }
}

fn acl_field(map: &Map<String, Value>) -> ApiResult<Option<AclMode>> {
    match map.get("aclMode") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(ApiError::bad_request),
        Some(other) => Err(ApiError::bad_request(format!(
            "aclMode: expected public or private, got {other}"
        ))),
    }
}

/// `GET /v{X}/projects/{id}/datasets` and `/v{X}/datasets` (viewer+): `[{name, aclMode}]`.
pub async fn list_datasets(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let rows = state.db().datasets(&project).await?;
    Ok(Json(
        rows.iter()
            .map(|d| json!({ "name": d.name, "aclMode": d.acl_mode.as_str() }))
            .collect(),
    ))
}

/// `GET /v{X}/projects/{id}/datasets/{name}` (viewer+): `{name, aclMode}`.
pub async fn get_dataset(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let name = dataset_name(&params)?;
    let row = sanity::dataset(&state, &project, &name).await?;
    Ok(Json(
        json!({ "name": row.name, "aclMode": row.acl_mode.as_str() }),
    ))
}

/// `PUT` (and `POST`) `/v{X}/projects/{id}/datasets/{name}` (administrator): creates the
/// dataset; `{datasetName, aclMode}` as `@sanity/client` expects. 409 when it exists.
pub async fn create_dataset(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = dataset_name(&params)?;
    let map = body_object(&body)?;
    only_keys(&map, "Dataset", &["aclMode"])?;
    let acl = acl_field(&map)?.unwrap_or(AclMode::Public);
    if !state.db().ensure_dataset(&project, &name, acl).await? {
        return Err(conflict(format!(
            "Dataset {name:?} already exists in project {project:?}"
        )));
    }
    // A dataset of the same name deleted earlier may still have rows cached here.
    state.forget_scope(&project, Some(&name), false).await;
    tracing::info!(project, dataset = %name, acl = acl.as_str(), "dataset created");
    Ok(Json(
        json!({ "datasetName": name, "aclMode": acl.as_str() }),
    ))
}

/// `PATCH /v{X}/projects/{id}/datasets/{name}` (administrator): `{aclMode}`; takes effect on
/// this instance's CDN at once.
pub async fn edit_dataset(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = dataset_name(&params)?;
    let map = body_object(&body)?;
    only_keys(&map, "Dataset update", &["aclMode"])?;
    let acl = acl_field(&map)?
        .ok_or_else(|| ApiError::bad_request("aclMode: required, public or private"))?;
    if !state.db().set_dataset_acl(&project, &name, acl).await? {
        return Err(ApiError::not_found(format!(
            "Dataset {name:?} not found in project {project:?}"
        )));
    }
    state.forget_scope(&project, Some(&name), false).await;
    Ok(Json(
        json!({ "datasetName": name, "aclMode": acl.as_str() }),
    ))
}

/// `DELETE /v{X}/projects/{id}/datasets/{name}` (administrator): the dataset, its assets and
/// its tag assignments; `{deleted: true}`.
pub async fn delete_dataset(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = dataset_name(&params)?;
    let removed = state.db().delete_dataset(&project, &name).await?;
    state.forget_scope(&project, Some(&name), true).await;
    if !removed.existed {
        return Err(ApiError::not_found(format!(
            "Dataset {name:?} not found in project {project:?}"
        )));
    }
    tracing::info!(project, dataset = %name, assets = removed.assets, "dataset deleted");
    Ok(Json(json!({ "deleted": true })))
}

// --- dataset copy ---

fn copy_job_json(job: &CopyJobRow) -> Value {
    json!({
        "id": job.id,
        "state": job.state,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
        "sourceDataset": job.source_dataset,
        "targetDataset": job.target_dataset,
        "authors": job.authors,
    })
}

/// `PUT /v{X}/projects/{id}/datasets/{name}/copy` (administrator): `{targetDataset, skipHistory,
/// aclMode}`. Creates the target dataset at once (409 when it exists) and answers with the job
/// in state `pending` plus `jobId`, `datasetName` and `aclMode`; the asset rows are copied in
/// the background (`running`, then `completed` or `failed`). Blobs are shared, never copied.
pub async fn copy_dataset(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, token) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let source = dataset_name(&params)?;
    let map = body_object(&body)?;
    only_keys(
        &map,
        "Dataset copy",
        &["targetDataset", "skipHistory", "aclMode"],
    )?;
    let target = text(&map, "targetDataset")?
        .ok_or_else(|| ApiError::bad_request("targetDataset: required, a dataset name"))?;
    if !sanity::valid_dataset_name(&target) {
        return Err(ApiError::bad_request(format!(
            "targetDataset {target:?}: expected ^[a-z0-9][a-z0-9_-]{{0,63}}$"
        )));
    }
    // Assets have no revision history here, so skipHistory changes nothing; it is still
    // checked so that a wrong type is reported.
    flag(&map, "skipHistory")?;
    let acl = acl_field(&map)?.unwrap_or(AclMode::Public);
    sanity::dataset(&state, &project, &source).await?;
    if target == source {
        return Err(conflict(format!(
            "Dataset {source:?} cannot be copied onto itself"
        )));
    }
    if !state.db().ensure_dataset(&project, &target, acl).await? {
        return Err(conflict(format!(
            "Dataset {target:?} already exists in project {project:?}"
        )));
    }
    state.forget_scope(&project, Some(&target), false).await;
    let now_ms = crate::time::now_ms();
    let created = crate::time::rfc3339_of_ms(now_ms);
    let job = CopyJobRow {
        id: auth::random_hex(12),
        project_id: project.clone(),
        source_dataset: source.clone(),
        target_dataset: target.clone(),
        state: "pending".into(),
        authors: vec![project_user_id(&token)],
        created_at: created.clone(),
        updated_at: created,
        created_ms: now_ms,
    };
    state.db().insert_copy_job(&job).await?;
    crate::dataset_copy::start(state.clone(), job.clone());
    let mut out = copy_job_json(&job);
    if let Some(obj) = out.as_object_mut() {
        obj.insert("jobId".into(), json!(job.id));
        obj.insert("datasetName".into(), json!(target));
        obj.insert("aclMode".into(), json!(acl.as_str()));
    }
    Ok(Json(out))
}

fn query_int(query: &HashMap<String, String>, key: &str, default: i64, max: i64) -> ApiResult<i64> {
    match query.get(key) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "{key}: expected an integer from 0 to {max}, got {v:?}"
            ))),
        },
    }
}

/// States a copy job goes through.
const JOB_STATES: [&str; 4] = ["pending", "running", "completed", "failed"];

/// `GET /v{X}/projects/{id}/datasets/{name}/copy` (viewer+): the copy jobs whose source is the
/// dataset, newest first. Query `offset` (Default: 0), `limit` (Default: 10, at most 1000) and
/// `state` (comma separated; Default: every state).
pub async fn copy_jobs(
    State(state): State<AppState>,
    Path(params): Params,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let source = dataset_name(&params)?;
    let offset = query_int(&query, "offset", 0, i64::MAX)?;
    let limit = query_int(&query, "limit", 10, 1000)?;
    let mut states = Vec::new();
    for s in query.get("state").map_or("", String::as_str).split(',') {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        if !JOB_STATES.contains(&s) {
            return Err(ApiError::bad_request(format!(
                "state: expected pending, running, completed or failed, got {s:?}"
            )));
        }
        states.push(s.to_owned());
    }
    sanity::dataset(&state, &project, &source).await?;
    let jobs = state
        .db()
        .copy_jobs(&project, &source, &states, offset, limit)
        .await?;
    Ok(Json(jobs.iter().map(copy_job_json).collect()))
}

// --- CORS ---

fn cors_json(row: &CorsRow) -> Value {
    json!({
        "id": row.id,
        "origin": row.origin,
        "allowCredentials": row.allow_credentials,
        "createdAt": row.created_at,
    })
}

/// `GET /v{X}/projects/{id}/cors` (viewer+).
pub async fn list_cors(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let rows = state.db().cors_entries(&project).await?;
    Ok(Json(rows.iter().map(cors_json).collect()))
}

/// `POST /v{X}/projects/{id}/cors` (administrator): `{origin, allowCredentials}` → 201 with
/// the entry; 409 when the project has that origin.
pub async fn create_cors(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let map = body_object(&body)?;
    only_keys(&map, "CORS entry", &["origin", "allowCredentials"])?;
    let origin = text(&map, "origin")?
        .ok_or_else(|| ApiError::bad_request("origin: required, e.g. https://*.example.com"))?;
    let origin = crate::cors::normalize_pattern(&origin).map_err(ApiError::bad_request)?;
    let credentials = flag(&map, "allowCredentials")?.unwrap_or(false);
    let row = state
        .db()
        .insert_cors(&project, &origin, credentials)
        .await?
        .ok_or_else(|| conflict(format!("CORS origin {origin:?} already exists")))?;
    Ok((StatusCode::CREATED, Json(cors_json(&row))))
}

/// `DELETE /v{X}/projects/{id}/cors/{cors}` (administrator): `{id, deleted: true}`.
pub async fn delete_cors(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let raw = param(&params, "cors");
    let id: i64 = raw.parse().map_err(|_| {
        ApiError::bad_request(format!("CORS entry ID {raw:?}: expected an integer"))
    })?;
    if !state.db().delete_cors(&project, id).await? {
        return Err(ApiError::not_found(format!("CORS entry {id} not found")));
    }
    Ok(Json(json!({ "id": id, "deleted": true })))
}

// --- signing keys ---

fn signing_key_json(row: &SigningKeyRow) -> Value {
    json!({
        "keyId": row.key_id,
        "publicKey": row.public_key,
        "createdAt": row.created_at,
    })
}

/// `GET /v{X}/projects/{id}/signing-keys` (administrator): the keys, public halves only.
pub async fn list_signing_keys(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let rows = state.db().signing_keys(&project).await?;
    Ok(Json(rows.iter().map(signing_key_json).collect()))
}

/// `POST /v{X}/projects/{id}/signing-keys` (administrator): a new Ed25519 key → 201
/// `{keyId, publicKey, privateKey, createdAt}`, hex as `@sanity/signed-urls` takes them. The
/// private key is in this answer only: the server keeps the public half.
pub async fn create_signing_key(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    only_keys(&body_object(&body)?, "signing key", &[])?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| ApiError::internal("OS randomness", e))?;
    let private_key = hex::encode(seed);
    let public_key = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes(),
    );
    // 64 random bits make a collision within one project practically impossible; the
    // primary key turns one into a 409 rather than a replaced key.
    let key_id = format!("key-{}", auth::random_hex(8));
    let row = state
        .db()
        .insert_signing_key(&project, &key_id, &public_key)
        .await?
        .ok_or_else(|| conflict(format!("Signing key {key_id:?} already exists")))?;
    let mut out = signing_key_json(&row);
    if let Some(map) = out.as_object_mut() {
        map.insert("privateKey".into(), Value::String(private_key));
    }
    Ok((StatusCode::CREATED, Json(out)))
}

/// `DELETE /v{X}/projects/{id}/signing-keys/{keyId}` (administrator): `{keyId, deleted:
/// true}`; URLs signed with the key answer 403 from then on.
pub async fn delete_signing_key(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let key_id = param(&params, "key");
    if !state.db().delete_signing_key(&project, key_id).await? {
        return Err(ApiError::not_found(format!(
            "Signing key {key_id:?} not found in project {project:?}"
        )));
    }
    Ok(Json(json!({ "keyId": key_id, "deleted": true })))
}

// --- features, permissions, users ---

/// `GET /v{X}/projects/{id}/features` (viewer+): what this server offers beyond the basics.
pub async fn features(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    authorize(&state, &params, &headers, Role::Viewer).await?;
    Ok(Json(json!(["privateDataset"])))
}

/// The permissions of a role, smallest role first.
pub fn permissions_of(role: Role) -> Vec<&'static str> {
    let mut out = vec![
        "sanity.project.read",
        "sanity.datasets.read",
        "sanity.documents.read",
    ];
    if role >= Role::Editor {
        out.extend([
            "sanity.documents.create",
            "sanity.documents.update",
            "sanity.documents.delete",
        ]);
    }
    if role >= Role::Administrator {
        out.extend([
            "sanity.project.update",
            "sanity.project.delete",
            "sanity.datasets.manage",
            "sanity.cors.manage",
            "sanity.tokens.manage",
            "sanity.tags.manage",
        ]);
    }
    out
}

/// `GET /v{X}/projects/{id}/permissions` (viewer+): the calling token's permissions.
pub async fn permissions(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, token) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let role = token.role_in(&project).unwrap_or(Role::Viewer);
    Ok(Json(json!(permissions_of(role))))
}

/// `GET /v{X}/projects/{id}/users/{user}` (viewer+): `me` is the calling token's user; other
/// IDs name a member (a token) of the project.
pub async fn get_user(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, caller) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let wanted = param(&params, "user");
    let found = if wanted == "me" || wanted == project_user_id(&caller) {
        let created = state
            .db()
            .token_created_at(&caller.id)
            .await?
            .unwrap_or_default();
        Some((caller, created))
    } else {
        state
            .db()
            .project_tokens(&project)
            .await?
            .into_iter()
            .find(|t| project_user_id(&t.token) == wanted)
            .map(|t| (t.token, t.created_at))
    };
    let (token, created) = found.ok_or_else(|| {
        ApiError::not_found(format!(
            "User {wanted:?} is not a member of project {project:?}"
        ))
    })?;
    let id = project_user_id(&token);
    Ok(Json(json!({
        "id": id,
        "sanityUserId": id,
        "projectId": project,
        "displayName": token.label,
        "familyName": Value::Null,
        "givenName": Value::Null,
        "imageUrl": Value::Null,
        "createdAt": created,
        "updatedAt": created,
    })))
}

// --- tokens ---

fn roles_json(role: Role) -> Value {
    json!([{ "name": role.as_str(), "title": role_title(role) }])
}

/// `GET /v{X}/projects/{id}/tokens` (administrator): never the secrets.
pub async fn list_tokens(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let rows = state.db().project_tokens(&project).await?;
    Ok(Json(
        rows.iter()
            .map(|t| {
                json!({
                    "id": t.token.id,
                    "label": t.token.label,
                    "projectUserId": project_user_id(&t.token),
                    "createdAt": t.created_at,
                    "roles": roles_json(t.token.role),
                })
            })
            .collect(),
    ))
}

/// `POST /v{X}/projects/{id}/tokens` (administrator): `{label, roleName}` → the token with
/// its `key`, shown this once (only its SHA-256 is stored).
pub async fn create_token(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let map = body_object(&body)?;
    only_keys(&map, "Token", &["label", "roleName"])?;
    let label = text(&map, "label")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("label: required, a non-empty string"))?;
    let role: Role = text(&map, "roleName")?
        .ok_or_else(|| {
            ApiError::bad_request("roleName: required, viewer, editor or administrator")
        })?
        .parse()
        .map_err(|e: String| {
            ApiError::bad_request(format!("roleName: {}", e.trim_start_matches("role: ")))
        })?;
    let id = auth::random_hex(8);
    let key = auth::new_secret("pxt_");
    if !state
        .db()
        .insert_token(&id, Some(&project), &label, role, &key)
        .await?
    {
        return Err(ApiError::internal("token insert", "secret collision"));
    }
    let token = TokenRow {
        id: id.clone(),
        project_id: Some(project.clone()),
        label: label.clone(),
        role,
    };
    tracing::info!(project, token = %id, role = role.as_str(), "token created");
    Ok(Json(json!({
        "id": id,
        "label": label,
        "key": key,
        "projectUserId": project_user_id(&token),
        "roles": roles_json(role),
    })))
}

/// `DELETE /v{X}/projects/{id}/tokens/{token}` (administrator): `{deleted: true, id}`.
pub async fn delete_token(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let id = param(&params, "token");
    if !state.db().delete_token(&project, id).await? {
        return Err(ApiError::not_found(format!(
            "Token {id:?} not found in project {project:?}"
        )));
    }
    tracing::info!(project, token = %id, "token deleted");
    Ok(Json(json!({ "deleted": true, "id": id })))
}

// --- tags ---

fn tag_json(tag: &TagRow) -> Value {
    json!({
        "name": tag.name,
        "title": tag.title,
        "description": tag.description,
        "metadata": { "tone": tag.tone },
        "datasets": tag.datasets,
    })
}

fn valid_tag_name(name: &str) -> ApiResult<()> {
    if sanity::valid_dataset_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Tag name {name:?}: expected ^[a-z0-9][a-z0-9_-]{{0,63}}$"
        )))
    }
}

/// Reads a tag body over `base` (`name`, `title`, `description`, `metadata.tone`).
fn tag_from_body(map: &Map<String, Value>, mut base: TagRow) -> ApiResult<TagRow> {
    only_keys(map, "Tag", &["name", "title", "description", "metadata"])?;
    if let Some(name) = text(map, "name")? {
        valid_tag_name(&name)?;
        base.name = name;
    }
    if let Some(title) = text(map, "title")? {
        base.title = title;
    }
    if let Some(description) = text(map, "description")? {
        base.description = description;
    }
    match map.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(meta)) => {
            only_keys(meta, "metadata", &["tone"])?;
            if let Some(tone) = text(meta, "tone")? {
                if !TONES.contains(&tone.as_str()) {
                    return Err(ApiError::bad_request(format!(
                        "metadata.tone {tone:?}: expected one of {}",
                        TONES.join(", ")
                    )));
                }
                base.tone = tone;
            }
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "metadata: expected an object, got {other}"
            )))
        }
    }
    Ok(base)
}

async fn tag_row(state: &AppState, project: &str, name: &str) -> ApiResult<TagRow> {
    state.db().tag(project, name).await?.ok_or_else(|| {
        ApiError::not_found(format!("Tag {name:?} not found in project {project:?}"))
    })
}

/// `POST /v{X}/projects/{id}/tags` (administrator): a tag assigned to no dataset; `name`
/// required, `title` defaults to it, `description` to "", `metadata.tone` to `default`.
pub async fn create_tag(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let map = body_object(&body)?;
    if text(&map, "name")?.is_none() {
        return Err(ApiError::bad_request(
            "name: required, ^[a-z0-9][a-z0-9_-]{0,63}$",
        ));
    }
    let mut tag = tag_from_body(
        &map,
        TagRow {
            name: String::new(),
            title: String::new(),
            description: String::new(),
            tone: "default".into(),
            datasets: Vec::new(),
        },
    )?;
    if text(&map, "title")?.is_none() {
        tag.title = tag.name.clone();
    }
    if !state.db().insert_tag(&project, &tag).await? {
        return Err(conflict(format!("Tag {:?} already exists", tag.name)));
    }
    Ok(Json(tag_json(&tag)))
}

/// `PUT /v{X}/projects/{id}/tags/{tag}` (administrator): changes any field, renaming keeps
/// the assignments; 409 when the new name is taken.
pub async fn update_tag(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let old = param(&params, "tag");
    let map = body_object(&body)?;
    let current = tag_row(&state, &project, old).await?;
    let tag = tag_from_body(&map, current)?;
    match state.db().update_tag(&project, old, &tag).await? {
        TagChange::Done => {}
        TagChange::Missing => {
            return Err(ApiError::not_found(format!("Tag {old:?} not found")));
        }
        TagChange::Conflict => {
            return Err(conflict(format!("Tag {:?} already exists", tag.name)));
        }
    }
    Ok(Json(tag_json(&tag_row(&state, &project, &tag.name).await?)))
}

/// `DELETE /v{X}/projects/{id}/tags/{tag}` (administrator): 409 while a dataset carries it.
pub async fn delete_tag(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = param(&params, "tag");
    match state.db().delete_tag(&project, name).await? {
        TagChange::Done => Ok(Json(json!({ "deleted": true }))),
        TagChange::Missing => Err(ApiError::not_found(format!("Tag {name:?} not found"))),
        TagChange::Conflict => Err(conflict(format!(
            "Tag {name:?} is assigned to datasets: remove it from them first"
        ))),
    }
}

/// `GET /v{X}/projects/{id}/datasets/{name}/tags` (viewer+): the tags the dataset carries.
pub async fn dataset_tags(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Viewer).await?;
    let name = dataset_name(&params)?;
    sanity::dataset(&state, &project, &name).await?;
    let tags = state.db().dataset_tags(&project, &name).await?;
    Ok(Json(tags.iter().map(tag_json).collect()))
}

/// `PUT /v{X}/projects/{id}/datasets/{name}/tags/{tag}` (administrator): the tag, now
/// carried by the dataset (idempotent).
pub async fn assign_tag(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = dataset_name(&params)?;
    sanity::dataset(&state, &project, &name).await?;
    let tag = param(&params, "tag");
    tag_row(&state, &project, tag).await?;
    state.db().assign_tag(&project, &name, tag).await?;
    Ok(Json(tag_json(&tag_row(&state, &project, tag).await?)))
}

/// `DELETE /v{X}/projects/{id}/datasets/{name}/tags/{tag}` (administrator):
/// `{deleted: true}`; 404 when the dataset does not carry it.
pub async fn unassign_tag(
    State(state): State<AppState>,
    Path(params): Params,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let (project, _) = authorize(&state, &params, &headers, Role::Administrator).await?;
    let name = dataset_name(&params)?;
    let tag = param(&params, "tag");
    if !state.db().unassign_tag(&project, &name, tag).await? {
        return Err(ApiError::not_found(format!(
            "Tag {tag:?} is not assigned to dataset {name:?}"
        )));
    }
    Ok(Json(json!({ "deleted": true })))
}
