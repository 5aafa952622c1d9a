//! The derived-image cache: rendered responses in a local folder, bounded by `--cache-bytes`
//! with least-recently-used eviction, and single flight so identical concurrent misses render
//! once.
//!
//! Entries live at `{dir}/{project}/{dataset}/{asset sha1}/{key}`, so deleting an asset
//! removes its folder. A file holds a 4-byte big-endian header length, a JSON header (the
//! response headers that are not known before rendering) and the body.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use lru::LruCache;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::error::ApiError;
use crate::metrics::Metrics;

/// A rendered response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The body.
    pub body: Bytes,
    /// `Content-Disposition`, for `dl`/`dlRaw`.
    pub content_disposition: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    content_disposition: Option<String>,
}

/// Where an entry lives: which asset and which response of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Project.
    pub project: String,
    /// Dataset.
    pub dataset: String,
    /// Asset SHA-1.
    pub sha1: String,
    /// The response's identity (the ETag's hex).
    pub variant: String,
}

impl CacheKey {
    fn relative(&self) -> PathBuf {
        asset_dir(&self.project, &self.dataset, &self.sha1).join(safe(&self.variant))
    }
}

fn asset_dir(project: &str, dataset: &str, sha1: &str) -> PathBuf {
    [safe(project), safe(dataset), safe(sha1)].iter().collect()
}

/// A path segment from a name: itself when made of `[A-Za-z0-9_-]`, else its hex.
fn safe(name: &str) -> String {
    if !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        name.to_owned()
    } else {
        hex::encode(name.as_bytes())
    }
}

struct Index {
    entries: LruCache<PathBuf, u64>,
    total: u64,
}

/// The cache.
#[derive(Debug)]
pub struct DerivedCache {
    dir: PathBuf,
    max_bytes: u64,
    index: Mutex<IndexCell>,
    flights: Mutex<HashMap<CacheKey, Arc<OnceCell<Rendered>>>>,
    metrics: Option<Arc<Metrics>>,
}

/// `Index` behind a Debug-able wrapper.
struct IndexCell(Index);

