//! Signing keys of a project: the public halves that verify signed CDN URLs.

use super::Db;
use crate::time::now_rfc3339;

/// A stored signing key (public half only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRow {
    /// The `keyid` a signed URL names.
    pub key_id: String,
    /// The Ed25519 public key, 64 lowercase hex digits.
    pub public_key: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

type KeyTuple = (String, String, String);

fn key_of((key_id, public_key, created_at): KeyTuple) -> SigningKeyRow {
    SigningKeyRow {
        key_id,
        public_key,
        created_at,
    }
}

impl Db {
    /// The signing keys of a project, oldest first.
    pub async fn signing_keys(&self, project: &str) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
        let rows: Vec<KeyTuple> = sqlx::query_as(
            "SELECT key_id, public_key, created_at FROM signing_keys \
             WHERE project_id = $1 ORDER BY created_at, key_id",
        )
        .bind(project)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(key_of).collect())
    }

    /// One signing key of a project.
    pub async fn signing_key(
        &self,
        project: &str,
        key_id: &str,
    ) -> Result<Option<SigningKeyRow>, sqlx::Error> {
        let row: Option<KeyTuple> = sqlx::query_as(
            "SELECT key_id, public_key, created_at FROM signing_keys \
             WHERE project_id = $1 AND key_id = $2",
        )
        .bind(project)
        .bind(key_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(key_of))
    }

    /// Stores a new key; `None` when the project has this key ID already.
    pub async fn insert_signing_key(
        &self,
        project: &str,
        key_id: &str,
        public_key: &str,
    ) -> Result<Option<SigningKeyRow>, sqlx::Error> {
        let created_at = now_rfc3339();
        let done = sqlx::query(
            "INSERT INTO signing_keys (project_id, key_id, public_key, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, key_id) DO NOTHING",
        )
        .bind(project)
        .bind(key_id)
        .bind(public_key)
        .bind(&created_at)
        .execute(self.pool())
        .await?;
        Ok((done.rows_affected() > 0).then(|| SigningKeyRow {
            key_id: key_id.to_owned(),
            public_key: public_key.to_owned(),
            created_at,
        }))
    }

    /// Deletes a key; whether it existed. URLs signed with it stop working at once.
    pub async fn delete_signing_key(
        &self,
        project: &str,
        key_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM signing_keys WHERE project_id = $1 AND key_id = $2")
            .bind(project)
            .bind(key_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
