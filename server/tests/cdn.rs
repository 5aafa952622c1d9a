//! The CDN: original bytes, transforms, conditional requests, ranges, cache and backpressure.

mod common;

use common::{fixture, Server};

fn size_of(bytes: &[u8]) -> (u32, u32, pixform::ImageFormat) {
    let info = pixform::codec::probe(bytes, &pixform::Limits::none()).expect("an image");
    (info.width, info.height, info.format)
}

/// The CDN path (without the base) of an uploaded document.
fn path_of(server: &Server, doc: &serde_json::Value) -> String {
    doc["url"]
        .as_str()
        .expect("url")
        .strip_prefix(&server.base)
        .expect("url under the server")
        .to_owned()
}

fn metric(server: &Server, name: &str) -> f64 {
    let text = server.get("/metrics", &[]).text();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in {text}"))
}

#[test]
fn original_bytes_with_every_header() {
    let server = Server::start();
    let png = fixture("two-colour-48x32.png");
    let doc = server.upload_ok("images", &png, "");
    let path = path_of(&server, &doc);
    let sha1 = doc["sha1hash"].as_str().expect("sha1");
    let r = server.get(&path, &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, png);
    assert_eq!(r.header("content-type"), "image/png");
    assert_eq!(r.header("content-length"), png.len().to_string());
    assert_eq!(r.header("etag"), format!("\"{sha1}\""));
    assert_eq!(
        r.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.header("access-control-allow-origin"), "*");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert!(r.header("last-modified").ends_with(" GMT"));
    assert_eq!(r.header("vary"), "");
    // A vanity name and unknown parameters change nothing.
    let vanity = server.get(&format!("{path}/my-name.png?cachebust=1"), &[]);
    assert_eq!(vanity.status, 200);
    assert_eq!(vanity.body, png);
}

#[test]
fn wrong_size_extension_or_dataset_is_404() {
    let server = Server::start();
    let doc = server.upload_ok("images", &fixture("two-colour-48x32.png"), "");
    let path = path_of(&server, &doc);
    for wrong in [
        path.replace("48x32", "48x33"),
        path.replace(".png", ".jpg"),
        path.replace("/production/", "/staging/"),
        path.replace(&server.project, "other"),
        format!("/images/{}/production/nonsense", server.project),
    ] {
        server
            .get(&wrong, &[])
            .assert_error(404, "Not Found", "Image not found");
    }
}

