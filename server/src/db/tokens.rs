//! API tokens: stored as SHA-256 hashes only.

use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::Db;
use crate::time::now_rfc3339;

/// What a token may do, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read.
    Viewer,
    /// Read, upload, edit and delete assets.
    Editor,
    /// Everything in its project.
    Administrator,
}

impl Role {
    /// `viewer`, `editor` or `administrator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "administrator" => Ok(Role::Administrator),
            other => Err(format!(
                "role: expected viewer, editor or administrator, got {other:?}"
            )),
        }
    }
}

/// A token row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Token ID (not the secret).
    pub id: String,
    /// Its project; `None` for a global administrator.
    pub project_id: Option<String>,
    /// Its label.
    pub label: String,
    /// Its role in its project.
    pub role: Role,
}

impl TokenRow {
    /// The role this token has in `project`, if any.
    pub fn role_in(&self, project: &str) -> Option<Role> {
        match &self.project_id {
            None => Some(Role::Administrator),
            Some(p) if p == project => Some(self.role),
            Some(_) => None,
        }
    }
}

/// The stored form of a secret: lowercase hex SHA-256.
pub fn hash_secret(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

impl Db {
    /// Stores a token for `secret`; `false` when a token with that secret already exists.
    pub async fn insert_token(
        &self,
        id: &str,
        project: Option<&str>,
        label: &str,
        role: Role,
        secret: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO tokens (id, project_id, label, role, hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(id)
        .bind(project)
        .bind(label)
        .bind(role.as_str())
        .bind(hash_secret(secret))
        .bind(now_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The token whose secret is `secret`.
    pub async fn token_by_secret(&self, secret: &str) -> Result<Option<TokenRow>, sqlx::Error> {
        let row: Option<(String, Option<String>, String, String)> =
            sqlx::query_as("SELECT id, project_id, label, role FROM tokens WHERE hash = $1")
                .bind(hash_secret(secret))
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(id, project_id, label, role)| TokenRow {
            id,
            project_id,
            label,
            role: role.parse().unwrap_or(Role::Viewer),
        }))
    }
}

/// A token as the Projects API lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The row.
    pub token: TokenRow,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

impl Db {
    /// The tokens of a project, oldest first.
    pub async fn project_tokens(&self, project: &str) -> Result<Vec<TokenInfo>, sqlx::Error> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, label, role, created_at FROM tokens WHERE project_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(project)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, label, role, created_at)| TokenInfo {
                token: TokenRow {
                    id,
                    project_id: Some(project.to_owned()),
                    label,
                    role: role.parse().unwrap_or(Role::Viewer),
                },
                created_at,
            })
            .collect())
    }

    /// When the token `id` was created.
    pub async fn token_created_at(&self, id: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT created_at FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|(at,)| at))
    }

    /// Deletes a project's token; whether it existed. It stops working at once: every request
    /// looks its token up.
    pub async fn delete_token(&self, project: &str, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM tokens WHERE project_id = $1 AND id = $2")
            .bind(project)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
