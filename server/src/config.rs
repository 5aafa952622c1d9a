//! Command line and environment: every flag has a `PIXFORM_<FLAG>` twin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// `pixform-server [serve|migrate|gc] [options]`.
#[derive(Debug, Parser)]
#[command(
    name = "pixform-server",
    version,
    about = "Image service on the pixform engine"
)]
pub struct Cli {
    /// What to do. Default: `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, also accepted without the subcommand.
    #[command(flatten)]
    pub config: Config,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve(Box<Config>),
    /// Apply the database migrations; with `--to-database`/`--to-store`, also copy every row
    /// and blob to those backends (resumable: run it again after an interruption).
    Migrate(Box<MigrateArgs>),
    /// Delete blobs that no asset row points at and that are older than `--grace`.
    Gc(Box<GcArgs>),
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The install to migrate (and copy from).
    #[command(flatten)]
    pub config: Config,
    /// Database to copy the rows to (`postgres://…` or `sqlite://…`). Default: none (no copy).
    #[arg(long, env = "PIXFORM_TO_DATABASE")]
    pub to_database: Option<String>,
    /// Blob store to copy the blobs to (`s3://bucket/prefix` or a folder). Default: none.
    #[arg(long, env = "PIXFORM_TO_STORE")]
    pub to_store: Option<String>,
}

/// Options of `gc`.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// The storage to clean.
    #[command(flatten)]
    pub config: Config,
    /// Blobs younger than this are kept, so uploads whose row is not committed yet survive
    /// (`30s`, `15m`, `1h`). Default: 1h.
    #[arg(long, env = "PIXFORM_GC_GRACE", default_value = "1h", value_parser = parse_duration)]
    pub grace: Duration,
}

/// Server configuration.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Default: 127.0.0.1:8080.
    #[arg(long, env = "PIXFORM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the embedded database, local blobs and the derived-image cache.
    /// Default: `./pixform-data`.
    #[arg(long, env = "PIXFORM_DATA", default_value = "./pixform-data")]
    pub data: PathBuf,
    /// Database URL: `sqlite://…` or `postgres://…`. Default: SQLite at `{data}/pixform.db`.
    #[arg(long, env = "PIXFORM_DATABASE")]
    pub database: Option<String>,
    /// Blob store: a folder path, `file:///…` or `s3://bucket/prefix` (credentials and
    /// endpoint from the standard AWS_* variables). Default: `{data}/blobs`.
    #[arg(long, env = "PIXFORM_STORE")]
    pub store: Option<String>,
    /// Base of the `url` field of asset documents. Default: `http://{listen}`.
    #[arg(long, env = "PIXFORM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A global administrator token, created if missing (idempotent). Default: none.
    #[arg(long, env = "PIXFORM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// A project to ensure, with a public dataset `production`. Default: none.
    #[arg(long, env = "PIXFORM_INIT_PROJECT")]
    pub init_project: Option<String>,
    /// Render threads. Default: the number of cores.
    #[arg(long, env = "PIXFORM_WORKERS")]
    pub workers: Option<usize>,
    /// Renders that may wait for a thread; more get 503. Default: 64.
    #[arg(long, env = "PIXFORM_QUEUE", default_value_t = 64)]
    pub queue: usize,
    /// Longest wait for a render thread before 503 (`10s`, `500ms`). Default: 10s.
    #[arg(long, env = "PIXFORM_QUEUE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub queue_timeout: Duration,
    /// Largest upload, in bytes. Default: 67108864 (64 MiB).
    #[arg(long, env = "PIXFORM_MAX_UPLOAD_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// Largest source image area, in pixels, for uploads and renders. Default: 50000000.
    #[arg(long, env = "PIXFORM_MAX_SOURCE_PIXELS", default_value_t = 50_000_000)]
    pub max_source_pixels: u64,
    /// Largest rendered image area, in pixels: a URL asking for more is 413. With
    /// `--max-source-pixels` and `--workers` it bounds a render's memory (server README,
    /// "Capacity"). Default: 67108864 (8192×8192).
    #[arg(long, env = "PIXFORM_MAX_OUTPUT_PIXELS", default_value_t = 8192 * 8192)]
    pub max_output_pixels: u64,
    /// Uploads received or analysed at once; more get 503 with `Retry-After`. Each holds its
    /// whole body, so this times `--max-upload-bytes` bounds upload memory. Default: 16.
    #[arg(long, env = "PIXFORM_MAX_UPLOADS", default_value_t = 16)]
    pub max_uploads: usize,
    /// Bound of the local derived-image cache, in bytes (0 disables it). Default: 1073741824
    /// (1 GiB).
    #[arg(long, env = "PIXFORM_CACHE_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub cache_bytes: u64,
    /// Prismic Asset API requests per second per repository: a finite number above 0
    /// (fractions allowed, `0.5` is one request every two seconds). Default: 1.
    #[arg(long, env = "PIXFORM_ASSET_API_RPS", default_value_t = 1.0, value_parser = parse_rps)]
    pub asset_api_rps: f64,
    /// Answer an `auto=format` request that negotiates AVIF, when that AVIF is not in the
    /// derived-image cache, with the next format the client accepts (WebP for browsers), marked
    /// `Cache-Control: public, max-age=60` (`Vary: Accept` as every `auto=format` answer), and
    /// encode the AVIF in the background into the cache for the next request. An AVIF encode
    /// costs about 14 WebP encodes, so a first visitor otherwise waits for it. Only while a
    /// render thread is free and none is awaited: under load the AVIF is rendered in line.
    /// Needs the cache (`--cache-bytes` above 0). Default: off.
    #[arg(long, env = "PIXFORM_AVIF_FALLBACK")]
    pub avif_fallback: bool,
}

impl Config {
    /// The configuration with every default, data in `data`.
    pub fn with_data(data: impl Into<PathBuf>) -> Config {
        let mut config = Cli::parse_from(["pixform-server"]).config;
        config.data = data.into();
        config
    }

    /// The database URL: `--database`, else SQLite at `{data}/pixform.db`.
    pub fn database_url(&self) -> String {
        match &self.database {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data.join("pixform.db").display()
            ),
        }
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Render threads: `--workers`, else the number of cores.
    pub fn worker_count(&self) -> usize {
        self.workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

/// Parses a rate in requests per second: a finite number above 0. A zero, negative or
/// non-finite rate would either block every request or none, so it is refused at startup
/// rather than replaced by a default the operator did not ask for.
pub fn parse_rps(text: &str) -> Result<f64, String> {
    let expected = "expected a finite number of requests per second above 0, such as 1 or 0.5";
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("{expected}, got {text:?}")),
    }
}

/// Parses `250ms`, `10s`, `5m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 10s or 500ms, got {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "unknown duration unit {unit:?} in {text:?} (ms, s, m, h)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}