#[test]
fn transforms_resize_and_negotiate() {
    let server = Server::start();
    let jpg = fixture("sample.jpg");
    let doc = server.upload_ok("images", &jpg, "filename=beach.jpg");
    let (w, h) = (
        doc["metadata"]["dimensions"]["width"].as_u64().expect("w"),
        doc["metadata"]["dimensions"]["height"].as_u64().expect("h"),
    );
    assert_eq!((w, h), (1600, 900));
    let path = path_of(&server, &doc);

    let r = server.get(&format!("{path}?w=200"), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(size_of(&r.body), (200, 113, pixform::ImageFormat::Jpeg));
    assert_eq!(r.header("content-type"), "image/jpeg");
    assert_eq!(r.header("content-length"), r.body.len().to_string());
    assert_eq!(r.header("vary"), "");
    assert_eq!(r.header("x-cache"), "MISS");
    let etag = r.header("etag");
    assert!(etag.len() == 42 && etag.starts_with('"'), "{etag}");

    let crop = server.get(&format!("{path}?w=100&h=100&fit=crop&fm=png"), &[]);
    assert_eq!(size_of(&crop.body), (100, 100, pixform::ImageFormat::Png));
    assert_eq!(crop.header("content-type"), "image/png");

    let auto = server.get(
        &format!("{path}?w=64&auto=format"),
        &[("Accept", "image/webp,*/*")],
    );
    assert_eq!(size_of(&auto.body).2, pixform::ImageFormat::Webp);
    assert_eq!(auto.header("content-type"), "image/webp");
    assert_eq!(auto.header("vary"), "Accept");
    let plain = server.get(
        &format!("{path}?w=64&auto=format"),
        &[("Accept", "image/jpeg")],
    );
    assert_eq!(plain.header("content-type"), "image/jpeg");
    assert_eq!(plain.header("vary"), "Accept");
    assert_ne!(plain.header("etag"), auto.header("etag"));

    // Spellings of the same spec share the ETag and the cache entry.
    let again = server.get(&format!("{path}?cachebust=2&w=200"), &[]);
    assert_eq!(again.header("etag"), etag);
    assert_eq!(again.header("x-cache"), "HIT");
    assert_eq!(again.body, r.body);

    let dl = server.get(&format!("{path}?w=50&dl="), &[]);
    assert_eq!(
        dl.header("content-disposition"),
        "attachment; filename=\"beach.jpg\""
    );
    // With a remote store, the source was fetched once and kept on local disk.
    let originals = dir_size(&server.data.path().join("originals"));
    if std::env::var("PIXFORM_TEST_STORE").is_ok() {
        assert!(
            originals > jpg.len() as u64,
            "originals hold {originals} bytes"
        );
    } else {
        assert_eq!(originals, 0);
    }
    let named = server.get(&format!("{path}?w=50&dl=sun.jpg"), &[]);
    assert_eq!(
        named.header("content-disposition"),
        "attachment; filename=\"sun.jpg\""
    );
}

#[test]
fn bad_parameters_are_json_errors() {
    let server = Server::start();
    let doc = server.upload_ok("images", &fixture("two-colour-48x32.png"), "");
    let path = path_of(&server, &doc);
    let r = server.get(&format!("{path}?w=abc"), &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    let body = r.json();
    assert_eq!(body["statusCode"], 400);
    assert_eq!(body["error"], "Bad Request");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains('w')),
        "{body}"
    );
    let r = server.get(&format!("{path}?w=9000"), &[]);
    assert!(r.status == 400 || r.status == 422, "{}", r.text());
    assert_eq!(r.json()["statusCode"], r.status);
}

#[test]
fn conditional_requests_answer_304_without_rendering() {
    let server = Server::start();
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    let first = server.get(&format!("{path}?w=120"), &[]);
    let etag = first.header("etag");
    let misses = metric(&server, "pixform_cache_misses_total");
    // A different spec that was never rendered: its ETag is known from the plan alone.
    let head = server.head(&format!("{path}?w=121"), &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let unrendered = server.get(&format!("{path}?w=77"), &[]);
    let unrendered_etag = unrendered.header("etag");
    let before = metric(&server, "pixform_cache_misses_total");
    let r = server.get(&format!("{path}?w=120"), &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), etag);
    assert_eq!(
        r.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let r = server.get(
        &format!("{path}?w=77"),
        &[("If-None-Match", &format!("\"x\", {unrendered_etag}"))],
    );
    assert_eq!(r.status, 304);
    let r = server.get(
        &format!("{path}?w=300"),
        &[("If-Modified-Since", &first.header("last-modified"))],
    );
    assert_eq!(r.status, 304);
    assert_eq!(metric(&server, "pixform_cache_misses_total"), before);
    assert!(before >= misses);
    // A stale validator renders.
    let r = server.get(&format!("{path}?w=120"), &[("If-None-Match", "\"other\"")]);
    assert_eq!(r.status, 200);
    assert_eq!(size_of(&r.body).0, 120);
}

#[test]
fn head_matches_get() {
    let server = Server::start();
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    for query in ["", "?w=90"] {
        let get = server.get(&format!("{path}{query}"), &[]);
        let head = server.head(&format!("{path}{query}"), &[]);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        for h in [
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "cache-control",
        ] {
            assert_eq!(head.header(h), get.header(h), "{h} of {query:?}");
        }
    }
}

#[test]
fn files_serve_ranges() {
    let server = Server::start();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let doc = server.upload_ok("files", &bytes, "filename=data.bin");
    let path = path_of(&server, &doc);
    assert!(path.starts_with(&format!("/files/{}/production/", server.project)));
    let whole = server.get(&path, &[]);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("accept-ranges"), "bytes");
    assert_eq!(whole.header("content-type"), "application/octet-stream");
    let part = server.get(&path, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[10..20]);
    assert_eq!(part.header("content-range"), "bytes 10-19/1000");
    assert_eq!(part.header("content-length"), "10");
    let tail = server.get(&path, &[("Range", "bytes=-5")]);
    assert_eq!(tail.body, &bytes[995..]);
    assert_eq!(tail.header("content-range"), "bytes 995-999/1000");
    let open = server.get(&path, &[("Range", "bytes=990-")]);
    assert_eq!(open.body, &bytes[990..]);
    let out = server.get(&path, &[("Range", "bytes=1000-1010")]);
    out.assert_error(416, "Range Not Satisfiable", "outside the 1000 bytes");
    assert_eq!(out.header("content-range"), "bytes */1000");
    let vanity = server.get(&format!("{path}/anything.bin?dl="), &[]);
    assert_eq!(vanity.body, bytes);
    assert_eq!(
        vanity.header("content-disposition"),
        "attachment; filename=\"data.bin\""
    );
    server
        .get(&path.replace(".bin", ".txt"), &[])
        .assert_error(404, "Not Found", "File not found");
}

