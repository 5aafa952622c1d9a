//! pixform-server: an image service on the pixform engine.
//!
//! It stores assets (SQL rows + content-addressed blobs), speaks the Sanity Assets API, and
//! serves Sanity-style CDN URLs, transforming images with [`pixform`] on a bounded pool of
//! threads behind a derived-image cache. [`router`] returns a plain `axum::Router`, so the
//! service can be mounted inside another axum or tower server:
//!
//! ```no_run
//! # async fn run() -> Result<(), pixform_server::RunError> {
//! let config = pixform_server::Config::with_data("./pixform-data");
//! let (db, blobs) = pixform_server::open(&config).await?;
//! let state = pixform_server::AppState::new(config, db, blobs)?;
//! let app = axum::Router::new().nest("/media", pixform_server::router(state));
//! # let _ = app; Ok(()) }
//! ```
//!
//! Decisions where the contract is silent are documented on the items that make them and
//! gathered in the server's README.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod config;
pub mod cors;
pub mod dataset_copy;
pub mod db;
pub mod document;
pub mod error;
pub mod gc;
pub mod metrics;
pub mod migrate;
pub mod pool;
pub mod router;
pub mod routes;
pub mod sanity;
pub mod server;
pub mod state;
pub mod store;
pub mod time;
pub mod upload;

pub use config::{Cli, Command, Config};
pub use error::{ApiError, ApiResult};
pub use router::router;
pub use server::{open, serve, RunError};
pub use state::AppState;
