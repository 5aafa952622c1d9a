//! Bearer tokens and roles.

use axum::http::{header, HeaderMap};

use crate::db::{Role, TokenRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The token of the request, if it sends one. An `Authorization` header that is not a known
/// bearer token is 401 (a wrong token is never treated as no token).
pub async fn token(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<TokenRow>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not ASCII"))?;
    let secret = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::unauthorized("Authorization: expected \"Bearer <token>\""))?;
    match state.db().token_by_secret(secret).await? {
        Some(row) => Ok(Some(row)),
        None => Err(ApiError::unauthorized("Unknown or revoked token")),
    }
}

/// The request's token, which must have at least `role` in `project`: 401 without a token,
/// 403 with too small a role or another project's token.
pub async fn require(
    state: &AppState,
    headers: &HeaderMap,
    project: &str,
    role: Role,
) -> ApiResult<TokenRow> {
    let token = token(state, headers).await?.ok_or_else(|| {
        ApiError::unauthorized(format!(
            "Authorization required: this needs a token with the {} role",
            role.as_str()
        ))
    })?;
    check(&token, project, role)?;
    Ok(token)
}

/// 403 unless `token` has at least `role` in `project`.
pub fn check(token: &TokenRow, project: &str, role: Role) -> ApiResult<()> {
    match token.role_in(project) {
        Some(have) if have >= role => Ok(()),
        Some(have) => Err(ApiError::forbidden(format!(
            "Token role {} is insufficient: this needs {}",
            have.as_str(),
            role.as_str()
        ))),
        None => Err(ApiError::forbidden(format!(
            "Token does not belong to project {project:?}"
        ))),
    }
}

/// A new secret: 32 random bytes (256 bits) as hex, with a prefix that names its use.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(32))
}

/// `n` random bytes from the OS as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    if let Err(e) = getrandom::fill(&mut buf) {
        // Without OS randomness no secret can be made safely: stop rather than weaken.
        panic!("OS random number generator failed: {e}");
    }
    hex::encode(&buf)
}