#[test]
fn identical_concurrent_misses_render_once() {
    let server = Server::start_with(&["--workers", "2"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let url = server.url(&format!("{}?w=640&blur=20", path_of(&server, &doc)));
    let before = metric(&server, "pixform_cache_misses_total");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = common::Reply::from(common::agent().get(&url).call().expect("GET"));
                (r.status, r.body.len())
            })
        })
        .collect();
    let results: Vec<(u16, usize)> = threads
        .into_iter()
        .map(|t| t.join().expect("join"))
        .collect();
    assert!(
        results.iter().all(|(s, n)| *s == 200 && *n == results[0].1),
        "{results:?}"
    );
    assert_eq!(metric(&server, "pixform_cache_misses_total") - before, 1.0);
}

#[test]
fn a_full_queue_answers_503_with_retry_after() {
    let server = Server::start_with(&["--workers", "1", "--queue", "0"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let url = server.url(&format!("{path}?w={}&blur=100&sharp=50", 1200 + i));
            std::thread::spawn(move || {
                common::Reply::from(common::agent().get(&url).call().expect("GET"))
            })
        })
        .collect();
    let replies: Vec<common::Reply> = threads
        .into_iter()
        .map(|t| t.join().expect("join"))
        .collect();
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<&common::Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(ok >= 1, "no render succeeded");
    assert!(!busy.is_empty(), "no 503 with one worker and no queue");
    assert_eq!(ok + busy.len(), 6);
    for r in busy {
        r.assert_error(503, "Service Unavailable", "render queue full");
        assert_eq!(r.header("retry-after"), "1");
    }
}

#[test]
fn the_derived_cache_stays_within_its_bound() {
    let server = Server::start_with(&["--cache-bytes", "40000"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    for w in 100..112 {
        assert_eq!(server.get(&format!("{path}?w={w}&q=90"), &[]).status, 200);
    }
    let total = dir_size(&server.data.path().join("cache"));
    assert!(total > 0 && total <= 40000, "cache holds {total} bytes");
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_wait_past_the_queue_timeout_answers_503() {
    let server = Server::start_with(
        &["--workers", "1", "--queue", "16", "--queue-timeout", "5ms"],
        &[],
    );
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let url = server.url(&format!("{path}?w={}&blur=100&sharp=50", 1300 + i));
            std::thread::spawn(move || {
                common::Reply::from(common::agent().get(&url).call().expect("GET"))
            })
        })
        .collect();
    let replies: Vec<common::Reply> = threads
        .into_iter()
        .map(|t| t.join().expect("join"))
        .collect();
    let timed_out: Vec<&common::Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !timed_out.is_empty(),
        "no wait passed 5 ms behind one slow worker"
    );
    for r in timed_out {
        r.assert_error(
            503,
            "Service Unavailable",
            "waited 5 ms for a render thread",
        );
        assert_eq!(r.header("retry-after"), "1");
    }
    // Nothing is left waiting.
    assert_eq!(metric(&server, "pixform_render_queue_depth"), 0.0);
}

