//! Runs the real `pixform-server` binary on a free loopback port and talks HTTP to it.
//!
//! By default each server gets SQLite and a blob folder in its own temporary directory. When
//! `PIXFORM_TEST_DATABASE_URL` (postgres://…) and/or `PIXFORM_TEST_STORE` (s3://bucket/prefix,
//! with the standard AWS_* variables) are set, the same tests run against those backends;
//! every server then uses its own project ID and store prefix, so tests sharing the services
//! do not see each other's assets.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use ureq::http::Response;

/// The global administrator token every test server is started with.
pub const ADMIN: &str = "test-admin-token-0123456789";

/// A running server.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub project: String,
    pub data: tempfile::TempDir,
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    database: Option<String>,
    /// Ignore the test backends: the flags name the storage.
    plain: bool,
}

/// The fixture file `name` of the engine's test data.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A short random lowercase hex string.
pub fn unique(n: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let count = u128::from(COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    let mixed = nanos ^ (u128::from(std::process::id()) << 64) ^ (count * 0x9E37_79B9_7F4A_7C15);
    let hex = format!("{:032x}", mixed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    hex[hex.len() - n..].to_owned()
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Whether the tests run against PostgreSQL / S3 (for the report line of a test).
pub fn backend_name() -> String {
    let db = if std::env::var("PIXFORM_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    let store = if std::env::var("PIXFORM_TEST_STORE").is_ok() {
        "s3"
    } else {
        "local"
    };
    format!("{db}+{store}")
}

impl Server {
    /// A server with an admin token and a fresh project (with dataset `production`).
    pub fn start() -> Server {
        Server::start_with(&[], &[])
    }

    /// A server with extra flags and environment.
    pub fn start_with(extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let project = format!("p{}", unique(9));
        let mut args = vec![
            "--admin-token".to_owned(),
            ADMIN.to_owned(),
            "--init-project".to_owned(),
            project.clone(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        Server::start_raw(args, envs, project)
    }

    /// A server with exactly these flags and no test backends (the flags name the storage).
    pub fn start_plain(args: Vec<String>, project: String) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        let mut server = Server {
            child: spawn_placeholder(),
            base: String::new(),
            project,
            data,
            stdout: Arc::default(),
            stderr: Arc::default(),
            args,
            envs: Vec::new(),
            database: None,
            plain: true,
        };
        server.launch();
        server
    }

    /// A server with exactly these flags on an empty database: under
    /// `PIXFORM_TEST_DATABASE_URL`, a new PostgreSQL database of its own.
    pub fn start_empty(args: Vec<String>) -> Server {
        let Ok(url) = std::env::var("PIXFORM_TEST_DATABASE_URL") else {
            return Server::start_raw(args, &[], String::new());
        };
        let name = format!("t{}", unique(12));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let db = pixform_server::db::Db::connect(&url)
                .await
                .expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(db.pool())
                .await
                .expect("create database");
        });
        let (address, query) = url.split_once('?').unwrap_or((&url, ""));
        let (server_part, _) = address.rsplit_once('/').expect("database URL with a name");
        let scoped = if query.is_empty() {
            format!("{server_part}/{name}")
        } else {
            format!("{server_part}/{name}?{query}")
        };
        let data = tempfile::tempdir().expect("temp dir");
        let mut server = Server {
            child: spawn_placeholder(),
            base: String::new(),
            project: String::new(),
            data,
            stdout: Arc::default(),
            stderr: Arc::default(),
            args,
            envs: Vec::new(),
            database: Some(scoped),
            plain: false,
        };
        server.launch();
        server
    }

    /// A server with exactly these flags (plus `--data`, `--listen` and the test backends).
    pub fn start_raw(args: Vec<String>, envs: &[(&str, &str)], project: String) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        let envs = envs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut server = Server {
            child: spawn_placeholder(),
            base: String::new(),
            project,
            data,
            stdout: Arc::default(),
            stderr: Arc::default(),
            args,
            envs,
            database: std::env::var("PIXFORM_TEST_DATABASE_URL").ok(),
            plain: false,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let port = free_port();
        self.base = format!("http://127.0.0.1:{port}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pixform-server"));
        cmd.arg("serve")
            .arg("--data")
            .arg(self.data.path())
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args(&self.args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in [
            "PIXFORM_DATABASE",
            "PIXFORM_STORE",
            "PIXFORM_ADMIN_TOKEN",
            "PIXFORM_INIT_PROJECT",
        ] {
            cmd.env_remove(key);
        }
        cmd.args(self.backend_args());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn pixform-server");
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let (so, se) = (Arc::clone(&self.stdout), Arc::clone(&self.stderr));
        std::thread::spawn(move || pump(out, so));
        std::thread::spawn(move || pump(err, se));
        let mut old = std::mem::replace(&mut self.child, child);
        let _ = old.kill();
        let _ = old.wait();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(resp) = agent().get(format!("{}/health", self.base)).call() {
                if resp.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited with {status}: {}", self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "server did not start: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `--database`/`--store` for the test backends, when the environment names them.
    pub fn backend_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.plain {
            return args;
        }
        if let Some(url) = &self.database {
            args.extend(["--database".to_owned(), url.clone()]);
        }
        if let Ok(store) = std::env::var("PIXFORM_TEST_STORE") {
            let sub = self.store_prefix_name();
            args.extend([
                "--store".to_owned(),
                format!("{}/{sub}", store.trim_end_matches('/')),
            ]);
        }
        args
    }

    /// Runs `pixform-server gc --grace {grace}` on this server's storage; its stdout.
    pub fn gc(&self, grace: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_pixform-server"))
            .args(["gc", "--grace", grace, "--data"])
            .arg(self.data.path())
            .args(self.backend_args())
            .output()
            .expect("run gc");
        assert!(
            out.status.success(),
            "gc: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// How many blobs the store holds (a `gc` that keeps everything counts them).
    pub fn blob_count(&self) -> usize {
        let out = self.gc("100000h");
        out.strip_prefix("gc: scanned ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected gc output {out:?}"))
    }

    /// The store prefix of this server under `PIXFORM_TEST_STORE` (stable across restarts).
    fn store_prefix_name(&self) -> String {
        self.data
            .path()
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")
            })
            .unwrap_or_default()
    }

    /// Stops the process (SIGKILL) and starts it again on the same data.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.launch();
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// What the server printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// What the server logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// `{base}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Uploads `bytes` to `/v2024-06-24/assets/{kind}/production?{query}` as the admin.
    pub fn upload(&self, kind: &str, bytes: &[u8], query: &str) -> Reply {
        let url = self.url(&format!("/v2024-06-24/assets/{kind}/production?{query}"));
        let resp = agent()
            .post(url)
            .header("Authorization", format!("Bearer {ADMIN}"))
            .header("X-Sanity-Project-ID", &self.project)
            .send(bytes)
            .expect("upload request");
        Reply::from(resp)
    }

    /// Uploads and returns the document, asserting 200.
    pub fn upload_ok(&self, kind: &str, bytes: &[u8], query: &str) -> serde_json::Value {
        let reply = self.upload(kind, bytes, query);
        assert_eq!(reply.status, 200, "upload: {}", reply.text());
        reply.json()["document"].clone()
    }

    /// GET with headers.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = agent().get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.call().expect("GET"))
    }

    /// HEAD with headers.
    pub fn head(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = agent().head(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.call().expect("HEAD"))
    }

    /// POST a body with headers.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut req = agent().post(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.send(body).expect("POST"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_placeholder() -> Child {
    Command::new("true").spawn().expect("spawn true")
}

fn pump(mut from: impl Read, into: Arc<Mutex<String>>) {
    let mut reader = BufReader::new(&mut from);
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
        if let Ok(mut s) = into.lock() {
            s.push_str(&line);
        }
        line.clear();
    }
}

