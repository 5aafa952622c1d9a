//! Metadata in SQL: SQLite (embedded default) or PostgreSQL (scale-out), chosen by URL scheme.
//!
//! Both backends go through sqlx's `Any` driver with `$N` placeholders (which SQLite accepts
//! too), so each query is written once; the migrations are kept per backend so their SQL may
//! differ where the dialects do.

mod assets;
mod cors;
mod projects;
mod signing_keys;
mod tags;
mod tokens;

use std::str::FromStr;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub use assets::AssetRow;
pub use cors::CorsRow;
pub use projects::{CopyJobRow, DatasetRow, ProjectRow, Removed};
pub use signing_keys::SigningKeyRow;
pub use tags::{TagChange, TagRow};
pub use tokens::{Role, TokenInfo, TokenRow};

/// Which SQL server a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (WAL mode).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The metadata database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating an SQLite file if missing.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(sqlx::Error::Configuration(
                format!("database URL must start with sqlite:// or postgres://, got {url:?}")
                    .into(),
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets the CDN read while an upload commits; the mode is stored in the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Db { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for queries this module does not offer.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }
}

/// Dataset access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclMode {
    /// Anyone may read documents and CDN URLs.
    Public,
    /// Only tokens (or signed URLs) may read.
    Private,
}

impl AclMode {
    /// `public` or `private`.
    pub fn as_str(self) -> &'static str {
        match self {
            AclMode::Public => "public",
            AclMode::Private => "private",
        }
    }
}

impl FromStr for AclMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(AclMode::Public),
            "private" => Ok(AclMode::Private),
            other => Err(format!(
                "aclMode: expected public or private, got {other:?}"
            )),
        }
    }
}
