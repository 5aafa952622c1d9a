//! Projects and datasets.

use super::{AclMode, Db};
use crate::time::now_rfc3339;

/// A dataset row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRow {
    /// Owning project.
    pub project_id: String,
    /// Dataset name.
    pub name: String,
    /// Who may read.
    pub acl_mode: AclMode,
}

impl Db {
    /// Creates the project if missing; whether it was created.
    pub async fn ensure_project(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO projects (id, display_name, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(id)
        .bind(now_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Creates the dataset if missing.
    pub async fn ensure_dataset(
        &self,
        project: &str,
        name: &str,
        acl: AclMode,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO datasets (project_id, name, acl_mode, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, name) DO NOTHING",
        )
        .bind(project)
        .bind(name)
        .bind(acl.as_str())
        .bind(now_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether the project exists.
    pub async fn project_exists(&self, id: &str) -> Result<bool, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT id FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// The dataset, if it exists.
    pub async fn dataset(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Option<DatasetRow>, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT acl_mode FROM datasets WHERE project_id = $1 AND name = $2")
                .bind(project)
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(acl,)| DatasetRow {
            project_id: project.to_owned(),
            name: name.to_owned(),
            acl_mode: acl.parse().unwrap_or(AclMode::Private),
        }))
    }

    /// Whether the database holds no project and no token (a first start).
    pub async fn is_empty(&self) -> Result<bool, sqlx::Error> {
        let (projects,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM projects")
            .fetch_one(self.pool())
            .await?;
        let (tokens,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tokens")
            .fetch_one(self.pool())
            .await?;
        Ok(projects == 0 && tokens == 0)
    }
}