/// An agent that returns error statuses as responses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}

/// A response read whole.
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl From<Response<ureq::Body>> for Reply {
    fn from(mut resp: Response<ureq::Body>) -> Reply {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, or "".
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }

    /// Asserts the error shape: status, reason phrase and a message containing `needle`.
    pub fn assert_error(&self, status: u16, reason: &str, needle: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let body = self.json();
        assert_eq!(body["statusCode"], status, "{body}");
        assert_eq!(body["error"], reason, "{body}");
        let message = body["message"].as_str().unwrap_or("");
        assert!(
            message.contains(needle),
            "message {message:?} lacks {needle:?}"
        );
    }
}

impl Server {
    /// Another instance of this server's install: the same database, blob store and project,
    /// with a data folder (so a derived-image cache) of its own, as instances behind one load
    /// balancer have.
    pub fn start_sibling(&self) -> Server {
        let mut args = self.args.clone();
        args.extend(self.storage_args());
        Server::start_plain(args, self.project.clone())
    }

    /// `--database` and `--store` naming this server's storage, its defaults spelled out (its
    /// own flags when it was started with them).
    pub fn storage_args(&self) -> Vec<String> {
        let mut args = self.backend_args();
        let named = |args: &[String], flag: &str| args.iter().chain(&self.args).any(|a| a == flag);
        if !named(&args, "--database") {
            let db = self.data.path().join("pixform.db");
            args.extend([
                "--database".into(),
                format!("sqlite://{}?mode=rwc", db.display()),
            ]);
        }
        if !named(&args, "--store") {
            let blobs = self.data.path().join("blobs");
            args.extend(["--store".into(), blobs.display().to_string()]);
        }
        args
    }
}

