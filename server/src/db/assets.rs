//! Asset rows: one per asset document, pointing at a blob by SHA-1.

use sqlx::AssertSqlSafe;

use super::Db;

/// An asset row: every field of the document that is not derived.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssetRow {
    /// Project.
    pub project_id: String,
    /// Dataset.
    pub dataset: String,
    /// Document ID (`image-…` / `file-…`).
    pub id: String,
    /// `image` or `file`.
    pub kind: String,
    /// SHA-1 of the bytes, lowercase hex: the blob's name.
    pub sha1: String,
    /// Extension.
    pub extension: String,
    /// MIME type.
    pub mime_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Oriented width (images; 0 for files).
    pub width: i64,
    /// Oriented height (images; 0 for files).
    pub height: i64,
    /// Whether the source has an alpha channel (images; 0/1).
    pub has_alpha: i64,
    /// Frames of the source (images; 0 for files).
    pub frames: i64,
    /// Image format extension as the engine names it (images).
    pub format: Option<String>,
    /// `originalFilename`.
    pub original_filename: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// `creditLine`.
    pub credit_line: Option<String>,
    /// `altText`.
    pub alt_text: Option<String>,
    /// `source.name`.
    pub source_name: Option<String>,
    /// `source.id`.
    pub source_id: Option<String>,
    /// `source.url`.
    pub source_url: Option<String>,
    /// The `metadata` object as JSON (images).
    pub metadata: Option<String>,
    /// `_rev`.
    pub rev: String,
    /// `_createdAt`, RFC 3339.
    pub created_at: String,
    /// `_updatedAt`, RFC 3339.
    pub updated_at: String,
    /// `_createdAt` in milliseconds since the epoch.
    pub created_ms: i64,
}

const COLUMNS: &str = "project_id, dataset, id, kind, sha1, extension, mime_type, size, width, \
    height, has_alpha, frames, format, original_filename, title, description, label, \
    credit_line, alt_text, source_name, source_id, source_url, metadata, rev, created_at, \
    updated_at, created_ms";

