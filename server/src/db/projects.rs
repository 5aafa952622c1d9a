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

/// A project row with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    /// Project ID.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `studioHost`.
    pub studio_host: Option<String>,
    /// The `metadata` object as JSON text.
    pub metadata: String,
    /// `activityFeedEnabled`.
    pub activity_feed_enabled: bool,
    /// `createdAt`, RFC 3339.
    pub created_at: String,
}

type ProjectTuple = (String, String, Option<String>, String, i64, String);

const PROJECT_COLUMNS: &str =
    "id, display_name, studio_host, metadata, activity_feed_enabled, created_at";

fn project_of(
    (id, display_name, studio_host, metadata, feed, created_at): ProjectTuple,
) -> ProjectRow {
    ProjectRow {
        id,
        display_name,
        studio_host,
        metadata,
        activity_feed_enabled: feed != 0,
        created_at,
    }
}

/// What deleting a project or dataset removed, for the caches to forget.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Whether the project or dataset existed.
    pub existed: bool,
    /// Asset rows deleted.
    pub assets: u64,
}

impl Db {
    /// Every project, or only `only` when given, by ID.
    pub async fn projects(&self, only: Option<&str>) -> Result<Vec<ProjectRow>, sqlx::Error> {
        let rows: Vec<ProjectTuple> = match only {
            Some(id) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1"
                )))
                .bind(id)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id"
                )))
                .fetch_all(self.pool())
                .await?
            }
        };
        Ok(rows.into_iter().map(project_of).collect())
    }

    /// The project, if it exists.
    pub async fn project(&self, id: &str) -> Result<Option<ProjectRow>, sqlx::Error> {
        Ok(self.projects(Some(id)).await?.into_iter().next())
    }

    /// Inserts a project; `false` when the ID is taken.
    pub async fn insert_project(&self, row: &ProjectRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO projects (id, display_name, studio_host, metadata, activity_feed_enabled, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&row.id)
        .bind(&row.display_name)
        .bind(&row.studio_host)
        .bind(&row.metadata)
        .bind(i64::from(row.activity_feed_enabled))
        .bind(&row.created_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Writes the settings of an existing project; whether it existed.
    pub async fn update_project(&self, row: &ProjectRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE projects SET display_name = $2, studio_host = $3, metadata = $4, \
             activity_feed_enabled = $5 WHERE id = $1",
        )
        .bind(&row.id)
        .bind(&row.display_name)
        .bind(&row.studio_host)
        .bind(&row.metadata)
        .bind(i64::from(row.activity_feed_enabled))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a project and everything in it (datasets, assets, tokens, CORS origins, tags,
    /// signing keys) in one transaction. Blobs stay for `gc`: other projects may share them.
    pub async fn delete_project(&self, id: &str) -> Result<Removed, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let assets = sqlx::query("DELETE FROM assets WHERE project_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in [
            "dataset_tags",
            "tags",
            "cors_origins",
            "signing_keys",
            "tokens",
            "copy_jobs",
            "datasets",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE project_id = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let existed = sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(Removed { existed, assets })
    }

    /// The datasets of a project, by name.
    pub async fn datasets(&self, project: &str) -> Result<Vec<DatasetRow>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, acl_mode FROM datasets WHERE project_id = $1 ORDER BY name",
        )
        .bind(project)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, acl)| DatasetRow {
                project_id: project.to_owned(),
                name,
                acl_mode: acl.parse().unwrap_or(AclMode::Private),
            })
            .collect())
    }

    /// Sets a dataset's access mode; whether the dataset exists.
    pub async fn set_dataset_acl(
        &self,
        project: &str,
        name: &str,
        acl: AclMode,
    ) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("UPDATE datasets SET acl_mode = $3 WHERE project_id = $1 AND name = $2")
                .bind(project)
                .bind(name)
                .bind(acl.as_str())
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a dataset with its assets and tag assignments in one transaction.
    pub async fn delete_dataset(&self, project: &str, name: &str) -> Result<Removed, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let assets = sqlx::query("DELETE FROM assets WHERE project_id = $1 AND dataset = $2")
            .bind(project)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for (table, column) in [("dataset_tags", "dataset"), ("copy_jobs", "source_dataset")] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE project_id = $1 AND {column} = $2"
            )))
            .bind(project)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        let existed = sqlx::query("DELETE FROM datasets WHERE project_id = $1 AND name = $2")
            .bind(project)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(Removed { existed, assets })
    }

    /// Records a new copy job in state `pending`.
    pub async fn insert_copy_job(&self, job: &CopyJobRow) -> Result<(), sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO copy_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(&job.id)
        .bind(&job.project_id)
        .bind(&job.source_dataset)
        .bind(&job.target_dataset)
        .bind(&job.state)
        .bind(serde_json::to_string(&job.authors).unwrap_or_else(|_| "[]".into()))
        .bind(&job.created_at)
        .bind(&job.updated_at)
        .bind(job.created_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Moves a copy job to `state`.
    pub async fn set_copy_job_state(&self, id: &str, state: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE copy_jobs SET state = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(state)
            .bind(now_rfc3339())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Copies every asset row of `source` into `target` (same ids, blobs shared by SHA-1) in
    /// one statement, so the target never shows half a copy; rows the target has already are
    /// kept. Returns the number of rows inserted.
    pub async fn copy_asset_rows(
        &self,
        project: &str,
        source: &str,
        target: &str,
    ) -> Result<u64, sqlx::Error> {
        const COLUMNS: &str = "id, kind, sha1, extension, mime_type, size, width, height, \
             has_alpha, frames, format, original_filename, title, description, label, \
             credit_line, alt_text, source_name, source_id, source_url, metadata, rev, \
             created_at, updated_at, created_ms";
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO assets (project_id, dataset, {COLUMNS}) \
             SELECT project_id, $3, {COLUMNS} FROM assets WHERE project_id = $1 AND dataset = $2 \
             ON CONFLICT DO NOTHING"
        )))
        .bind(project)
        .bind(source)
        .bind(target)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Copy jobs of a source dataset, newest first, optionally only those in `states`.
    pub async fn copy_jobs(
        &self,
        project: &str,
        source: &str,
        states: &[String],
        offset: i64,
        limit: i64,
    ) -> Result<Vec<CopyJobRow>, sqlx::Error> {
        // `$3…` for the states, then the limit and the offset.
        let in_states = if states.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 3)).collect();
            format!(" AND state IN ({})", marks.join(", "))
        };
        let (limit_at, offset_at) = (states.len() + 3, states.len() + 4);
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM copy_jobs \
             WHERE project_id = $1 AND source_dataset = $2{in_states} \
             ORDER BY created_ms DESC, id DESC LIMIT ${limit_at} OFFSET ${offset_at}"
        );
        let mut query = sqlx::query_as::<_, JobTuple>(sqlx::AssertSqlSafe(sql))
            .bind(project)
            .bind(source);
        for state in states {
            query = query.bind(state);
        }
        let rows = query
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(job_of).collect())
    }

    /// Copy jobs not yet `completed` or `failed`, oldest first: those a stopped process left.
    pub async fn unfinished_copy_jobs(&self) -> Result<Vec<CopyJobRow>, sqlx::Error> {
        let rows: Vec<JobTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM copy_jobs \
             WHERE state IN ('pending', 'running') ORDER BY created_ms, id"
        )))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(job_of).collect())
    }
}

fn job_of(r: JobTuple) -> CopyJobRow {
    CopyJobRow {
        id: r.0,
        project_id: r.1,
        source_dataset: r.2,
        target_dataset: r.3,
        state: r.4,
        authors: serde_json::from_str(&r.5).unwrap_or_default(),
        created_at: r.6,
        updated_at: r.7,
        created_ms: r.8,
    }
}

/// The columns of a `copy_jobs` row, in [`JobTuple`] order.
const JOB_COLUMNS: &str = "id, project_id, source_dataset, target_dataset, state, authors, \
     created_at, updated_at, created_ms";

/// A `copy_jobs` row as read, column by column.
type JobTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// A dataset copy job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyJobRow {
    /// Job id.
    pub id: String,
    /// Project of both datasets.
    pub project_id: String,
    /// Dataset copied from.
    pub source_dataset: String,
    /// Dataset copied to.
    pub target_dataset: String,
    /// `pending`, `running`, `completed` or `failed`.
    pub state: String,
    /// Project user ids of who started it.
    pub authors: Vec<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last state change.
    pub updated_at: String,
    /// Creation time in epoch milliseconds, for ordering.
    pub created_ms: i64,
}