#[test]
fn a_client_that_disconnects_while_queued_frees_its_place() {
    let server = Server::start_with(&["--workers", "1", "--queue", "1"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let path = path_of(&server, &doc);
    let slow = |w: u32| server.url(&format!("{path}?w={w}&blur=200&sharp=80"));
    // A occupies the only thread.
    let a_url = slow(1500);
    let a = std::thread::spawn(move || {
        common::Reply::from(common::agent().get(&a_url).call().expect("GET"))
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    // B takes the only place in the queue, then gives up.
    let impatient = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_millis(150)))
        .build()
        .new_agent();
    assert!(
        impatient.get(slow(1400)).call().is_err(),
        "B should time out"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while metric(&server, "pixform_render_queue_depth") != 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "B still holds its place"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // C gets B's place instead of 503 (A may still be running).
    let c = server.get(&format!("{path}?w=64"), &[]);
    assert_eq!(c.status, 200, "{}", c.text());
    assert_eq!(a.join().expect("join").status, 200);
}

/// `--avif-fallback`: an `auto=format` request that negotiates AVIF is answered at once with
/// WebP, fresh for a minute only; the AVIF is encoded in the background, and a later request
/// gets it from the cache, immutable. Without the flag the first answer is the AVIF itself.
#[test]
fn avif_fallback_answers_webp_then_the_cached_avif() {
    use std::time::{Duration, Instant};
    let accept = [("Accept", "image/avif,image/webp,*/*")];
    let server = Server::start_with(&["--avif-fallback"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let url = format!("{}?w=64&auto=format", path_of(&server, &doc));

    let first = server.get(&url, &accept);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(size_of(&first.body), (64, 36, pixform::ImageFormat::Webp));
    assert_eq!(first.header("content-type"), "image/webp");
    assert_eq!(first.header("cache-control"), "public, max-age=60");
    assert_eq!(first.header("vary"), "Accept");
    assert_eq!(first.header("x-cache"), "MISS");

    let deadline = Instant::now() + Duration::from_secs(120);
    let later = loop {
        let r = server.get(&url, &accept);
        assert_eq!(r.status, 200, "{}", r.text());
        if r.header("content-type") == "image/avif" {
            break r;
        }
        // Until the AVIF is in, the same WebP from the cache.
        assert_eq!(r.header("content-type"), "image/webp");
        assert_eq!(r.header("cache-control"), "public, max-age=60");
        assert_eq!(r.header("etag"), first.header("etag"));
        assert_eq!(r.header("x-cache"), "HIT");
        assert!(Instant::now() < deadline, "no AVIF within 120 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(size_of(&later.body), (64, 36, pixform::ImageFormat::Avif));
    assert_eq!(
        later.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(later.header("vary"), "Accept");
    assert_eq!(later.header("x-cache"), "HIT");
    assert_ne!(later.header("etag"), first.header("etag"));
    // Two renders in all: the WebP and the background AVIF.
    assert_eq!(metric(&server, "pixform_cache_misses_total"), 2.0);
    // A client that does not take AVIF is unaffected: its WebP is immutable.
    let webp = server.get(&url, &[("Accept", "image/webp,*/*")]);
    assert_eq!(webp.header("content-type"), "image/webp");
    assert_eq!(
        webp.header("cache-control"),
        "public, max-age=31536000, immutable"
    );

    let plain = Server::start();
    let doc = plain.upload_ok("images", &fixture("sample.jpg"), "");
    let r = plain.get(
        &format!("{}?w=64&auto=format", path_of(&plain, &doc)),
        &accept,
    );
    assert_eq!(size_of(&r.body), (64, 36, pixform::ImageFormat::Avif));
    assert_eq!(
        r.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.header("x-cache"), "MISS");
}
