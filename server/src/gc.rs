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
    /// Blobs deleted.
    pub deleted: u64,
    /// Bytes freed.
    pub freed_bytes: u64,
}

/// Deletes every blob older than `grace` that no row points at. The grace keeps the blob of
/// an upload whose row is about to commit (an upload rewrites its blob, renewing its age).
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
        match blobs.store().delete(&meta.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                report.deleted += 1;
                report.freed_bytes += meta.size;
            }
            Err(e) => return Err(format!("gc: deleting {}: {e}", meta.location)),
        }
    }
    Ok(report)
}
