//! Durability under SIGKILL: clients upload while the server is killed at random moments and
//! started again on the same data. Afterwards every acknowledged upload is complete and served
//! byte for byte, no asset row lacks its blob (nothing half-made is visible), and `gc`
//! deletes exactly the blobs no row points at.
//!
//! The kill delays come from a seeded generator; the seed is printed, and
//! `PIXFORM_TEST_SEED=N` replays a run's delays and upload contents.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use common::{blob_sizes, fixture, project_rows, Server, ADMIN};
use serde_json::Value;
use sha1::{Digest, Sha1};

/// SIGKILLs per run.
const KILLS: usize = 20;
/// Concurrent uploading clients.
const CLIENTS: usize = 3;
/// Bound of each client's uploads, so the loop stays bounded whatever the timing.
const MAX_UPLOADS_PER_CLIENT: usize = 2_000;
/// Delay before each kill, in milliseconds: [min, max).
const KILL_DELAY_MS: (u64, u64) = (50, 400);
/// Documents name this base, not the port, which changes at every start.
const PUBLIC_URL: &str = "http://durability.test";

/// splitmix64: small, seedable, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha1::digest(bytes))
}

/// The PNG fixture with a `tEXt` chunk carrying `text` after its header: distinct bytes, the
/// same valid image.
fn png_with_text(png: &[u8], text: &str) -> Vec<u8> {
    // Signature (8) and the IHDR chunk (4 + 4 + 13 + 4).
    let at = 33;
    assert_eq!(&png[12..16], b"IHDR");
    let data = [b"Comment\0".as_slice(), text.as_bytes()].concat();
    let mut out = png[..at].to_vec();
    common::png_chunk(&mut out, b"tEXt", &data);
    out.extend_from_slice(&png[at..]);
    out
}

/// The JPEG fixture with a COM segment carrying `text` after SOI.
fn jpeg_with_comment(jpeg: &[u8], text: &str) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let len = u16::try_from(text.len() + 2).unwrap();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xFE];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// One upload a client makes: endpoint kind, bytes, query, `Content-Type`.
struct Upload {
    kind: &'static str,
    bytes: Vec<u8>,
    query: String,
    content_type: Option<&'static str>,
}

/// The `n`th upload of client `client`: a PNG, a JPEG or a text file, each unique to the run.
fn upload_for(seed: u64, client: usize, n: usize, png: &[u8], jpeg: &[u8]) -> Upload {
    let tag = format!("seed {seed} client {client} upload {n}");
    match n % 3 {
        0 => Upload {
            kind: "images",
            bytes: png_with_text(png, &tag),
            query: format!("filename=c{client}-{n}.png&title=t{n}"),
            content_type: None,
        },
        1 => Upload {
            kind: "images",
            bytes: jpeg_with_comment(jpeg, &tag),
            query: format!("filename=c{client}-{n}.jpg&meta=none"),
            content_type: None,
        },
        _ => {
            // A few KiB, so a kill can land while the body is still arriving.
            let mut rng = Rng(seed ^ ((client as u64) << 32) ^ n as u64);
            let lines = rng.range(50, 400);
            let text: String = (0..lines).map(|i| format!("{tag} line {i}\n")).collect();
            Upload {
                kind: "files",
                bytes: text.into_bytes(),
                query: format!("filename=c{client}-{n}.txt"),
                content_type: Some("text/plain"),
            }
        }
    }
}

/// An upload answered 200 with its document.
struct Ack {
    bytes: Vec<u8>,
    doc: Value,
}

/// What one client saw.
#[derive(Default)]
struct ClientLog {
    acks: Vec<Ack>,
    /// Requests that failed without an answer (refused, reset, cut short).
    transport_errors: usize,
    /// 200s whose body was cut off by a kill: committed, never acknowledged.
    cut_answers: usize,
    /// Answers other than 200: none are expected.
    other_answers: Vec<(u16, String)>,
}

