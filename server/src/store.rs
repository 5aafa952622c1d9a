//! Blobs in an `object_store`: a local folder (default) or any S3-compatible bucket.
//!
//! Blobs are content-addressed (`{sha1[0..2]}/{sha1}`), shared by every dataset that holds
//! the same bytes, and written before the row that points at them is committed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::Config;

/// The blob store.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// The folder of a local store: where a crash can leave half-written files.
    root: Option<PathBuf>,
}

/// A file a local put left half-written (`{sha1}#{n}`, renamed into place when complete), which
/// listings never show: the process died while writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialWrite {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its last write.
    pub modified: SystemTime,
}

impl Blobs {
    /// Opens `--store` (a folder, `file:///…` or `s3://bucket/prefix`), else `{data}/blobs`.
    pub fn open(config: &Config) -> Result<Blobs, object_store::Error> {
        let spec = config
            .store
            .clone()
            .unwrap_or_else(|| config.data.join("blobs").display().to_string());
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()?;
            let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                p => Arc::new(object_store::prefix::PrefixStore::new(s3, p)),
            };
            return Ok(Blobs { store, root: None });
        }
        let dir = spec.strip_prefix("file://").unwrap_or(&spec);
        std::fs::create_dir_all(dir).map_err(|e| object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(e),
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Blobs {
            store: Arc::new(fs),
            root: Some(PathBuf::from(dir)),
        })
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Whether blobs are on this machine's disk (so reading one is cheap).
    pub fn is_local(&self) -> bool {
        self.root.is_some()
    }

    /// The half-written blob files of a local store (none for S3, whose puts are atomic on the
    /// server). Blocking: call it off the async threads.
    pub fn partial_writes(&self) -> std::io::Result<Vec<PartialWrite>> {
        let mut found = Vec::new();
        let Some(root) = &self.root else {
            return Ok(found);
        };
        for shard in std::fs::read_dir(root)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            let entries = match std::fs::read_dir(shard.path()) {
                Ok(entries) => entries,
                // Removed by a concurrent delete of its last blob.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                let Some((sha1, suffix)) = name.to_str().and_then(|n| n.split_once('#')) else {
                    continue;
                };
                let staged = is_sha1_name(sha1)
                    && !suffix.is_empty()
                    && suffix.bytes().all(|b| b.is_ascii_digit());
                if !staged {
                    continue;
                }
                let meta = match entry.metadata() {
                    Ok(meta) => meta,
                    // Renamed into place since the listing.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                found.push(PartialWrite {
                    path: entry.path(),
                    size: meta.len(),
                    modified: meta.modified()?,
                });
            }
        }
        Ok(found)
    }

    /// The path of the blob with this SHA-1.
    pub fn path_of(sha1: &str) -> Path {
        let shard = sha1.get(..2).unwrap_or("00");
        Path::from(format!("{shard}/{sha1}"))
    }

    /// The SHA-1 a blob path names, if it is one.
    pub fn sha1_of(path: &Path) -> Option<&str> {
        let name = path.filename()?;
        is_sha1_name(name).then_some(name)
    }

    /// Stores the bytes under their SHA-1 (overwriting refreshes the blob's age for `gc`).
    pub async fn put(&self, sha1: &str, bytes: Bytes) -> Result<(), object_store::Error> {
        self.store
            .put(&Self::path_of(sha1), PutPayload::from_bytes(bytes))
            .await
            .map(drop)
    }

    /// The whole blob.
    pub async fn get(&self, sha1: &str) -> Result<Bytes, object_store::Error> {
        self.store.get(&Self::path_of(sha1)).await?.bytes().await
    }

    /// `len` bytes of the blob from `start`.
    pub async fn get_range(
        &self,
        sha1: &str,
        range: std::ops::Range<u64>,
    ) -> Result<Bytes, object_store::Error> {
        self.store.get_range(&Self::path_of(sha1), range).await
    }

    /// Whether the store answers (a listing of one key).
    pub async fn ping(&self) -> Result<(), object_store::Error> {
        use futures_util::StreamExt;
        let mut listing = self.store.list(None);
        match listing.next().await {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

/// Whether `name` is a blob's name: 40 hex digits.
fn is_sha1_name(name: &str) -> bool {
    name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit())
}
