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
/// of `from` and every blob they point at into `to`. After every [`PROGRESS_EVERY`]th blob
/// (copied or present), `progress` gets the report so far and the number of blobs to go
/// through in all.
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
    for table in TABLES {
        copy_table(table, from_db, to_db, &mut report)
            .await
            .map_err(|e| format!("copying {} rows: {e}", table.name))?;
    }
    for asset in &assets {
        let inserted = to_db.insert_asset(asset).await.map_err(db_err)?;
        tally(&mut report, u64::from(inserted));
    }
    Ok(report)
}

/// How a column is read from the source and bound for the target.
#[derive(Debug, Clone, Copy)]
enum Column {
    Text(&'static str),
    NullableText(&'static str),
    Integer(&'static str),
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Text(n) | Column::NullableText(n) | Column::Integer(n) => n,
        }
    }
}

/// A table copied row by row, skipping rows the target has (by its key).
#[derive(Debug)]
struct Table {
    name: &'static str,
    columns: &'static [Column],
    /// Source order; the order in which a target that assigns its own IDs numbers them.
    order_by: &'static str,
}

use Column::{Integer, NullableText, Text};

/// Every table but `assets` (copied through [`Db::insert_asset`]), parents before children.
/// CORS entries get the target's own IDs: copying IDs would leave a PostgreSQL sequence behind
/// them. Signing keys go along, or a private dataset's signed URLs would stop working after
/// the move; so does the copy-job history (a job the source had not finished runs again on the
/// target's first start, see `dataset_copy`).
const TABLES: &[Table] = &[
    Table {
        name: "projects",
        columns: &[
            Text("id"),
            Text("display_name"),
            Text("created_at"),
            NullableText("studio_host"),
            Text("metadata"),
            Integer("activity_feed_enabled"),
        ],
        order_by: "id",
    },
    Table {
        name: "datasets",
        columns: &[
            Text("project_id"),
            Text("name"),
            Text("acl_mode"),
            Text("created_at"),
        ],
        order_by: "project_id, name",
    },
    Table {
        name: "tokens",
        columns: &[
            Text("id"),
            NullableText("project_id"),
            Text("label"),
            Text("role"),
            Text("hash"),
            Text("created_at"),
        ],
        order_by: "id",
    },
    Table {
        name: "cors_origins",
        columns: &[
            Text("project_id"),
            Text("origin"),
            Integer("allow_credentials"),
            Text("created_at"),
        ],
        order_by: "id",
    },
    Table {
        name: "tags",
        columns: &[
            Text("project_id"),
            Text("name"),
            Text("title"),
            Text("description"),
            Text("tone"),
            Text("created_at"),
        ],
        order_by: "project_id, name",
    },
    Table {
        name: "signing_keys",
        columns: &[
            Text("project_id"),
            Text("key_id"),
            Text("public_key"),
            Text("created_at"),
        ],
        order_by: "project_id, key_id",
    },
    Table {
        name: "dataset_tags",
        columns: &[Text("project_id"), Text("dataset"), Text("tag")],
        order_by: "project_id, dataset, tag",
    },
    Table {
        name: "copy_jobs",
        columns: &[
            Text("id"),
            Text("project_id"),
            Text("source_dataset"),
            Text("target_dataset"),
            Text("state"),
            Text("authors"),
            Text("created_at"),
            Text("updated_at"),
            Integer("created_ms"),
        ],
        order_by: "id",
    },
];

async fn copy_table(
    table: &Table,
    from_db: &Db,
    to_db: &Db,
    report: &mut CopyReport,
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name()).collect();
    let names = names.join(", ");
    let placeholders: Vec<String> = (1..=table.columns.len()).map(|i| format!("${i}")).collect();
    let select = format!(
        "SELECT {names} FROM {} ORDER BY {}",
        table.name, table.order_by
    );
    let insert = format!(
        "INSERT INTO {} ({names}) VALUES ({}) ON CONFLICT DO NOTHING",
        table.name,
        placeholders.join(", ")
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(select))
        .fetch_all(from_db.pool())
        .await?
    {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
        for (i, column) in table.columns.iter().enumerate() {
            query = match column {
                Text(_) => query.bind(row.try_get::<String, _>(i)?),
                NullableText(_) => query.bind(row.try_get::<Option<String>, _>(i)?),
                Integer(_) => query.bind(row.try_get::<i64, _>(i)?),
            };
        }
        let done = query.execute(to_db.pool()).await?;
        tally(report, done.rows_affected());
    }
    Ok(())
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