fn run_client(
    seed: u64,
    client: usize,
    project: String,
    base: Arc<RwLock<String>>,
    stop: Arc<AtomicBool>,
) -> ClientLog {
    let (png, jpeg) = (
        fixture("two-colour-48x32.png"),
        fixture("fixtures/fig-96x64-orient1.jpg"),
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent();
    let mut log = ClientLog::default();
    for n in 0..MAX_UPLOADS_PER_CLIENT {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let up = upload_for(seed, client, n, &png, &jpeg);
        let url = format!(
            "{}/v2024-06-24/assets/{}/production?{}",
            base.read().unwrap(),
            up.kind,
            up.query
        );
        let mut req = agent
            .post(url)
            .header("Authorization", format!("Bearer {ADMIN}"))
            .header("X-Sanity-Project-ID", &project);
        if let Some(ct) = up.content_type {
            req = req.header("Content-Type", ct);
        }
        match req.send(&up.bytes[..]) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let body = resp.body_mut().read_to_vec();
                match (status, body) {
                    (200, Ok(body)) => {
                        let json: Value = serde_json::from_slice(&body).expect("200 is JSON");
                        log.acks.push(Ack {
                            bytes: up.bytes,
                            doc: json["document"].clone(),
                        });
                    }
                    (200, Err(_)) => log.cut_answers += 1,
                    (status, body) => log.other_answers.push((
                        status,
                        String::from_utf8_lossy(&body.unwrap_or_default()).into_owned(),
                    )),
                }
            }
            Err(_) => {
                log.transport_errors += 1;
                // The server is down or starting: do not spin on the shared cores.
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
    log
}

/// The documents of `ids` as `data/doc` answers them, 100 IDs a request (its maximum).
fn fetch_documents(server: &Server, ids: &[&str]) -> Vec<Value> {
    let mut docs = Vec::new();
    for chunk in ids.chunks(100) {
        let got = server.get(
            &format!("/v2024-06-24/data/doc/production/{}", chunk.join(",")),
            &[("X-Sanity-Project-ID", &server.project)],
        );
        assert_eq!(got.status, 200, "{}", got.text());
        let body = got.json();
        assert_eq!(body["omitted"], serde_json::json!([]), "{chunk:?}");
        docs.extend(
            body["documents"]
                .as_array()
                .expect("documents")
                .iter()
                .cloned(),
        );
    }
    assert_eq!(docs.len(), ids.len());
    docs
}

/// Asserts that the CDN serves exactly the bytes at each document's URL. The requests go out
/// on a few threads: with an S3 store each one waits mostly on the network.
fn assert_originals_served(server: &Server, served: &[(&Value, &[u8])]) {
    let per_thread = served.len().div_ceil(8).max(1);
    thread::scope(|scope| {
        for part in served.chunks(per_thread) {
            scope.spawn(move || {
                for (doc, bytes) in part {
                    let url = doc["url"].as_str().expect("url");
                    let path = url
                        .strip_prefix(PUBLIC_URL)
                        .expect("url on the public base");
                    let original = server.get(path, &[]);
                    assert_eq!(original.status, 200, "{path}: {}", original.text());
                    assert!(original.body == *bytes, "{path}: other bytes served");
                }
            });
        }
    });
}

/// Asserts that every acknowledged upload is served: `data/doc` answers exactly the document,
/// the CDN exactly the bytes.
fn assert_acks_served(server: &Server, acks: &[Ack]) {
    let ids: Vec<&str> = acks
        .iter()
        .map(|a| a.doc["_id"].as_str().expect("_id"))
        .collect();
    for (ack, got) in acks.iter().zip(fetch_documents(server, &ids)) {
        assert_eq!(got, ack.doc);
    }
    let served: Vec<(&Value, &[u8])> = acks.iter().map(|a| (&a.doc, &a.bytes[..])).collect();
    assert_originals_served(server, &served);
}

/// The blobs of `rows`, read straight from the store, in order.
fn read_blobs(
    runtime: &tokio::runtime::Runtime,
    blobs: &pixform_server::store::Blobs,
    rows: &[pixform_server::db::AssetRow],
) -> Vec<bytes::Bytes> {
    use futures_util::StreamExt;
    runtime.block_on(
        futures_util::stream::iter(rows)
            .map(|row| async move {
                blobs
                    .get(&row.sha1)
                    .await
                    .unwrap_or_else(|e| panic!("row {} without its blob: {e}", row.id))
            })
            .buffered(16)
            .collect(),
    )
}

#[test]
fn acknowledged_uploads_survive_sigkill_and_gc_reclaims_exactly_the_orphans() {
    let began = Instant::now();
    let seed = std::env::var("PIXFORM_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    println!(
        "durability on {}: seed {seed} (replay with PIXFORM_TEST_SEED={seed})",
        common::backend_name()
    );
    let phase = |what: &str| println!("  at {:.1?}: {what}", began.elapsed());
    let mut server = Server::start_with(&["--public-url", PUBLIC_URL], &[]);
    let base = Arc::new(RwLock::new(server.base.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (project, base, stop) =
                (server.project.clone(), Arc::clone(&base), Arc::clone(&stop));
            thread::spawn(move || run_client(seed, client, project, base, stop))
        })
        .collect();

    let mut rng = Rng(seed);
    for _ in 0..KILLS {
        thread::sleep(Duration::from_millis(
            rng.range(KILL_DELAY_MS.0, KILL_DELAY_MS.1),
        ));
        server.restart();
        *base.write().unwrap() = server.base.clone();
    }
    // Some traffic on the last start too, then a clean stop of the clients.
    thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let logs: Vec<ClientLog> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let loop_time = began.elapsed();

    let transport_errors: usize = logs.iter().map(|l| l.transport_errors).sum();
    let cut_answers: usize = logs.iter().map(|l| l.cut_answers).sum();
    let other: Vec<(u16, String)> = logs
        .iter()
        .flat_map(|l| l.other_answers.iter().cloned())
        .collect();
    let acks: Vec<Ack> = logs.into_iter().flat_map(|l| l.acks).collect();
    println!(
        "{KILLS} kills in {loop_time:.1?}: {} acknowledged, {transport_errors} failed without \
         an answer, {cut_answers} answers cut off",
        acks.len()
    );
    assert!(other.is_empty(), "answers other than 200: {other:?}");
    assert!(
        acks.len() >= KILLS,
        "too few uploads to mean anything: {}",
        acks.len()
    );
    // Kills that hit no traffic would prove nothing: uploads must have failed.
    assert!(transport_errors > 0, "no upload was interrupted");

    // 1. Every acknowledged upload is complete and served.
    assert_acks_served(&server, &acks);
    phase("acknowledged uploads served");

    // 2. Nothing half-made is visible: every row of the project has its blob, of its size and
    // SHA-1, and is served.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, blobs) = server.open_storage(&runtime);
    let rows = project_rows(&runtime, &db, &server.project);
    let row_ids: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let acked: BTreeSet<&str> = acks.iter().filter_map(|a| a.doc["_id"].as_str()).collect();
    assert_eq!(acked.len(), acks.len(), "one document per upload");
    let missing: Vec<&&str> = acked.difference(&row_ids).collect();
    assert!(
        missing.is_empty(),
        "acknowledged without a row: {missing:?}"
    );
    let unacknowledged: Vec<&str> = row_ids.difference(&acked).copied().collect();
    let unacknowledged_docs = fetch_documents(&server, &unacknowledged);
    let stored = read_blobs(&runtime, &blobs, &rows);
    for (row, bytes) in rows.iter().zip(&stored) {
        assert_eq!(
            sha1_hex(bytes),
            row.sha1,
            "row {}: blob of other bytes",
            row.id
        );
        assert_eq!(bytes.len() as i64, row.size, "row {}: blob size", row.id);
    }
    // Acknowledged rows were checked over HTTP above; the others are served too.
    let by_id: BTreeMap<&str, &bytes::Bytes> =
        rows.iter().map(|r| r.id.as_str()).zip(&stored).collect();
    let served: Vec<(&Value, &[u8])> = unacknowledged_docs
        .iter()
        .map(|doc| (doc, &by_id[doc["_id"].as_str().unwrap()][..]))
        .collect();
    assert_originals_served(&server, &served);
    println!(
        "{} rows, all complete ({} committed without an acknowledgement)",
        rows.len(),
        rows.len() - acks.len()
    );
    phase("rows complete");

    // 3. gc. A deterministic orphan (a blob whose row never committed), so that the check
    // cannot pass on an empty set, and on a local store a file a put left half-written.
    let orphan = format!(
        "an upload killed before its row {seed} {}",
        common::unique(8)
    );
    let orphan_sha1 = sha1_hex(orphan.as_bytes());
    runtime
        .block_on(blobs.put(&orphan_sha1, bytes::Bytes::from(orphan.clone())))
        .unwrap();
    if blobs.is_local() {
        let half = format!("half of an upload {seed}");
        let sha1 = sha1_hex(half.as_bytes());
        let shard = server.data.path().join("blobs").join(&sha1[..2]);
        std::fs::create_dir_all(&shard).unwrap();
        std::fs::write(shard.join(format!("{sha1}#1")), &half[..half.len() / 2]).unwrap();
    }
    // A blob without a row is invisible: the CDN does not serve it.
    let orphan_path = format!("/files/{}/production/{orphan_sha1}.txt", server.project);
    server
        .get(&orphan_path, &[])
        .assert_error(404, "Not Found", "");
    let all = blob_sizes(&runtime, &blobs);
    let referenced: BTreeMap<String, u64> = all
        .iter()
        .filter(|(sha1, _)| runtime.block_on(db.blob_referenced(sha1)).unwrap())
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let orphans: Vec<(&String, &u64)> = all
        .iter()
        .filter(|(sha1, _)| !referenced.contains_key(*sha1))
        .collect();
    assert!(orphans.iter().any(|(sha1, _)| **sha1 == orphan_sha1));
    let partials = blobs.partial_writes().unwrap();
    assert_eq!(partials.is_empty(), !blobs.is_local(), "{partials:?}");
    let freed: u64 = orphans.iter().map(|(_, size)| **size).sum::<u64>()
        + partials.iter().map(|p| p.size).sum::<u64>();
    println!(
        "store: {} blobs, {} without a row ({} from kills), {} half-written files",
        all.len(),
        orphans.len(),
        orphans.len() - 1,
        partials.len()
    );
    // Young orphans survive the grace (an upload between blob and row looks the same)...
    assert_eq!(
        server.gc("1h"),
        format!(
            "gc: scanned {} blobs, deleted 0, freed 0 bytes\n",
            all.len()
        )
    );
    phase("gc kept young orphans");
    // ...and without it, exactly the orphans go.
    assert_eq!(
        server.gc("0s"),
        format!(
            "gc: scanned {} blobs, deleted {}, freed {freed} bytes\n",
            all.len(),
            orphans.len() + partials.len()
        )
    );
    assert_eq!(blob_sizes(&runtime, &blobs), referenced);
    assert_eq!(blobs.partial_writes().unwrap(), Vec::new());
    phase("gc deleted exactly the orphans");

    // 4. Everything acknowledged is still served, by a fresh process (no in-memory state).
    server.restart();
    assert_acks_served(&server, &acks);
    phase("acknowledged uploads served after gc and a restart");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    println!("durability: done in {:.1?}", began.elapsed());
}
