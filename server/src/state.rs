//! The shared state of every handler.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lru::LruCache;

use crate::cache::{CacheKey, DerivedCache, Rendered};
use crate::config::Config;
use crate::db::{AclMode, AssetRow, Db};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::pool::RenderPool;
use crate::store::Blobs;

/// How long a cached asset row answers for the database. Rows are immutable per ID; this
/// bounds how long another instance may still serve an asset (or an ACL) changed elsewhere.
/// This instance forgets a row at once when it deletes it.
const ROW_TTL: Duration = Duration::from_secs(10);
/// Asset rows kept in memory.
const ROW_CAPACITY: usize = 10_000;

/// An asset row as the CDN needs it, with its dataset's access mode.
#[derive(Debug, Clone)]
pub struct CdnAsset {
    /// The row.
    pub row: Arc<AssetRow>,
    /// Its dataset's access mode.
    pub acl: AclMode,
}

type RowKey = (String, String, String);

/// Everything a handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    public_base: String,
    db: Db,
    blobs: Blobs,
    limits: pixform::Limits,
    pool: RenderPool,
    uploads: Arc<tokio::sync::Semaphore>,
    cache: DerivedCache,
    originals: Option<DerivedCache>,
    metrics: Arc<Metrics>,
    rows: Mutex<LruCache<RowKey, (CdnAsset, Instant)>>,
}

impl AppState {
    /// State over an opened database and store; the cache folder is `{data}/cache`.
    pub fn new(config: Config, db: Db, blobs: Blobs) -> std::io::Result<AppState> {
        let metrics = Arc::new(Metrics::new());
        let cache = DerivedCache::open(
            config.data.join("cache"),
            config.cache_bytes,
            Some(Arc::clone(&metrics)),
        )?;
        // A remote store: keep sources on local disk too, so a cache miss of a popular image
        // does not fetch its source again.
        let originals = if blobs.is_local() {
            None
        } else {
            Some(DerivedCache::open(
                config.data.join("originals"),
                config.cache_bytes,
                None,
            )?)
        };
        let pool = RenderPool::new(
            config.worker_count(),
            config.queue,
            config.queue_timeout,
            Arc::clone(&metrics),
        );
        let mut limits = pixform::Limits::default();
        limits.max_input_bytes = config.max_upload_bytes;
        limits.max_source_pixels = config.max_source_pixels;
        limits.max_output_pixels = config.max_output_pixels;
        limits.max_total_frame_pixels = limits
            .max_total_frame_pixels
            .min(config.max_source_pixels.saturating_mul(4));
        let capacity = NonZeroUsize::new(ROW_CAPACITY).unwrap_or(NonZeroUsize::MIN);
        let uploads = Arc::new(tokio::sync::Semaphore::new(config.max_uploads.max(1)));
        Ok(AppState {
            inner: Arc::new(Inner {
                public_base: config.public_base(),
                config,
                db,
                blobs,
                limits,
                pool,
                uploads,
                cache,
                originals,
                metrics,
                rows: Mutex::new(LruCache::new(capacity)),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Base of document URLs, without a trailing slash.
    pub fn public_base(&self) -> &str {
        &self.inner.public_base
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The blob store.
    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// A place for one upload, held while its body is read, analysed and stored; 503 with
    /// `Retry-After` when `--max-uploads` are in flight.
    pub fn upload_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.inner.uploads)
            .try_acquire_owned()
            .map_err(|_| {
                ApiError::unavailable(
                    format!(
                        "{} uploads in flight (--max-uploads); retry later",
                        self.inner.config.max_uploads.max(1)
                    ),
                    1,
                )
            })
    }

    /// The engine limits of uploads and renders.
    pub fn limits(&self) -> &pixform::Limits {
        &self.inner.limits
    }

    /// The render pool.
    pub fn pool(&self) -> &RenderPool {
        &self.inner.pool
    }

    /// The derived-image cache.
    pub fn cache(&self) -> &DerivedCache {
        &self.inner.cache
    }

    /// The bytes of an asset's blob: from the local copy of a remote store's blob when there
    /// is one (fetched once for concurrent misses), else from the store.
    pub async fn source_bytes(&self, row: &AssetRow) -> Result<bytes::Bytes, ApiError> {
        let Some(originals) = &self.inner.originals else {
            return Ok(self.blobs().get(&row.sha1).await?);
        };
        let key = CacheKey {
            project: "blobs".into(),
            dataset: "-".into(),
            sha1: row.sha1.clone(),
            variant: "original".into(),
        };
        let (entry, _) = originals
            .get_or_render(&key, || async {
                Ok(Rendered {
                    body: self.blobs().get(&row.sha1).await?,
                    content_disposition: None,
                })
            })
            .await?;
        Ok(entry.body)
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The asset with this ID and its dataset's access mode, from memory when fresh.
    pub async fn cdn_asset(
        &self,
        project: &str,
        dataset: &str,
        id: &str,
    ) -> Result<Option<CdnAsset>, ApiError> {
        let key = (project.to_owned(), dataset.to_owned(), id.to_owned());
        {
            let mut rows = self
                .inner
                .rows
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((asset, at)) = rows.get(&key) {
                if at.elapsed() < ROW_TTL {
                    return Ok(Some(asset.clone()));
                }
            }
        }
        let Some(row) = self.db().asset(project, dataset, id).await? else {
            return Ok(None);
        };
        let acl = self
            .db()
            .dataset(project, dataset)
            .await?
            .map_or(AclMode::Private, |d| d.acl_mode);
        let asset = CdnAsset {
            row: Arc::new(row),
            acl,
        };
        self.inner
            .rows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(key, (asset.clone(), Instant::now()));
        Ok(Some(asset))
    }

    /// Forgets a deleted asset: its cached row and its derived images.
    pub async fn forget_asset(&self, row: &AssetRow) {
        let key = (row.project_id.clone(), row.dataset.clone(), row.id.clone());
        self.inner
            .rows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop(&key);
        self.cache()
            .remove_asset(&row.project_id, &row.dataset, &row.sha1)
            .await;
    }

    /// Forgets what this instance holds of a dataset (its ACL changed, or it was deleted), or
    /// of a whole project when `dataset` is `None`: cached rows at once, and on deletion the
    /// derived images too.
    pub async fn forget_scope(&self, project: &str, dataset: Option<&str>, deleted: bool) {
        {
            let mut rows = self
                .inner
                .rows
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let doomed: Vec<RowKey> = rows
                .iter()
                .map(|(k, _)| k)
                .filter(|(p, d, _)| p == project && dataset.is_none_or(|ds| ds == d))
                .cloned()
                .collect();
            for key in doomed {
                rows.pop(&key);
            }
        }
        if deleted {
            // Local copies of sources are shared by content across projects: they stay
            // until evicted.
            self.cache().remove_scope(project, dataset).await;
        }
    }
}
