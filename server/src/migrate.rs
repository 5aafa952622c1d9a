//! `pixform-server migrate --to-database … --to-store …`: copies an install (rows and blobs)
//! to other backends, e.g. from the embedded SQLite + folder to PostgreSQL + S3.
//!
//! Blobs go first, each verified against its SHA-1 name as it is read, then the rows: the
//! target never has a row without its blob. Everything already in the target is skipped (rows
//! by key, blobs by name), so a copy that was interrupted is resumed by running it again.

use std::collections::BTreeSet;

use object_store::ObjectStoreExt;
use sha1::{Digest, Sha1};
use sqlx::Row;

use crate::db::{AssetRow, Db};
use crate::store::Blobs;

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows inserted into the target (all tables).
    pub rows_copied: u64,
    /// Rows the target had already.
    pub rows_present: u64,
    /// Blobs written to the target.
    pub blobs_copied: u64,
    /// Blobs the target had already.
    pub blobs_present: u64,
}

/// Asset rows read per query.
const BATCH: i64 = 500;

/// Blobs between two calls of the progress callback of [`copy`].
pub const PROGRESS_EVERY: u64 = 100;

/// Copies every project, dataset, token, CORS entry, tag, signing key, copy job and asset row
/// of `from` and every blob they point at into `to`. After every [`PROGRESS_EVERY`]th blob (copied or present), `progress` gets the
/// report so far and the number of blobs to go through in all.
pub async fn copy(
    from_db: &Db,
    from_blobs: &Blobs,
    to_db: &Db,
    to_blobs: &Blobs,
    mut progress: impl FnMut(&CopyReport, u64),
) -> Result<CopyReport, String> {
    let mut report = CopyReport::default();
    let assets = all_assets(from_db).await?;
    let blobs: BTreeSet<&str> = assets.iter().map(|a| a.sha1.as_str()).collect();
    let total = blobs.len() as u64;
    for sha1 in blobs {
        copy_blob(sha1, from_blobs, to_blobs, &mut report).await?;
        if (report.blobs_copied + report.blobs_present) % PROGRESS_EVERY == 0 {
            progress(&report, total);
        }
    }
    let db_err = |e: sqlx::Error| format!("copying rows: {e}");
    for row in sqlx::query(
        "SELECT id, display_name, created_at, studio_host, metadata, activity_feed_enabled \
         FROM projects",
    )
    .fetch_all(from_db.pool())
    .await
    .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO projects (id, display_name, created_at, studio_host, metadata, \
             activity_feed_enabled) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<Option<String>, _>(3).map_err(db_err)?)
        .bind(row.try_get::<String, _>(4).map_err(db_err)?)
        .bind(row.try_get::<i64, _>(5).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    for row in sqlx::query("SELECT project_id, name, acl_mode, created_at FROM datasets")
        .fetch_all(from_db.pool())
        .await
        .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO datasets (project_id, name, acl_mode, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    for row in sqlx::query("SELECT id, project_id, label, role, hash, created_at FROM tokens")
        .fetch_all(from_db.pool())
        .await
        .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO tokens (id, project_id, label, role, hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<Option<String>, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .bind(row.try_get::<String, _>(4).map_err(db_err)?)
        .bind(row.try_get::<String, _>(5).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    // CORS entries get the target's own IDs: copying IDs would leave a PostgreSQL sequence
    // behind them.
    for row in sqlx::query(
        "SELECT project_id, origin, allow_credentials, created_at FROM cors_origins ORDER BY id",
    )
    .fetch_all(from_db.pool())
    .await
    .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO cors_origins (project_id, origin, allow_credentials, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<i64, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    for row in
        sqlx::query("SELECT project_id, name, title, description, tone, created_at FROM tags")
            .fetch_all(from_db.pool())
            .await
            .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO tags (project_id, name, title, description, tone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .bind(row.try_get::<String, _>(4).map_err(db_err)?)
        .bind(row.try_get::<String, _>(5).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    // Signed URLs of private datasets keep working after the move only with their keys.
    for row in sqlx::query("SELECT project_id, key_id, public_key, created_at FROM signing_keys")
        .fetch_all(from_db.pool())
        .await
        .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO signing_keys (project_id, key_id, public_key, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    for row in sqlx::query("SELECT project_id, dataset, tag FROM dataset_tags")
        .fetch_all(from_db.pool())
        .await
        .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO dataset_tags (project_id, dataset, tag) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    // The copy-job history goes along; a job the source had not finished runs again on the
    // target's first start (see `dataset_copy`).
    for row in sqlx::query(
        "SELECT id, project_id, source_dataset, target_dataset, state, authors, created_at, \
         updated_at, created_ms FROM copy_jobs",
    )
    .fetch_all(from_db.pool())
    .await
    .map_err(db_err)?
    {
        let done = sqlx::query(
            "INSERT INTO copy_jobs (id, project_id, source_dataset, target_dataset, state, \
             authors, created_at, updated_at, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0).map_err(db_err)?)
        .bind(row.try_get::<String, _>(1).map_err(db_err)?)
        .bind(row.try_get::<String, _>(2).map_err(db_err)?)
        .bind(row.try_get::<String, _>(3).map_err(db_err)?)
        .bind(row.try_get::<String, _>(4).map_err(db_err)?)
        .bind(row.try_get::<String, _>(5).map_err(db_err)?)
        .bind(row.try_get::<String, _>(6).map_err(db_err)?)
        .bind(row.try_get::<String, _>(7).map_err(db_err)?)
        .bind(row.try_get::<i64, _>(8).map_err(db_err)?)
        .execute(to_db.pool())
        .await
        .map_err(db_err)?;
        tally(&mut report, done.rows_affected());
    }
    for asset in &assets {
        let inserted = to_db.insert_asset(asset).await.map_err(db_err)?;
        tally(&mut report, u64::from(inserted));
    }
    Ok(report)
}

/// One blob, unless the target has it: a blob is written whole under its name (a local
/// folder renames a finished temporary file, S3 puts are atomic), so a name present is a
/// complete blob even after an interrupted copy.
async fn copy_blob(
    sha1: &str,
    from_blobs: &Blobs,
    to_blobs: &Blobs,
    report: &mut CopyReport,
) -> Result<(), String> {
    if to_blobs.store().head(&Blobs::path_of(sha1)).await.is_ok() {
        report.blobs_present += 1;
        return Ok(());
    }
    let bytes = from_blobs
        .get(sha1)
        .await
        .map_err(|e| format!("reading blob {sha1}: {e}"))?;
    let actual = format!("{:x}", Sha1::digest(&bytes));
    if actual != sha1 {
        return Err(format!(
            "blob {sha1} is corrupt: its bytes hash to {actual}; nothing more was copied"
        ));
    }
    to_blobs
        .put(sha1, bytes)
        .await
        .map_err(|e| format!("writing blob {sha1}: {e}"))?;
    report.blobs_copied += 1;
    Ok(())
}

fn tally(report: &mut CopyReport, inserted: u64) {
    if inserted > 0 {
        report.rows_copied += inserted;
    } else {
        report.rows_present += 1;
    }
}

/// Every asset row, read in key order a batch at a time.
async fn all_assets(db: &Db) -> Result<Vec<AssetRow>, String> {
    let mut out = Vec::new();
    let mut after = (String::new(), String::new(), String::new());
    loop {
        let batch = db
            .assets_after(&after.0, &after.1, &after.2, BATCH)
            .await
            .map_err(|e| format!("reading asset rows: {e}"))?;
        let Some(last) = batch.last() else { break };
        after = (
            last.project_id.clone(),
            last.dataset.clone(),
            last.id.clone(),
        );
        let full = batch.len() as i64 == BATCH;
        out.extend(batch);
        if !full {
            break;
        }
    }
    Ok(out)
}
