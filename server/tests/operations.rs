//! Operations: readiness, metrics, request IDs and graceful shutdown.

mod common;

use std::time::{Duration, Instant};

use common::{fixture, Server};

#[test]
fn ready_checks_database_and_store() {
    let server = Server::start();
    let r = server.get("/ready", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"status": "ready"}));
}

#[test]
fn request_ids_are_echoed_or_generated() {
    let server = Server::start();
    let echoed = server.get("/health", &[("X-Request-Id", "abc-123")]);
    assert_eq!(echoed.header("x-request-id"), "abc-123");
    let made = server.get("/nope", &[]);
    let id = made.header("x-request-id");
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(server.get("/health", &[]).header("x-request-id"), id);
}

#[test]
fn metrics_count_requests_renders_cache_and_uploads() {
    let server = Server::start();
    let png = fixture("two-colour-48x32.png");
    let doc = server.upload_ok("images", &png, "");
    let path = doc["url"]
        .as_str()
        .and_then(|u| u.strip_prefix(&server.base))
        .expect("url")
        .to_owned();
    assert_eq!(server.get(&format!("{path}?w=10"), &[]).status, 200);
    assert_eq!(server.get(&format!("{path}?w=10"), &[]).status, 200);
    assert_eq!(server.get("/nope", &[]).status, 404);
    let text = server.get("/metrics", &[]).text();
    for line in [
        "pixform_http_requests_total{route=\"/images/{project}/{dataset}/{file}\",method=\"GET\",status=\"200\"} 2".to_owned(),
        "pixform_http_requests_total{route=\"/{version}/assets/images/{dataset}\",method=\"POST\",status=\"200\"} 1".to_owned(),
        "pixform_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1".to_owned(),
        "pixform_cache_hits_total 1".to_owned(),
        "pixform_cache_misses_total 1".to_owned(),
        format!("pixform_upload_bytes_total {}", png.len()),
        "pixform_render_queue_depth 0".to_owned(),
        "pixform_renders_in_flight 0".to_owned(),
        // One analysis (the upload) and one render.
        "pixform_render_seconds_count 2".to_owned(),
        "pixform_render_queue_wait_seconds_count 2".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing from\n{text}");
    }
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let mut server = Server::start_with(&["--workers", "1"], &[]);
    let doc = server.upload_ok("images", &fixture("sample.jpg"), "");
    let url = format!(
        "{}?w=1500&blur=200&sharp=80",
        doc["url"].as_str().expect("url")
    );
    let slow = std::thread::spawn(move || {
        common::Reply::from(common::agent().get(&url).call().expect("GET"))
    });
    std::thread::sleep(Duration::from_millis(150));
    server.terminate();
    let reply = slow.join().expect("join");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(server.stderr().contains("shutting down"));
    assert!(common::agent().get(server.url("/health")).call().is_err());
}
