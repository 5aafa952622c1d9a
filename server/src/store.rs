//! Blobs in an `object_store`: a local folder (default) or any S3-compatible bucket.
//!
//! Blobs are content-addressed (`{sha1[0..2]}/{sha1}`), shared by every dataset that holds
//! the same bytes, and written before the row that points at them is committed.

use std::sync::Arc;

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
    local: bool,
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
            return Ok(Blobs {
                store,
                local: false,
            });
        }
        let dir = spec.strip_prefix("file://").unwrap_or(&spec);
        std::fs::create_dir_all(dir).map_err(|e| object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(e),
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Blobs {
            store: Arc::new(fs),
            local: true,
        })
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Whether blobs are on this machine's disk (so reading one is cheap).
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// The path of the blob with this SHA-1.
    pub fn path_of(sha1: &str) -> Path {
        let shard = sha1.get(..2).unwrap_or("00");
        Path::from(format!("{shard}/{sha1}"))
    }

    /// The SHA-1 a blob path names, if it is one.
    pub fn sha1_of(path: &Path) -> Option<&str> {
        let name = path.filename()?;
        (name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit())).then_some(name)
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
