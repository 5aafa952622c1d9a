//! Scale-out: instances sharing one install's storage, and an embedded install moved to other
//! backends by `pixform-server migrate`, killed mid-copy and resumed.

mod common;

use std::io::{BufRead, BufReader, Cursor};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{fixture, Server, ADMIN};

/// How long an instance may answer from its in-memory copy of an asset row (the server's
/// documented bound): another instance's delete reaches its CDN answers within this.
const ROW_TTL: Duration = Duration::from_secs(10);
/// Slack over that bound for a loaded machine.
const SLACK: Duration = Duration::from_secs(5);
/// Threads uploading and fetching at once.
const THREADS: usize = 4;

/// Width and height of a PNG, read from its header.
fn dimensions(bytes: &[u8]) -> (u32, u32) {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .expect("read")
        .into_dimensions()
        .expect("an image")
}

/// The document as `server` answers it: the same but for the base of `url`.
fn as_served_by(doc: &Value, server: &Server) -> Value {
    let mut doc = doc.clone();
    doc["url"] = format!("{}/{}", server.base, doc["path"].as_str().expect("path")).into();
    doc
}

fn str_of<'a>(doc: &'a Value, field: &str) -> &'a str {
    doc[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {doc}"))
}

#[test]
fn an_asset_uploaded_on_one_instance_is_served_and_deleted_through_another() {
    let started = Instant::now();
    let a = Server::start();
    let b = a.start_sibling();
    let project = a.project.clone();
    let png = fixture("two-colour-48x32.png");
    let image = a.upload_ok("images", &png, "filename=two.png&title=Two");
    let file_bytes = format!("%PDF-1.7 shared by two instances {}", common::unique(12));
    let file = a.upload_ok("files", file_bytes.as_bytes(), "filename=shared.pdf");
    let (image_id, file_id) = (str_of(&image, "_id"), str_of(&file, "_id"));
    let image_path = format!("/{}", str_of(&image, "path"));
    let file_path = format!("/{}", str_of(&file, "path"));
    let rendered_on_a = format!("{image_path}?w=24");
    let rendered_on_b = format!("{image_path}?w=12");

    // A renders and keeps a derived image; from here on it holds both rows in memory.
    let loaded_on_a = Instant::now();
    let first = a.get(&rendered_on_a, &[]);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.header("x-cache"), "MISS");
    assert_eq!(first.header("content-type"), "image/png");
    assert_eq!(dimensions(&first.body), (24, 16));
    let again = a.get(&rendered_on_a, &[]);
    assert_eq!(again.header("x-cache"), "HIT");
    assert_eq!(again.body, first.body);
    assert_eq!(a.get(&image_path, &[]).body, png);
    assert_eq!(a.get(&file_path, &[]).body, file_bytes.as_bytes());

    // B knows what A uploaded.
    let project_header = [("X-Sanity-Project-ID", project.as_str())];
    let docs_path = format!("/v2024-06-24/data/doc/production/{image_id},{file_id}");
    let docs = b.get(&docs_path, &project_header);
    assert_eq!(docs.status, 200, "{}", docs.text());
    assert_eq!(
        docs.json(),
        json!({"documents": [as_served_by(&image, &b), as_served_by(&file, &b)], "omitted": []})
    );
    let original = b.get(&image_path, &[]);
    assert_eq!(original.status, 200, "{}", original.text());
    assert_eq!(original.body, png);
    let resized = b.get(&rendered_on_b, &[]);
    assert_eq!(resized.status, 200, "{}", resized.text());
    assert_eq!(resized.header("x-cache"), "MISS");
    assert_eq!(dimensions(&resized.body), (12, 8));
    let served_file = b.get(&file_path, &[]);
    assert_eq!(served_file.status, 200, "{}", served_file.text());
    assert_eq!(served_file.body, file_bytes.as_bytes());

    // B deletes both.
    let auth = format!("Bearer {ADMIN}");
    let body = json!({"mutations": [{"delete": {"id": image_id}}, {"delete": {"id": file_id}}]});
    let deleted = b.post(
        "/v2024-06-24/data/mutate/production",
        &[
            ("X-Sanity-Project-ID", &project),
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    assert_eq!(
        deleted.json()["results"],
        json!([
            {"id": image_id, "operation": "delete"},
            {"id": file_id, "operation": "delete"}
        ])
    );

    // Documents come from the database: gone on both at once.
    let gone = json!({"documents": [], "omitted": [
        {"id": image_id, "reason": "existence"},
        {"id": file_id, "reason": "existence"}
    ]});
    for server in [&a, &b] {
        let docs = server.get(&docs_path, &project_header);
        assert_eq!(docs.status, 200, "{}", docs.text());
        assert_eq!(docs.json(), gone);
    }
    let urls = [
        (image_path.as_str(), "Image not found"),
        (rendered_on_a.as_str(), "Image not found"),
        (rendered_on_b.as_str(), "Image not found"),
        (file_path.as_str(), "File not found"),
    ];
    // The instance that deleted forgets at once.
    for (url, message) in urls {
        b.get(url, &[]).assert_error(404, "Not Found", message);
    }
    // The other one within the row bound, its derived image included.
    let deadline = loaded_on_a + ROW_TTL + SLACK;
    while !urls.iter().all(|(url, _)| a.get(url, &[]).status == 404) {
        assert!(
            Instant::now() < deadline,
            "instance A still serves the deleted assets {:?} after their rows were loaded",
            loaded_on_a.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let gone_after = loaded_on_a.elapsed();
    for (url, message) in urls {
        a.get(url, &[]).assert_error(404, "Not Found", message);
    }
    eprintln!(
        "{}: A answered 404 {gone_after:?} after loading the rows; test took {:?}",
        common::backend_name(),
        started.elapsed()
    );
}

/// An asset of the migrated install: what is uploaded and, for an image, its size.
struct Asset {
    kind: &'static str,
    bytes: Vec<u8>,
    query: String,
    size: Option<(u32, u32)>,
}

/// Image sizes of the install, all even so that `w={W/2}` plans exactly `{W/2}x{H/2}`.
const SIZES: [(u32, u32); 8] = [
    (8, 6),
    (16, 10),
    (24, 24),
    (40, 30),
    (64, 48),
    (96, 64),
    (128, 96),
    (160, 120),
];
const IMAGES: usize = 160;
const FILES: usize = 60;

/// Distinct small PNGs of several sizes and text files of several lengths.
fn install_assets() -> Vec<Asset> {
    let mut assets = Vec::with_capacity(IMAGES + FILES);
    for i in 0..IMAGES {
        let (w, h) = SIZES[i % SIZES.len()];
        let pixels = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([i as u8, (i >> 8) as u8 ^ x as u8, (y as u8).wrapping_mul(7)])
        });
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(pixels)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .expect("encode PNG");
        assets.push(Asset {
            kind: "images",
            bytes,
            query: format!("filename=i{i}.png&title=Image%20{i}"),
            size: Some((w, h)),
        });
    }
    for i in 0..FILES {
        assets.push(Asset {
            kind: "files",
            bytes: format!("file {i} of the install\n")
                .repeat(1 + i * 13)
                .into_bytes(),
            query: format!("filename=f{i}.txt"),
            size: None,
        });
    }
    assets
}

/// Runs `f(i, &items[i])` for every item on [`THREADS`] threads; the results in item order.
fn on_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let f = &f;
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(j, item)| f(c * chunk + j, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    })
}