impl std::fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("entries", &self.0.entries.len())
            .field("total", &self.0.total)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a consistent map (every update is one call).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl DerivedCache {
    /// A cache in `dir` holding at most `max_bytes` (0: keep nothing on disk); indexes what
    /// an earlier run left there, oldest first, and evicts down to the bound. Hits and misses
    /// are counted in `metrics` when given.
    pub fn open(
        dir: PathBuf,
        max_bytes: u64,
        metrics: Option<Arc<Metrics>>,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let mut found = Vec::new();
        scan(&dir, &dir, &mut found, 0);
        found.sort_by_key(|(_, _, modified)| *modified);
        let mut index = Index {
            entries: LruCache::unbounded(),
            total: 0,
        };
        for (path, size, _) in found {
            index.total += size;
            index.entries.put(path, size);
        }
        let cache = DerivedCache {
            dir,
            max_bytes,
            index: Mutex::new(IndexCell(index)),
            flights: Mutex::new(HashMap::new()),
            metrics,
        };
        for path in cache.evict() {
            let _ = std::fs::remove_file(cache.dir.join(path));
        }
        Ok(cache)
    }

    /// Whether entries are kept at all (`--cache-bytes` above 0).
    pub fn enabled(&self) -> bool {
        self.max_bytes != 0
    }

    /// Whether `key` is on disk now, without reading it or touching its recency. An eviction
    /// may still come before a later [`DerivedCache::get_or_render`].
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.enabled() && lock(&self.index).0.entries.contains(&key.relative())
    }

    /// Bytes held now.
    pub fn total_bytes(&self) -> u64 {
        lock(&self.index).0.total
    }

    /// The entry for `key`, rendered by `render` on a miss. Concurrent calls with the same
    /// key share one render; a call whose caller goes away hands the render to the next.
    /// The flag says whether it came from the cache.
    pub async fn get_or_render<F, Fut>(
        &self,
        key: &CacheKey,
        render: F,
    ) -> Result<(Rendered, bool), ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Rendered, ApiError>>,
    {
        if let Some(hit) = self.read(key).await {
            self.count(true);
            return Ok((hit, true));
        }
        let cell = Arc::clone(lock(&self.flights).entry(key.clone()).or_default());
        let mut rendered_here = false;
        let result = cell
            .get_or_try_init(|| async {
                rendered_here = true;
                self.count(false);
                let out = render().await?;
                self.write(key, &out).await;
                Ok::<_, ApiError>(out)
            })
            .await
            .cloned();
        {
            let mut flights = lock(&self.flights);
            if flights.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                flights.remove(key);
            }
        }
        if !rendered_here && result.is_ok() {
            self.count(true);
        }
        result.map(|r| (r, !rendered_here))
    }

    fn count(&self, hit: bool) {
        if let Some(m) = &self.metrics {
            if hit {
                m.cache_hits.inc();
            } else {
                m.cache_misses.inc();
            }
        }
    }

    /// Forgets every entry of an asset (it was deleted).
    pub async fn remove_asset(&self, project: &str, dataset: &str, sha1: &str) {
        self.remove_prefix(asset_dir(project, dataset, sha1)).await;
    }

    /// Forgets every entry of a dataset, or of a whole project when `dataset` is `None` (it
    /// was deleted).
    pub async fn remove_scope(&self, project: &str, dataset: Option<&str>) {
        let mut prefix = PathBuf::from(safe(project));
        if let Some(dataset) = dataset {
            prefix.push(safe(dataset));
        }
        self.remove_prefix(prefix).await;
    }

    async fn remove_prefix(&self, prefix: PathBuf) {
        {
            let mut index = lock(&self.index);
            let doomed: Vec<PathBuf> = index
                .0
                .entries
                .iter()
                .filter(|(p, _)| p.starts_with(&prefix))
                .map(|(p, _)| p.clone())
                .collect();
            for path in doomed {
                if let Some(size) = index.0.entries.pop(&path) {
                    index.0.total -= size;
                }
            }
        }
        let _ = tokio::fs::remove_dir_all(self.dir.join(prefix)).await;
    }

    async fn read(&self, key: &CacheKey) -> Option<Rendered> {
        if self.max_bytes == 0 {
            return None;
        }
        let rel = key.relative();
        lock(&self.index).0.entries.get(&rel)?;
        match tokio::fs::read(self.dir.join(&rel)).await {
            Ok(data) => decode(data),
            Err(_) => {
                let mut index = lock(&self.index);
                if let Some(size) = index.0.entries.pop(&rel) {
                    index.0.total -= size;
                }
                None
            }
        }
    }

    async fn write(&self, key: &CacheKey, entry: &Rendered) {
        let size = entry.body.len() as u64;
        if self.max_bytes == 0 || size > self.max_bytes / 4 {
            return;
        }
        let rel = key.relative();
        let path = self.dir.join(&rel);
        let Ok(header) = serde_json::to_vec(&Header {
            content_disposition: entry.content_disposition.clone(),
        }) else {
            return;
        };
        let mut data = Vec::with_capacity(4 + header.len() + entry.body.len());
        data.extend_from_slice(&u32::try_from(header.len()).unwrap_or(0).to_be_bytes());
        data.extend_from_slice(&header);
        data.extend_from_slice(&entry.body);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = async {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::write(&tmp, &data).await?;
            tokio::fs::rename(&tmp, &path).await
        }
        .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %path.display(), "derived cache write");
            let _ = tokio::fs::remove_file(&tmp).await;
            return;
        }
        let stored = data.len() as u64;
        {
            let mut index = lock(&self.index);
            if let Some(old) = index.0.entries.put(rel, stored) {
                index.0.total -= old;
            }
            index.0.total += stored;
        }
        for doomed in self.evict() {
            let _ = tokio::fs::remove_file(self.dir.join(doomed)).await;
        }
    }

    /// Takes least-recently-used entries out of the index until it fits; their files.
    fn evict(&self) -> Vec<PathBuf> {
        let mut index = lock(&self.index);
        let mut doomed = Vec::new();
        while index.0.total > self.max_bytes {
            let Some((path, size)) = index.0.entries.pop_lru() else {
                break;
            };
            index.0.total -= size;
            doomed.push(path);
        }
        doomed
    }
}

fn decode(data: Vec<u8>) -> Option<Rendered> {
    let len = u32::from_be_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let header: Header = serde_json::from_slice(data.get(4..4 + len)?).ok()?;
    let body = Bytes::from(data).slice(4 + len..);
    Some(Rendered {
        body,
        content_disposition: header.content_disposition,
    })
}

/// Files under `dir` with size and age, three levels of folders deep (the layout's depth).
fn scan(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, u64, std::time::SystemTime)>, depth: u32) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() && depth < 3 {
            scan(root, &path, out, depth + 1);
        } else if meta.is_file() {
            let is_tmp = path
                .extension()
                .is_some_and(|e| e.to_string_lossy().starts_with("tmp"));
            if is_tmp || depth != 3 {
                // A write that a crash interrupted, or something that is not an entry.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if let Ok(rel) = path.strip_prefix(root) {
                let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                out.push((rel.to_path_buf(), meta.len(), modified));
            }
        }
    }
}
