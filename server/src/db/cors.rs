//! CORS origins of a project.

use super::Db;
use crate::time::now_rfc3339;

/// A CORS entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsRow {
    /// Entry ID.
    pub id: i64,
    /// The origin pattern (`https://*.example.com`, `http://localhost:3333`).
    pub origin: String,
    /// Whether credentialed requests are allowed.
    pub allow_credentials: bool,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

type CorsTuple = (i64, String, i64, String);

fn cors_of((id, origin, credentials, created_at): CorsTuple) -> CorsRow {
    CorsRow {
        id,
        origin,
        allow_credentials: credentials != 0,
        created_at,
    }
}

impl Db {
    /// The CORS entries of a project, oldest first.
    pub async fn cors_entries(&self, project: &str) -> Result<Vec<CorsRow>, sqlx::Error> {
        let rows: Vec<CorsTuple> = sqlx::query_as(
            "SELECT id, origin, allow_credentials, created_at FROM cors_origins \
             WHERE project_id = $1 ORDER BY id",
        )
        .bind(project)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(cors_of).collect())
    }

    /// Every CORS origin pattern of every project (a preflight that names no project).
    pub async fn all_cors_origins(&self) -> Result<Vec<CorsRow>, sqlx::Error> {
        let rows: Vec<CorsTuple> = sqlx::query_as(
            "SELECT id, origin, allow_credentials, created_at FROM cors_origins ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(cors_of).collect())
    }

    /// Adds an entry; `None` when the project has this origin already.
    pub async fn insert_cors(
        &self,
        project: &str,
        origin: &str,
        allow_credentials: bool,
    ) -> Result<Option<CorsRow>, sqlx::Error> {
        let created_at = now_rfc3339();
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO cors_origins (project_id, origin, allow_credentials, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, origin) DO NOTHING RETURNING id",
        )
        .bind(project)
        .bind(origin)
        .bind(i64::from(allow_credentials))
        .bind(&created_at)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(id,)| CorsRow {
            id,
            origin: origin.to_owned(),
            allow_credentials,
            created_at,
        }))
    }

    /// Deletes an entry; whether it existed.
    pub async fn delete_cors(&self, project: &str, id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM cors_origins WHERE project_id = $1 AND id = $2")
            .bind(project)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