/// A new empty database on the PostgreSQL server of `url` (`postgres://…/db?…`): its URL.
pub fn new_postgres_database(url: &str) -> String {
    let name = format!("t{}", unique(12));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = pixform_server::db::Db::connect(url).await.expect("connect");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(db.pool())
            .await
            .expect("create database");
    });
    let (address, query) = url.split_once('?').unwrap_or((url, ""));
    let (server_part, _) = address.rsplit_once('/').expect("database URL with a name");
    if query.is_empty() {
        format!("{server_part}/{name}")
    } else {
        format!("{server_part}/{name}?{query}")
    }
}

impl Server {
    /// This server's database and blob store, opened in the test process: to look at what the
    /// server stored, or to store something behind its back.
    pub fn open_storage(
        &self,
        runtime: &tokio::runtime::Runtime,
    ) -> (pixform_server::db::Db, pixform_server::store::Blobs) {
        let mut config = pixform_server::Config::with_data(self.data.path());
        for pair in self.backend_args().chunks(2) {
            match pair {
                [flag, value] if flag == "--database" => config.database = Some(value.clone()),
                [flag, value] if flag == "--store" => config.store = Some(value.clone()),
                _ => {}
            }
        }
        runtime
            .block_on(pixform_server::open(&config))
            .expect("open the server's storage")
    }
}

/// Every blob of the store by SHA-1, with its size.
pub fn blob_sizes(
    runtime: &tokio::runtime::Runtime,
    blobs: &pixform_server::store::Blobs,
) -> std::collections::BTreeMap<String, u64> {
    use futures_util::StreamExt;
    runtime.block_on(async {
        let mut listing = blobs.store().list(None);
        let mut out = std::collections::BTreeMap::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.expect("list blobs");
            if let Some(sha1) = pixform_server::store::Blobs::sha1_of(&meta.location) {
                out.insert(sha1.to_owned(), meta.size);
            }
        }
        out
    })
}

/// Every asset row of `project`, in key order.
pub fn project_rows(
    runtime: &tokio::runtime::Runtime,
    db: &pixform_server::db::Db,
    project: &str,
) -> Vec<pixform_server::db::AssetRow> {
    let mut rows: Vec<pixform_server::db::AssetRow> = Vec::new();
    loop {
        let (dataset, id) = rows.last().map_or((String::new(), String::new()), |r| {
            (r.dataset.clone(), r.id.clone())
        });
        let page = runtime
            .block_on(db.assets_after(project, &dataset, &id, 500))
            .expect("list asset rows");
        let before = rows.len();
        rows.extend(page.into_iter().take_while(|r| r.project_id == project));
        if rows.len() - before < 500 {
            return rows;
        }
    }
}

/// The bytes of a photograph of the bench corpus: `PIXFORM_CORPUS` when set, else
/// `benches/corpus` of the repository (as the engine's benchmarks find it).
pub fn corpus_file(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("PIXFORM_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../benches/corpus"),
        PathBuf::from,
    );
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "bench corpus file {} ({e}); set PIXFORM_CORPUS to the corpus directory",
            path.display()
        )
    })
}

/// Appends a PNG chunk: length, type, data and its CRC-32.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("chunk under 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

impl Server {
    /// `method path` with an optional bearer token, extra headers and an optional JSON body
    /// (sent on POST, PUT and PATCH only).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let url = self.url(path);
        let auth = token.map(|t| format!("Bearer {t}"));
        macro_rules! with_headers {
            ($req:expr) => {{
                let mut req = $req;
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req
            }};
        }
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let json = ("Content-Type", "application/json");
        let resp = match method {
            "GET" => with_headers!(agent().get(url)).call(),
            "HEAD" => with_headers!(agent().head(url)).call(),
            "DELETE" => with_headers!(agent().delete(url)).call(),
            "OPTIONS" => with_headers!(agent().options(url)).call(),
            "POST" => {
                with_headers!(agent().post(url).header(json.0, json.1)).send(bytes.as_bytes())
            }
            "PUT" => with_headers!(agent().put(url).header(json.0, json.1)).send(bytes.as_bytes()),
            "PATCH" => {
                with_headers!(agent().patch(url).header(json.0, json.1)).send(bytes.as_bytes())
            }
            other => panic!("method {other}"),
        };
        Reply::from(resp.expect("request"))
    }
}