impl Db {
    /// The asset with this document ID.
    pub async fn asset(
        &self,
        project: &str,
        dataset: &str,
        id: &str,
    ) -> Result<Option<AssetRow>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assets WHERE project_id = $1 AND dataset = $2 AND id = $3"
        )))
        .bind(project)
        .bind(dataset)
        .bind(id)
        .fetch_optional(self.pool())
        .await
    }

    /// The asset of this kind with these bytes, if one was uploaded already.
    pub async fn asset_by_content(
        &self,
        project: &str,
        dataset: &str,
        kind: &str,
        sha1: &str,
    ) -> Result<Option<AssetRow>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assets \
             WHERE project_id = $1 AND dataset = $2 AND kind = $3 AND sha1 = $4"
        )))
        .bind(project)
        .bind(dataset)
        .bind(kind)
        .bind(sha1)
        .fetch_optional(self.pool())
        .await
    }

    /// Inserts the row unless an asset with the same ID or bytes exists; whether it did.
    pub async fn insert_asset(&self, row: &AssetRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO assets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) \
             ON CONFLICT DO NOTHING"
        )))
        .bind(&row.project_id)
        .bind(&row.dataset)
        .bind(&row.id)
        .bind(&row.kind)
        .bind(&row.sha1)
        .bind(&row.extension)
        .bind(&row.mime_type)
        .bind(row.size)
        .bind(row.width)
        .bind(row.height)
        .bind(row.has_alpha)
        .bind(row.frames)
        .bind(&row.format)
        .bind(&row.original_filename)
        .bind(&row.title)
        .bind(&row.description)
        .bind(&row.label)
        .bind(&row.credit_line)
        .bind(&row.alt_text)
        .bind(&row.source_name)
        .bind(&row.source_id)
        .bind(&row.source_url)
        .bind(&row.metadata)
        .bind(&row.rev)
        .bind(&row.created_at)
        .bind(&row.updated_at)
        .bind(row.created_ms)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes the asset; the row it had, if any.
    pub async fn delete_asset(
        &self,
        project: &str,
        dataset: &str,
        id: &str,
    ) -> Result<Option<AssetRow>, sqlx::Error> {
        // One statement, no read-then-write transaction: SQLite cannot upgrade a read lock
        // while another connection writes, and answers "database is locked" at once.
        let row: Option<AssetRow> = sqlx::query_as(AssertSqlSafe(format!(
            "DELETE FROM assets WHERE project_id = $1 AND dataset = $2 AND id = $3 \
             RETURNING {COLUMNS}"
        )))
        .bind(project)
        .bind(dataset)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// Up to `limit` asset rows after the key (`project`, `dataset`, `id`), in key order.
    pub async fn assets_after(
        &self,
        project: &str,
        dataset: &str,
        id: &str,
        limit: i64,
    ) -> Result<Vec<AssetRow>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assets \
             WHERE project_id > $1 OR (project_id = $1 AND dataset > $2) \
                OR (project_id = $1 AND dataset = $2 AND id > $3) \
             ORDER BY project_id, dataset, id LIMIT $4"
        )))
        .bind(project)
        .bind(dataset)
        .bind(id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
    }

    /// A newest-first page of a dataset's assets: `kind` `None` for every kind, `keyword` a
    /// case-insensitive substring of title, filename, alt text, description or credit line,
    /// `before` the key (`created_ms`, `id`) of the previous page's last row. Also the number
    /// of rows matching the filters, whatever the page.
    pub async fn asset_page(
        &self,
        project: &str,
        dataset: &str,
        kind: Option<&str>,
        keyword: Option<&str>,
        before: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<(Vec<AssetRow>, i64), sqlx::Error> {
        let mut filter = String::from("project_id = $1 AND dataset = $2");
        let mut next = 3;
        if kind.is_some() {
            filter.push_str(&format!(" AND kind = ${next}"));
            next += 1;
        }
        let pattern = keyword.map(|k| {
            let mut p = String::from("%");
            for c in k.to_lowercase().chars() {
                if matches!(c, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(c);
            }
            p.push('%');
            p
        });
        if pattern.is_some() {
            let n = next;
            filter.push_str(&format!(
                " AND (LOWER(COALESCE(title, '')) LIKE ${n} ESCAPE '\\' \
                 OR LOWER(COALESCE(original_filename, '')) LIKE ${n} ESCAPE '\\' \
                 OR LOWER(COALESCE(alt_text, '')) LIKE ${n} ESCAPE '\\' \
                 OR LOWER(COALESCE(description, '')) LIKE ${n} ESCAPE '\\' \
                 OR LOWER(COALESCE(credit_line, '')) LIKE ${n} ESCAPE '\\')"
            ));
            next += 1;
        }
        let count_sql = format!("SELECT COUNT(*) FROM assets WHERE {filter}");
        let mut count = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(count_sql))
            .bind(project)
            .bind(dataset);
        if let Some(kind) = kind {
            count = count.bind(kind);
        }
        if let Some(pattern) = &pattern {
            count = count.bind(pattern);
        }
        let (total,) = count.fetch_one(self.pool()).await?;

        let mut page_filter = filter;
        if before.is_some() {
            let (a, b) = (next, next + 1);
            // Spelled out rather than a row-value comparison so both backends use the index.
            page_filter.push_str(&format!(
                " AND (created_ms < ${a} OR (created_ms = ${a} AND id < ${b}))"
            ));
            next += 2;
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM assets WHERE {page_filter} \
             ORDER BY created_ms DESC, id DESC LIMIT ${next}"
        );
        let mut query = sqlx::query_as::<_, AssetRow>(AssertSqlSafe(sql))
            .bind(project)
            .bind(dataset);
        if let Some(kind) = kind {
            query = query.bind(kind);
        }
        if let Some(pattern) = &pattern {
            query = query.bind(pattern);
        }
        if let Some((ms, id)) = before {
            query = query.bind(ms).bind(id);
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await?;
        Ok((rows, total))
    }

    /// Sets the editable text fields of an asset (`None` clears one) with a new revision;
    /// the updated row, or `None` when the asset does not exist.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_asset_text(
        &self,
        project: &str,
        dataset: &str,
        id: &str,
        description: Option<&str>,
        credit_line: Option<&str>,
        alt_text: Option<&str>,
        rev: &str,
        updated_at: &str,
    ) -> Result<Option<AssetRow>, sqlx::Error> {
        sqlx::query_as(AssertSqlSafe(format!(
            "UPDATE assets SET description = $4, credit_line = $5, alt_text = $6, rev = $7, \
             updated_at = $8 WHERE project_id = $1 AND dataset = $2 AND id = $3 \
             RETURNING {COLUMNS}"
        )))
        .bind(project)
        .bind(dataset)
        .bind(id)
        .bind(description)
        .bind(credit_line)
        .bind(alt_text)
        .bind(rev)
        .bind(updated_at)
        .fetch_optional(self.pool())
        .await
    }

    /// Admits one request of `project` under a rate of one per `interval_us` with bursts of
    /// up to `burst_us` ahead of it (the generic cell rate algorithm, one statement so every
    /// instance on this database shares the budget): `None` when admitted, else the
    /// microseconds until the next request would be.
    pub async fn take_rate(
        &self,
        project: &str,
        now_us: i64,
        interval_us: i64,
        burst_us: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        let admitted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO asset_api_rate (project_id, tat_us) VALUES ($1, $2 + $3) \
             ON CONFLICT (project_id) DO UPDATE SET tat_us = \
                 (CASE WHEN asset_api_rate.tat_us > $2 THEN asset_api_rate.tat_us ELSE $2 END) + $3 \
             WHERE asset_api_rate.tat_us - $2 <= $4 \
             RETURNING tat_us",
        )
        .bind(project)
        .bind(now_us)
        .bind(interval_us)
        .bind(burst_us)
        .fetch_optional(self.pool())
        .await?;
        if admitted.is_some() {
            return Ok(None);
        }
        let tat: Option<(i64,)> =
            sqlx::query_as("SELECT tat_us FROM asset_api_rate WHERE project_id = $1")
                .bind(project)
                .fetch_optional(self.pool())
                .await?;
        Ok(Some(
            tat.map_or(interval_us, |(t,)| t - burst_us - now_us).max(1),
        ))
    }

    /// Whether any asset row points at the blob `sha1`.
    pub async fn blob_referenced(&self, sha1: &str) -> Result<bool, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM assets WHERE sha1 = $1 LIMIT 1")
                .bind(sha1)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }
}
