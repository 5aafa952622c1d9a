//! The server under load: 32 clients for 10 s on distinct cache-miss URLs of one photograph,
//! against 2 render threads and 8 queue places.
//!
//! Every answer must be 200 or a well-formed 503; `/metrics` must show the queue while it
//! fills; the peak RSS must stay under the bound that server/README.md ("Capacity") derives
//! from the flags; and the same URLs asked again must all come from the derived-image cache
//! without a render.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{agent, corpus_file, Reply, Server};

const CLIENTS: usize = 32;
const WORKERS: usize = 2;
const QUEUE: usize = 8;
const BURST: Duration = Duration::from_secs(10);
/// 2056×3088 stored, displayed 3088×2056 (EXIF orientation 6): a phone-like photograph.
const SOURCE: &str = "j7-aitzgorri-orient6-2056x3088-baseline.jpg";
const MIB: u64 = 1 << 20;
/// Widths the load asks for: `W_MIN..=W_MAX`.
const W_MIN: u32 = 100;
const W_MAX: u32 = 700;
/// Longest a client waits after a 503. Shorter than `Retry-After` (1 s) so the queue stays
/// under pressure for the whole burst; long enough that rejected clients do not spin.
const BACKOFF: Duration = Duration::from_millis(200);

/// The query of URL number `i`: every `i` gives a different cache key (width, format and
/// quality vary together; one in four also sets a height).
fn query(i: usize) -> String {
    let widths = (W_MAX - W_MIN + 1) as usize;
    let w = W_MIN + (i % widths) as u32;
    let fm = ["jpg", "webp"][(i / widths) % 2];
    let q = 60 + (i / (2 * widths)) % 40;
    let mut query = format!("w={w}&fm={fm}&q={q}");
    if i % 4 == 3 {
        query.push_str(&format!("&h={}", w / 2));
    }
    query
}

/// The value of an unlabelled metric in a Prometheus text exposition.
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or_else(|| panic!("{name} not in {text}"))
}

fn metrics(server: &Server) -> String {
    let r = server.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    r.text()
}

/// A field of /proc/{pid}/status in bytes (`VmHWM`: peak resident set; `VmRSS`: now).
fn proc_status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("{field} not in {status}"))
}

#[derive(Default)]
struct Tally {
    ok: usize,
    unavailable: usize,
    /// Body of every 200, by query.
    bodies: HashMap<String, Vec<u8>>,
}

/// Asserts the shape of a 503: JSON error body and a `Retry-After` of whole seconds.
fn check_unavailable(r: &Reply) {
    r.assert_error(503, "Service Unavailable", "retry later");
    let retry: u64 = r
        .header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("503 without a Retry-After in seconds: {:?}", r.headers));
    assert!(retry >= 1, "Retry-After {retry}");
}