/// `pixform-server migrate` from `source`'s storage to these backends.
fn migrate_command(source: &Server, to_database: &str, to_store: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pixform-server"));
    cmd.arg("migrate")
        .arg("--data")
        .arg(source.data.path())
        .args(source.storage_args())
        .args(["--to-database", to_database, "--to-store", to_store]);
    for key in [
        "PIXFORM_DATABASE",
        "PIXFORM_STORE",
        "PIXFORM_TO_DATABASE",
        "PIXFORM_TO_STORE",
    ] {
        cmd.env_remove(key);
    }
    cmd
}

/// How many blobs these backends hold (a `gc` that keeps everything counts them).
fn blobs_in(database: &str, store: &str, scratch: &std::path::Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .args(["gc", "--grace", "100000h", "--data"])
        .arg(scratch)
        .args(["--database", database, "--store", store])
        .output()
        .expect("run gc");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.strip_prefix("gc: scanned ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected gc output {text:?}"))
}

#[test]
fn an_embedded_install_is_migrated_through_a_kill_and_served_whole_from_the_target() {
    let started = Instant::now();
    let project = format!("p{}", common::unique(9));
    let source = Server::start_plain(
        vec![
            "--admin-token".into(),
            ADMIN.into(),
            "--init-project".into(),
            project.clone(),
        ],
        project.clone(),
    );
    let assets = install_assets();
    let docs = on_threads(&assets, |_, asset| {
        source.upload_ok(asset.kind, &asset.bytes, &asset.query)
    });
    let total = assets.len();
    let uploaded = started.elapsed();

    let scratch = tempfile::tempdir().expect("tmp");
    let to_database = match std::env::var("PIXFORM_TEST_DATABASE_URL") {
        Ok(url) => common::new_postgres_database(&url),
        Err(_) => format!("sqlite://{}/pixform.db?mode=rwc", scratch.path().display()),
    };
    let to_store = match std::env::var("PIXFORM_TEST_STORE") {
        Ok(store) => format!("{}/m{}", store.trim_end_matches('/'), common::unique(12)),
        Err(_) => scratch.path().join("blobs").display().to_string(),
    };

    // The copy goes through the blobs in SHA-1 order. The last one becomes a FIFO that nobody
    // writes, so reading it blocks: however fast the copy runs, it cannot finish before the
    // kill, which lands after the first progress line (100 blobs through).
    let mut sha1s: Vec<&str> = docs.iter().map(|d| str_of(d, "sha1hash")).collect();
    sha1s.sort_unstable();
    let last = sha1s[sha1s.len() - 1];
    let last_blob = source.data.path().join("blobs").join(&last[..2]).join(last);
    let last_bytes = std::fs::read(&last_blob).expect("read blob");
    std::fs::remove_file(&last_blob).expect("remove blob");
    let fifo = Command::new("mkfifo")
        .arg(&last_blob)
        .status()
        .expect("mkfifo");
    assert!(fifo.success());

    let stderr = std::fs::File::create(scratch.path().join("migrate-1.log")).expect("log");
    let mut first = migrate_command(&source, &to_database, &to_store)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("migrate");
    let out = first.stdout.take().expect("stdout");
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut printed = Vec::new();
    while !printed
        .last()
        .is_some_and(|l: &String| l.starts_with("blobs: "))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => printed.push(line),
            Err(e) => panic!(
                "migrate printed no progress ({e}): {printed:?}, {}",
                std::fs::read_to_string(scratch.path().join("migrate-1.log")).unwrap_or_default()
            ),
        }
    }
    first.kill().expect("SIGKILL");
    let status = first.wait().expect("wait");
    assert_eq!(status.code(), None, "killed by a signal, not exited");
    assert_eq!(
        printed,
        [
            "migrations applied".to_owned(),
            format!("blobs: 100/{total} (0 present)")
        ]
    );
    let present = blobs_in(&to_database, &to_store, &scratch.path().join("gc"));
    assert!(
        (100..total).contains(&present),
        "{present} of {total} blobs copied before the kill"
    );
    let killed = started.elapsed();

    std::fs::remove_file(&last_blob).expect("remove FIFO");
    std::fs::write(&last_blob, &last_bytes).expect("restore blob");
    let second = migrate_command(&source, &to_database, &to_store)
        .output()
        .expect("migrate");
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    // The blobs a sequential copy in SHA-1 order had copied are the first ones of that order.
    let mut expected = vec!["migrations applied".to_owned()];
    for done in (100..=total).step_by(100) {
        expected.push(format!(
            "blobs: {done}/{total} ({} present)",
            done.min(present)
        ));
    }
    // Projects, datasets and tokens (one each) and every asset: no row before the kill.
    expected.push(format!(
        "copied {} rows (0 present), {} blobs ({present} present)",
        total + 3,
        total - present
    ));
    let output = String::from_utf8_lossy(&second.stdout);
    assert_eq!(output.lines().collect::<Vec<_>>(), expected);
    let migrated = started.elapsed();

    let target = Server::start_plain(
        vec![
            "--database".into(),
            to_database.clone(),
            "--store".into(),
            to_store.clone(),
        ],
        project.clone(),
    );
    let project_header = [("X-Sanity-Project-ID", project.as_str())];
    for batch in docs.chunks(100) {
        let ids: Vec<&str> = batch.iter().map(|d| str_of(d, "_id")).collect();
        let answer = target.get(
            &format!("/v2024-06-24/data/doc/production/{}", ids.join(",")),
            &project_header,
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        let expected: Vec<Value> = batch.iter().map(|d| as_served_by(d, &target)).collect();
        assert_eq!(answer.json(), json!({"documents": expected, "omitted": []}));
    }
    on_threads(&assets, |i, asset| {
        let path = format!("/{}", str_of(&docs[i], "path"));
        let original = target.get(&path, &[]);
        assert_eq!(original.status, 200, "{path}: {}", original.text());
        assert!(original.body == asset.bytes, "{path}: other bytes");
        if let Some((w, h)) = asset.size {
            let resized = target.get(&format!("{path}?w={}", w / 2), &[]);
            assert_eq!(resized.status, 200, "{path}: {}", resized.text());
            assert_eq!(dimensions(&resized.body), (w / 2, h / 2), "{path}");
        }
    });
    eprintln!(
        "{}: {total} assets ({IMAGES} images, {FILES} files); uploaded {uploaded:?}, killed at \
         {killed:?} with {present} blobs copied, migrated {migrated:?}, verified {:?}",
        common::backend_name(),
        started.elapsed()
    );
}
