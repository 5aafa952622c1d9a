//! Reclaiming blobs that no asset row points at: uploads a crash interrupted between the
//! blob and the row, and the bytes of deleted assets.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use object_store::ObjectStoreExt;

use crate::db::Db;
use crate::store::Blobs;

/// What a collection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs looked at.
    pub scanned: u64,
    /// Blobs deleted, half-written files included.
    pub deleted: u64,
    /// Of `deleted`, files a crash left half-written in a local store.
    pub partial_writes: u64,
    /// Bytes freed.
    pub freed_bytes: u64,
}

/// Deletes every blob older than `grace` that no row points at, and the files a crash left
/// half-written in a local store (no listing shows them, so nothing else would ever remove
/// them) once older than `grace`. The grace keeps the blob of an upload whose row is about to
/// commit (an upload rewrites its blob, renewing its age) and the file a put is writing now.
pub async fn collect(db: &Db, blobs: &Blobs, grace: Duration) -> Result<GcReport, String> {
    let cutoff = SystemTime::now()
        .checked_sub(grace)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut report = GcReport::default();
    let mut listing = blobs.store().list(None);
    while let Some(meta) = listing.next().await {
        let meta = meta.map_err(|e| format!("gc: listing blobs: {e}"))?;
        let Some(sha1) = Blobs::sha1_of(&meta.location) else {
            continue;
        };
        report.scanned += 1;
        if SystemTime::from(meta.last_modified) > cutoff {
            continue;
        }
        if db
            .blob_referenced(sha1)
            .await
            .map_err(|e| format!("gc: database: {e}"))?
        {
            continue;
        }
        // The listing may be old by now (a long one, or a slow database): an upload that has
        // rewritten the blob since then renewed its age.
        match blobs.store().head(&meta.location).await {
            Ok(now) if SystemTime::from(now.last_modified) > cutoff => continue,
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(format!("gc: reading {}: {e}", meta.location)),
        }
        match blobs.store().delete(&meta.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                report.deleted += 1;
                report.freed_bytes += meta.size;
            }
            Err(e) => return Err(format!("gc: deleting {}: {e}", meta.location)),
        }
    }
    let local = blobs.clone();
    let partials = tokio::task::spawn_blocking(move || local.partial_writes())
        .await
        .map_err(|e| format!("gc: listing partial writes: {e}"))?
        .map_err(|e| format!("gc: listing partial writes: {e}"))?;
    for partial in partials.into_iter().filter(|p| p.modified <= cutoff) {
        match tokio::fs::remove_file(&partial.path).await {
            Ok(()) => {
                report.deleted += 1;
                report.partial_writes += 1;
                report.freed_bytes += partial.size;
            }
            // Its put completed (renamed into place) or another gc removed it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("gc: deleting {}: {e}", partial.path.display())),
        }
    }
    Ok(report)
}