#[test]
fn bounded_memory_queue_and_cache_under_load() {
    let began = Instant::now();
    let source = corpus_file(SOURCE);
    let info = pixform::codec::probe(&source, &pixform::Limits::none()).expect("a JPEG");
    // The flags, each derived from the source so the bound below is tight for it.
    let max_upload = source.len() as u64 / MIB * MIB + MIB;
    let max_pixels = u64::from(info.width) * u64::from(info.height);
    let cache_bytes = 256 * MIB;
    let flags = [
        "--workers".to_owned(),
        WORKERS.to_string(),
        "--queue".to_owned(),
        QUEUE.to_string(),
        "--queue-timeout".to_owned(),
        "30s".to_owned(),
        "--max-upload-bytes".to_owned(),
        max_upload.to_string(),
        "--max-source-pixels".to_owned(),
        max_pixels.to_string(),
        "--cache-bytes".to_owned(),
        cache_bytes.to_string(),
    ];
    let flag_refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = Server::start_with(&flag_refs, &[]);
    let pid = server.child.id();

    let doc = server.upload_ok("images", &source, "filename=aitzgorri.jpg");
    let path = doc["url"]
        .as_str()
        .expect("url")
        .strip_prefix(&server.base)
        .expect("url under the server")
        .to_owned();
    let (width, height) = (info.width, info.height);
    assert_eq!(
        (
            &doc["metadata"]["dimensions"]["width"],
            &doc["metadata"]["dimensions"]["height"]
        ),
        (&width.into(), &height.into())
    );
    // Warm the code paths once (one render outside the burst's URL set), then measure the
    // baseline: the process's resident set at rest, with its threads and pages in place.
    let warm = server.get(&format!("{path}?w=64&fm=png"), &[]);
    assert_eq!(warm.status, 200, "{}", warm.text());
    std::thread::sleep(Duration::from_millis(200));
    let baseline = proc_status_bytes(pid, "VmRSS");

    // The largest output the load asks for: `W_MAX` wide at the displayed aspect (a height,
    // where set, is half the width, below the aspect's). Every answer fits in 4 bytes per
    // output pixel (the engine's encoder buffer bound).
    let max_output_pixels =
        u64::from(W_MAX) * (u64::from(W_MAX) * u64::from(height)).div_ceil(u64::from(width));
    let per_render = 2 * max_upload + 16 * max_pixels + 16 * max_output_pixels + 16 * MIB;
    let answers_in_flight = CLIENTS as u64 * 4 * max_output_pixels;
    let bound = baseline + WORKERS as u64 * per_render + answers_in_flight;

    let before = metrics(&server);
    let renders_before = metric(&before, "pixform_render_seconds_count");
    let misses_before = metric(&before, "pixform_cache_misses_total");
    let hits_before = metric(&before, "pixform_cache_hits_total");

    // Burst 1: every client takes the next URL number; a 503 is retried (same URL) after
    // the back-off, so every URL that gets its 200 was rendered exactly once.
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let running = Arc::clone(&running);
        let url = server.url("/metrics");
        std::thread::spawn(move || {
            let agent = agent();
            let (mut samples, mut max_depth, mut max_in_flight, mut queued) = (0, 0, 0, 0);
            while running.load(Ordering::SeqCst) {
                let text = Reply::from(agent.get(&url).call().expect("GET /metrics")).text();
                let depth = metric(&text, "pixform_render_queue_depth");
                let in_flight = metric(&text, "pixform_renders_in_flight");
                samples += 1;
                queued += usize::from(depth > 0);
                max_depth = max_depth.max(depth);
                max_in_flight = max_in_flight.max(in_flight);
                std::thread::sleep(Duration::from_millis(50));
            }
            (samples, queued, max_depth, max_in_flight)
        })
    };
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, tally) = (Arc::clone(&next), Arc::clone(&tally));
            let base = server.url(&path);
            std::thread::spawn(move || {
                let agent = agent();
                let mut retry = None;
                while started.elapsed() < BURST {
                    let q = retry
                        .take()
                        .unwrap_or_else(|| query(next.fetch_add(1, Ordering::SeqCst)));
                    let r = Reply::from(agent.get(format!("{base}?{q}")).call().expect("GET"));
                    match r.status {
                        200 => {
                            assert_eq!(r.header("x-cache"), "MISS", "{q}");
                            let mut t = tally.lock().expect("tally");
                            t.ok += 1;
                            assert!(t.bodies.insert(q, r.body).is_none(), "URL served twice");
                        }
                        503 => {
                            check_unavailable(&r);
                            tally.lock().expect("tally").unavailable += 1;
                            retry = Some(q);
                            std::thread::sleep(BACKOFF);
                        }
                        other => panic!("{q}: {other} {}", r.text()),
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("client");
    }
    let burst_time = started.elapsed();
    running.store(false, Ordering::SeqCst);
    let (samples, queued, max_depth, max_in_flight) = sampler.join().expect("sampler");
    let tally = Arc::try_unwrap(tally)
        .ok()
        .expect("clients done")
        .into_inner()
        .expect("tally");
    let after = metrics(&server);

    eprintln!(
        "{}: burst 1 {burst_time:?}: {} x 200, {} x 503; /metrics {samples} samples, queue > 0 in \
         {queued}, max depth {max_depth}, max in flight {max_in_flight}",
        common::backend_name(),
        tally.ok,
        tally.unavailable
    );
    assert!(tally.ok > 0 && tally.unavailable > 0, "both outcomes occur");
    assert!(
        queued > 0,
        "the queue depth gauge never showed a waiting render"
    );
    assert!(
        max_depth <= QUEUE as u64,
        "queue depth {max_depth} > --queue {QUEUE}"
    );
    assert_eq!(
        max_in_flight, WORKERS as u64,
        "renders in flight never filled the workers"
    );
    // Each 200 was one render and one miss; each 503 was a miss that never reached a thread.
    assert_eq!(
        metric(&after, "pixform_render_seconds_count") - renders_before,
        tally.ok as u64
    );
    assert_eq!(
        metric(&after, "pixform_cache_misses_total") - misses_before,
        (tally.ok + tally.unavailable) as u64
    );
    assert_eq!(metric(&after, "pixform_cache_hits_total"), hits_before);
    assert_eq!(metric(&after, "pixform_render_queue_depth"), 0);
    assert_eq!(metric(&after, "pixform_renders_in_flight"), 0);
    let stored: u64 = tally.bodies.values().map(|b| b.len() as u64).sum();
    let largest = tally.bodies.values().map(Vec::len).max().unwrap_or(0) as u64;
    assert!(
        largest <= 4 * max_output_pixels,
        "an answer of {largest} bytes"
    );
    // Everything rendered fits the cache (nothing evicted before burst 2).
    assert!(
        stored < cache_bytes / 2,
        "{stored} bytes rendered; raise --cache-bytes"
    );

    // Burst 2: the same URLs, each once, by as many clients; all from the cache.
    let queries: Arc<Vec<String>> = Arc::new(tally.bodies.keys().cloned().collect());
    let bodies = Arc::new(tally.bodies);
    let taken = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (queries, bodies, taken) = (
                Arc::clone(&queries),
                Arc::clone(&bodies),
                Arc::clone(&taken),
            );
            let base = server.url(&path);
            std::thread::spawn(move || {
                let agent = agent();
                let mut ok = 0usize;
                while let Some(q) = queries.get(taken.fetch_add(1, Ordering::SeqCst)) {
                    let r = Reply::from(agent.get(format!("{base}?{q}")).call().expect("GET"));
                    assert_eq!(r.status, 200, "{q}: {}", r.text());
                    assert_eq!(r.header("x-cache"), "HIT", "{q}");
                    assert!(r.body == bodies[q], "{q}: the cached body differs");
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    let ok2: usize = clients.into_iter().map(|c| c.join().expect("client")).sum();
    let burst2_time = started.elapsed();
    let end = metrics(&server);
    assert_eq!(ok2, queries.len());
    assert_eq!(
        metric(&end, "pixform_cache_hits_total") - metric(&after, "pixform_cache_hits_total"),
        ok2 as u64
    );
    assert_eq!(
        metric(&end, "pixform_render_seconds_count"),
        metric(&after, "pixform_render_seconds_count")
    );
    assert_eq!(
        metric(&end, "pixform_cache_misses_total"),
        metric(&after, "pixform_cache_misses_total")
    );

    let peak = proc_status_bytes(pid, "VmHWM");
    eprintln!(
        "{}: burst 2 {burst2_time:?}: {ok2} x 200 (HIT); peak RSS {} MiB, bound {} MiB \
         (baseline {} MiB + {WORKERS} x {} MiB per render + {} MiB answers in flight); \
         {stored} bytes cached; {:?} in all",
        common::backend_name(),
        peak / MIB,
        bound / MIB,
        baseline / MIB,
        per_render / MIB,
        answers_in_flight / MIB,
        began.elapsed()
    );
    assert!(
        peak < bound,
        "peak RSS {peak} bytes is over the derived bound {bound}"
    );
}
