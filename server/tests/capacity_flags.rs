//! The flags that bound a server's memory: `--max-output-pixels` refuses larger renders (422,
//! the engine's status for an output over its limits) before any pixel is decoded, `--max-uploads` refuses uploads beyond the ones in flight.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{fixture, Server, ADMIN};

#[test]
fn renders_above_max_output_pixels_are_refused() {
    let server = Server::start_with(&["--max-output-pixels", "5000"], &[]);
    let doc = server.upload_ok("images", &fixture("two-colour-48x32.png"), "");
    let path = format!("/{}", doc["path"].as_str().expect("path"));
    // One line per case: query, status, and for a refusal what the message names.
    #[rustfmt::skip]
    let cases: &[(&str, u16, &str)] = &[
        ("w=100&h=50&fit=scale", 200, ""), // 5000 pixels: at the limit
        ("w=100&h=51&fit=scale", 422, "output: 100x51 exceeds max_output_pixels (5000)"),
        ("w=5001&h=1&fit=scale", 422, "output: 5001x1 exceeds max_output_pixels (5000)"),
        ("w=10", 200, ""),
    ];
    for (query, status, needle) in cases {
        let reply = server.get(&format!("{path}?{query}"), &[]);
        if *status == 200 {
            assert_eq!(reply.status, 200, "{query}: {}", reply.text());
        } else {
            reply.assert_error(*status, "Unprocessable Entity", needle);
        }
    }
}

#[test]
fn uploads_beyond_max_uploads_wait_for_a_503_retry() {
    let server = Server::start_with(&["--max-uploads", "1"], &[]);
    // The first upload announces 1000 bytes and sends 10: its place is held while its body
    // is read.
    let address = server.base.trim_start_matches("http://").to_owned();
    let hold = || {
        let mut stream = TcpStream::connect(&address).expect("connect");
        write!(
            stream,
            "POST /v2024-06-24/assets/files/production HTTP/1.1\r\nHost: {address}\r\n\
             Authorization: Bearer {ADMIN}\r\nX-Sanity-Project-ID: {}\r\n\
             Content-Length: 1000\r\n\r\n0123456789",
            server.project
        )
        .expect("send");
        stream.flush().expect("flush");
        stream
            .set_read_timeout(Some(Duration::from_millis(1)))
            .expect("timeout");
        stream
    };
    // Whether the held request was answered (a 503: another upload had the place then).
    let answered = |stream: &mut TcpStream| stream.read(&mut [0u8; 1]).is_ok();
    let mut first = hold();
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let reply = server.upload("files", b"second", "");
        if reply.status == 503 {
            break reply;
        }
        // The held request had not reached its handler yet: the second was stored, and the
        // held one may have met it there and been refused; then it is sent again.
        assert_eq!(reply.status, 200, "{}", reply.text());
        if answered(&mut first) {
            first = hold();
        }
        assert!(
            Instant::now() < deadline,
            "the held upload never took the place: {}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    refused.assert_error(
        503,
        "Service Unavailable",
        "1 uploads in flight (--max-uploads)",
    );
    assert_eq!(refused.header("retry-after"), "1");
    // The held upload ends (its client goes away): the place is free again.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = server.upload("files", b"third", "");
        if reply.status == 200 {
            break;
        }
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(Instant::now() < deadline, "the place was never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}
