//! Tags of a project and their assignment to datasets.

use super::Db;
use crate::time::now_rfc3339;

/// A tag with the datasets carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    /// Its identifier.
    pub name: String,
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: String,
    /// `metadata.tone`.
    pub tone: String,
    /// Datasets it is assigned to, by name.
    pub datasets: Vec<String>,
}

/// What a tag change hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagChange {
    /// Done.
    Done,
    /// No such tag (or dataset).
    Missing,
    /// The new name is taken, or the tag is still assigned.
    Conflict,
}

impl Db {
    /// The tag `name` of `project`.
    pub async fn tag(&self, project: &str, name: &str) -> Result<Option<TagRow>, sqlx::Error> {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT name, title, description, tone FROM tags WHERE project_id = $1 AND name = $2",
        )
        .bind(project)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let Some((name, title, description, tone)) = row else {
            return Ok(None);
        };
        let datasets: Vec<(String,)> = sqlx::query_as(
            "SELECT dataset FROM dataset_tags WHERE project_id = $1 AND tag = $2 ORDER BY dataset",
        )
        .bind(project)
        .bind(&name)
        .fetch_all(self.pool())
        .await?;
        Ok(Some(TagRow {
            name,
            title,
            description,
            tone,
            datasets: datasets.into_iter().map(|(d,)| d).collect(),
        }))
    }

    /// The tags assigned to a dataset, by name.
    pub async fn dataset_tags(
        &self,
        project: &str,
        dataset: &str,
    ) -> Result<Vec<TagRow>, sqlx::Error> {
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT tag FROM dataset_tags WHERE project_id = $1 AND dataset = $2 ORDER BY tag",
        )
        .bind(project)
        .bind(dataset)
        .fetch_all(self.pool())
        .await?;
        let mut tags = Vec::with_capacity(names.len());
        for (name,) in names {
            if let Some(tag) = self.tag(project, &name).await? {
                tags.push(tag);
            }
        }
        Ok(tags)
    }

    /// Creates a tag; `false` when the name is taken.
    pub async fn insert_tag(&self, project: &str, tag: &TagRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO tags (project_id, name, title, description, tone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, name) DO NOTHING",
        )
        .bind(project)
        .bind(&tag.name)
        .bind(&tag.title)
        .bind(&tag.description)
        .bind(&tag.tone)
        .bind(now_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Rewrites the tag `old` as `tag` (possibly renamed, keeping its assignments).
    pub async fn update_tag(
        &self,
        project: &str,
        old: &str,
        tag: &TagRow,
    ) -> Result<TagChange, sqlx::Error> {
        // Writes first: an SQLite transaction that reads before it writes fails at once
        // ("database is locked") when another connection is writing.
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE tags SET name = $3, title = $4, description = $5, tone = $6 \
             WHERE project_id = $1 AND name = $2",
        )
        .bind(project)
        .bind(old)
        .bind(&tag.name)
        .bind(&tag.title)
        .bind(&tag.description)
        .bind(&tag.tone)
        .execute(&mut *tx)
        .await;
        let done = match done {
            Ok(done) => done,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(TagChange::Conflict)
            }
            Err(e) => return Err(e),
        };
        if done.rows_affected() == 0 {
            return Ok(TagChange::Missing);
        }
        sqlx::query("UPDATE dataset_tags SET tag = $3 WHERE project_id = $1 AND tag = $2")
            .bind(project)
            .bind(old)
            .bind(&tag.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(TagChange::Done)
    }

    /// Deletes a tag that no dataset carries.
    pub async fn delete_tag(&self, project: &str, name: &str) -> Result<TagChange, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM tags WHERE project_id = $1 AND name = $2 AND NOT EXISTS \
             (SELECT 1 FROM dataset_tags WHERE project_id = $1 AND tag = $2)",
        )
        .bind(project)
        .bind(name)
        .execute(self.pool())
        .await?;
        if done.rows_affected() > 0 {
            return Ok(TagChange::Done);
        }
        Ok(if self.tag(project, name).await?.is_some() {
            TagChange::Conflict
        } else {
            TagChange::Missing
        })
    }

    /// Assigns a tag to a dataset (idempotent; nothing when either is missing).
    pub async fn assign_tag(
        &self,
        project: &str,
        dataset: &str,
        tag: &str,
    ) -> Result<(), sqlx::Error> {
        // Guarded in the statement itself, so a tag or dataset deleted meanwhile leaves no
        // assignment behind.
        sqlx::query(
            "INSERT INTO dataset_tags (project_id, dataset, tag) SELECT $1, $2, $3 \
             WHERE EXISTS (SELECT 1 FROM tags WHERE project_id = $1 AND name = $3) \
             AND EXISTS (SELECT 1 FROM datasets WHERE project_id = $1 AND name = $2) \
             ON CONFLICT (project_id, dataset, tag) DO NOTHING",
        )
        .bind(project)
        .bind(dataset)
        .bind(tag)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes a tag from a dataset; whether it was assigned.
    pub async fn unassign_tag(
        &self,
        project: &str,
        dataset: &str,
        tag: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM dataset_tags WHERE project_id = $1 AND dataset = $2 AND tag = $3",
        )
        .bind(project)
        .bind(dataset)
        .bind(tag)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
