//! Hostile uploads, one line per case: truncated images of every format, decompression bombs
//! (headers declaring huge sources), other types sent as images, every file in
//! `testdata/bad/`, empty bodies and bodies over `--max-upload-bytes` (with and without
//! `Content-Length`). Each must get its exact status and an error of the documented shape
//! whose message names what was wrong; nothing may be stored, and the server must stay
//! healthy and keep accepting valid uploads.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{blob_sizes, fixture, png_chunk, project_rows, Reply, Server, ADMIN};

/// The upload limit of the server under test: small, so that the bodies over it are cheap.
const MAX_UPLOAD: usize = 65_536;

// --- Hostile bytes ------------------------------------------------------------------------

/// `data` as a zlib stream of stored (uncompressed) blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap();
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// A PNG whose header claims `width`×`height` (8-bit, `color` type), with `extra` chunks
/// before one row of image data.
fn png_header(width: u32, height: u32, color: u8, extra: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, color, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    for (kind, data) in extra {
        png_chunk(&mut out, kind, data);
    }
    png_chunk(&mut out, b"IDAT", &zlib_stored(&[0, 0]));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// An APNG header declaring `frames` frames of 1×1.
fn apng_frames(frames: u32) -> Vec<u8> {
    let mut actl = frames.to_be_bytes().to_vec();
    actl.extend_from_slice(&0u32.to_be_bytes());
    png_header(1, 1, 0, &[(b"acTL", actl)])
}

/// A baseline JPEG frame header claiming `width`×`height`, with a token scan.
fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
    v.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0,
    ]);
    v.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    v
}

/// A GIF with a `screen` and one frame of `frame` at the origin, with token data.
fn gif_header(screen: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&screen.0.to_le_bytes());
    v.extend_from_slice(&screen.1.to_le_bytes());
    v.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    v.extend_from_slice(&[0x2C, 0, 0, 0, 0]);
    v.extend_from_slice(&frame.0.to_le_bytes());
    v.extend_from_slice(&frame.1.to_le_bytes());
    v.extend_from_slice(&[0, 2, 2, 0x44, 0x01, 0, 0x3B]);
    v
}

/// A RIFF WebP of the given chunks.
fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, data) in chunks {
        body.extend_from_slice(*fourcc);
        body.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
    v.extend_from_slice(&body);
    v
}

/// A lossless WebP whose bitstream claims `width`×`height` (each up to 16384).
fn webp_lossless(width: u32, height: u32) -> Vec<u8> {
    let bits = (width - 1) | ((height - 1) << 14);
    let mut vp8l = vec![0x2F];
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0, 0, 0]);
    riff(&[(b"VP8L", vp8l)])
}

/// An animated WebP whose canvas claims `width`×`height` (each up to 2^24), one 1×1 frame.
fn webp_canvas(width: u32, height: u32) -> Vec<u8> {
    let u24 = |v: u32| v.to_le_bytes()[..3].to_vec();
    let vp8x = [vec![0x02, 0, 0, 0], u24(width - 1), u24(height - 1)].concat();
    let mut anmf = [u24(0), u24(0), u24(0), u24(0), u24(100)].concat();
    anmf.push(0);
    anmf.extend_from_slice(b"VP8L\x05\0\0\0\x2f\0\0\0\0\0");
    riff(&[(b"VP8X", vp8x), (b"ANIM", vec![0; 6]), (b"ANMF", anmf)])
}

fn truncated(name: &str, keep: f64) -> Vec<u8> {
    let bytes = fixture(name);
    let cut = (bytes.len() as f64 * keep) as usize;
    bytes[..cut].to_vec()
}

// --- The table ------------------------------------------------------------------------------

/// One hostile upload and the answer it must get.
struct Case {
    name: String,
    /// `images` or `files`.
    kind: &'static str,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    status: u16,
    /// A piece of the message naming what was wrong.
    needle: String,
}

fn case(
    name: &str,
    kind: &'static str,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    status: u16,
    needle: &str,
) -> Case {
    Case {
        name: name.to_owned(),
        kind,
        body,
        content_type,
        status,
        needle: needle.to_owned(),
    }
}

const NOT_AN_IMAGE: &str =
    "Not an image: the images endpoint takes JPEG, PNG, WebP, GIF, TIFF or SVG";
const EMPTY: &str = "Empty upload: the request body has no bytes";

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let text = b"just some words, no image here\n".to_vec();
    let (i, f) = ("images", "files");
    let mut cases = vec![
        // Truncated images: the format is recognised, the data ends too early.
        case("jpeg cut at half", i, truncated("fixtures/fig-96x64-orient1.jpg", 0.5), None, 400, "Invalid image: source: corrupt jpg image"),
        case("jpeg cut after SOI", i, fixture("sample.jpg")[..2].to_vec(), None, 415, NOT_AN_IMAGE),
        case("jpeg cut in the headers", i, fixture("sample.jpg")[..40].to_vec(), None, 400, "Invalid image: source: corrupt jpg image"),
        case("png cut in IDAT", i, truncated("fixtures/fig-240x160-rgb.png", 0.5), None, 400, "Invalid image: source: corrupt png image"),
        case("png signature only", i, b"\x89PNG\r\n\x1a\n".to_vec(), None, 400, "Invalid image: source: corrupt png image"),
        case("gif cut at half", i, truncated("fixtures/picos-120x80-3frames.gif", 0.5), None, 400, "Invalid image: source: corrupt gif image"),
        case("gif header only", i, b"GIF89a".to_vec(), None, 400, "Invalid image: source: corrupt gif image"),
        case("webp cut at half", i, truncated("fixtures/friends-160x240.webp", 0.5), None, 400, "Invalid image: source: corrupt webp image"),
        case("webp RIFF header only", i, fixture("fixtures/friends-160x240.webp")[..12].to_vec(), None, 400, "Invalid image: source: corrupt webp image"),
        // Decompression bombs: a few bytes declaring sources far over the limits.
        case("png 100000x1", i, png_header(100_000, 1, 0, &[]), None, 413, "exceeds max_source_width (100000 > 65535)"),
        case("png 1x100000", i, png_header(1, 100_000, 0, &[]), None, 413, "exceeds max_source_height (100000 > 65535)"),
        case("png u32::MAX x u32::MAX", i, png_header(u32::MAX, u32::MAX, 6, &[]), None, 413, "exceeds max_source_width"),
        case("png 30000x30000 rgba", i, png_header(30_000, 30_000, 6, &[]), None, 413, "30000x30000 exceeds max_source_pixels (900000000 > 50000000)"),
        case("apng of 100000 frames", i, apng_frames(100_000), None, 413, "max_frames (100000 > 1000)"),
        case("jpeg 65535x65535", i, jpeg_header(65_535, 65_535), None, 413, "65535x65535 exceeds max_source_pixels"),
        case("jpeg 60000x1000", i, jpeg_header(60_000, 1000), None, 413, "60000x1000 exceeds max_source_pixels (60000000 > 50000000)"),
        case("gif screen 65535x65535", i, gif_header((65_535, 65_535), (1, 1)), None, 413, "65535x65535 exceeds max_source_pixels"),
        case("gif 1x1 screen, frame 65535x65535", i, gif_header((1, 1), (65_535, 65_535)), None, 413, "exceeds max_source_pixels"),
        case("webp canvas 2^24 x 2^24", i, webp_canvas(1 << 24, 1 << 24), None, 413, "exceeds max_source_width (16777216 > 65535)"),
        case("webp lossless 16384x16384", i, webp_lossless(16_384, 16_384), None, 413, "16384x16384 exceeds max_source_pixels (268435456 > 50000000)"),
        // Other types sent as images, whatever the Content-Type says.
        case("text as image", i, text.clone(), None, 415, NOT_AN_IMAGE),
        case("pdf as image", i, pdf.clone(), None, 415, NOT_AN_IMAGE),
        case("pdf declared image/jpeg", i, pdf, Some("image/jpeg"), 415, NOT_AN_IMAGE),
        case("text declared image/png", i, text, Some("image/png"), 415, NOT_AN_IMAGE),
        case("bmp as image", i, [b"BM".as_slice(), &[0; 60]].concat(), None, 415, "Unsupported image: source: bmp images cannot be analysed"),
        // AVIF and HEIC are images; a corrupt one is bad input.
        case("avif without meta", i, b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf".to_vec(), None, 400, "Invalid image: source: corrupt avif image"),
        // Nothing at all.
        case("0 bytes to images", i, Vec::new(), None, 400, EMPTY),
        case("0 bytes to files", f, Vec::new(), Some("text/plain"), 400, EMPTY),
    ];
    // The server's engine has no AVIF/HEIC decoder unless a workspace build enables the
    // engine's `avif-decode`/`heic` features (CI's feature run does): then these are images.
    let decodes = |name: &str| {
        pixform::codec::decode(&fixture(name), &pixform::Limits::default(), &pixform::codec::DecodeOptions::default()).is_ok()
    };
    if !decodes("heif/opaque-96x64.avif") {
        cases.push(case("avif as image", i, fixture("heif/opaque-96x64.avif"), None, 415, "Unsupported image: source: unsupported avif image: input: decoding needs pixform's `avif-decode` Cargo feature"));
    }
    if !decodes("heif/colr-96x64.heic") {
        cases.push(case("heic as image", i, fixture("heif/colr-96x64.heic"), None, 415, "Unsupported image: source: unsupported heic image: input: decoding needs pixform's `heic` Cargo feature"));
    }
    cases
}

/// What each file of `testdata/bad/` must get at the images endpoint. A file not listed here
/// must still be refused with one of the statuses of bad input and store nothing; the test
/// names it so that it can be added.
#[rustfmt::skip]
const BAD_FILES: &[(&str, u16, &str)] = &[
    ("gif-bad-block.gif", 400, "Invalid image: source: corrupt gif image"),
    ("gif-no-frame.gif", 400, "Invalid image: source: corrupt gif image"),
    ("jpeg-no-sof.jpg", 400, "Invalid image: source: corrupt jpg image"),
    ("jpeg-soi-only.jpg", 400, "Invalid image: source: corrupt jpg image"),
    ("jpeg-zero-size.jpg", 415, "Unsupported image: source: unsupported jpg image: height defined by a DNL marker"),
    ("png-truncated-idat.png", 400, "Invalid image: source: corrupt png image"),
    ("png-zero-width.png", 400, "Invalid image"),
    ("unknown-magic.bin", 415, NOT_AN_IMAGE),
    ("webp-bad-chunk.webp", 400, "Invalid image: source: corrupt webp image"),
    ("webp-riff-only.webp", 400, "Invalid image: source: corrupt webp image"),
    ("xc1n0g08.png", 400, "Invalid image: source: corrupt png image"),
    ("xc9n2c08.png", 400, "Invalid image: source: corrupt png image"),
    ("xcrn0g04.png", 415, NOT_AN_IMAGE),
    ("xcsn0g01.png", 400, "Invalid image: source: corrupt png image"),
    ("xd0n2c08.png", 400, "Invalid image: source: corrupt png image"),
    ("xd3n2c08.png", 400, "Invalid image: source: corrupt png image"),
    ("xd9n2c08.png", 400, "Invalid image: source: corrupt png image"),
    ("xdtn0g01.png", 400, "Invalid image: source: corrupt png image"),
    ("xhdn0g08.png", 400, "Invalid image: source: corrupt png image"),
    ("xlfn0g04.png", 415, NOT_AN_IMAGE),
    ("xs1n0g01.png", 415, NOT_AN_IMAGE),
    ("xs2n0g01.png", 415, NOT_AN_IMAGE),
    ("xs4n0g01.png", 415, NOT_AN_IMAGE),
    ("xs7n0g01.png", 415, NOT_AN_IMAGE),
    ("tiff-bigtiff.tif", 415, "Unsupported image: source: unsupported tiff image: BigTIFF (64-bit offsets)"),
    ("tiff-cut-in-directory.tif", 400, "Invalid image: source: corrupt tiff image: tiff: corrupt or truncated data: truncated (first directory of 10 entries)"),
    ("tiff-huge-strip-count.tif", 400, "Invalid image: source: corrupt tiff image: tiff: corrupt or truncated data: truncated (StripOffsets: 1073741824 values end past the end of the file)"),
    ("tiff-strip-past-end.tif", 400, "Invalid image: source: corrupt tiff image: tiff: corrupt or truncated data: truncated (chunk 0 at bytes 1000000..1008265 of a 8406-byte file)"),
    ("tiff-truncated-header.tif", 400, "Invalid image: source: corrupt tiff image: tiff: corrupt or truncated data: truncated (header)"),
];

fn bad_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/bad")
}

// --- Requests -------------------------------------------------------------------------------

fn upload(server: &Server, kind: &str, body: &[u8], content_type: Option<&str>) -> Reply {
    let mut req = common::agent()
        .post(server.url(&format!("/v2024-06-24/assets/{kind}/production")))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .header("X-Sanity-Project-ID", &server.project);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    Reply::from(req.send(body).expect("upload request"))
}

/// Status and body of a response read off a raw connection (headers, then `Content-Length`
/// bytes).
fn read_response(stream: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).expect("read the answer");
        assert!(n > 0, "connection closed before the answer: {got:?}");
        got.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {head}"));
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("no Content-Length: {head}"));
    while got.len() < head_end + length {
        let n = stream.read(&mut buf).expect("read the body");
        assert!(n > 0, "connection closed inside the body");
        got.extend_from_slice(&buf[..n]);
    }
    (status, got[head_end..head_end + length].to_vec())
}

/// An upload over the limit on a raw connection. With `Content-Length` only the headers are
/// sent: the answer must come before any of the body. Chunked, chunks of 8 KiB go out until
/// the total passes the limit, a little at a time so that the server reads each before the
/// next, then the answer is read.
fn upload_over_limit(server: &Server, kind: &str, chunked: bool) -> Reply {
    let address = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", MAX_UPLOAD + 1)
    };
    let head = format!(
        "POST /v2024-06-24/assets/{kind}/production HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {ADMIN}\r\nX-Sanity-Project-ID: {}\r\n{framing}\r\n\r\n",
        server.project
    );
    stream.write_all(head.as_bytes()).unwrap();
    if chunked {
        let chunk = vec![b'x'; 8192];
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        let mut sent = 0;
        while sent <= MAX_UPLOAD {
            if stream.write_all(&frame).is_err() {
                // The server answered and closed while this chunk was on its way.
                break;
            }
            sent += chunk.len();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let (status, body) = read_response(&mut stream);
    Reply {
        status,
        headers: Default::default(),
        body,
    }
}

// --- The checks ----------------------------------------------------------------------------

/// Checks one answer, and that nothing was stored and the server is still up; a description of
/// each failure.
fn check(
    server: &mut Server,
    storage: &Storage,
    name: &str,
    reply: &Reply,
    status: u16,
    needle: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    let fail = |failures: &mut Vec<String>, what: String| failures.push(format!("{name}: {what}"));
    if reply.status != status {
        fail(
            &mut failures,
            format!(
                "status {} instead of {status}: {}",
                reply.status,
                reply.text()
            ),
        );
    }
    match serde_json::from_slice::<serde_json::Value>(&reply.body) {
        Ok(body) => {
            let reason = ureq::http::StatusCode::from_u16(reply.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let keys: Vec<&String> = body
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            if keys != ["error", "message", "statusCode"] {
                fail(&mut failures, format!("error keys {keys:?}: {body}"));
            }
            if body["statusCode"] != reply.status || body["error"] != reason {
                fail(&mut failures, format!("error shape: {body}"));
            }
            let message = body["message"].as_str().unwrap_or("");
            if !message.contains(needle) {
                fail(
                    &mut failures,
                    format!("message {message:?} lacks {needle:?}"),
                );
            }
        }
        Err(e) => fail(&mut failures, format!("not JSON ({e}): {}", reply.text())),
    }
    let (blobs, rows) = storage.counts(&server.project);
    if (blobs, rows) != (storage.blobs_before, 0) {
        fail(&mut failures, format!("stored: {blobs} blobs, {rows} rows"));
    }
    if let Ok(Some(exit)) = server.child.try_wait() {
        fail(
            &mut failures,
            format!("the server exited ({exit}): {}", server.stderr()),
        );
        server.restart();
    } else if server.get("/health", &[]).status != 200 {
        fail(&mut failures, "/health is not 200".to_owned());
    }
    failures
}

/// The server's storage, opened in the test: blob and row counts after each case.
struct Storage {
    runtime: tokio::runtime::Runtime,
    db: pixform_server::db::Db,
    blobs: pixform_server::store::Blobs,
    blobs_before: usize,
}

impl Storage {
    fn counts(&self, project: &str) -> (usize, usize) {
        (
            blob_sizes(&self.runtime, &self.blobs).len(),
            project_rows(&self.runtime, &self.db, project).len(),
        )
    }
}

#[test]
fn hostile_uploads_get_their_status_store_nothing_and_leave_the_server_healthy() {
    let began = Instant::now();
    let limit = MAX_UPLOAD.to_string();
    let mut server = Server::start_with(&["--max-upload-bytes", &limit], &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, blobs) = server.open_storage(&runtime);
    let before = server.blob_count();
    let storage = Storage {
        runtime,
        db,
        blobs,
        blobs_before: before,
    };
    assert_eq!(storage.counts(&server.project), (before, 0));

    let mut failures = Vec::new();
    let mut checked = 0;
    for c in cases() {
        let reply = upload(&server, c.kind, &c.body, c.content_type);
        failures.extend(check(
            &mut server,
            &storage,
            &c.name,
            &reply,
            c.status,
            &c.needle,
        ));
        checked += 1;
    }

    // Every file of testdata/bad/, listed or not.
    let listed: BTreeMap<&str, (u16, &str)> =
        BAD_FILES.iter().map(|(n, s, m)| (*n, (*s, *m))).collect();
    let mut names: Vec<String> = std::fs::read_dir(bad_dir())
        .expect("testdata/bad")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for listed_name in listed.keys() {
        assert!(
            names.iter().any(|n| n == listed_name),
            "testdata/bad/{listed_name} is gone"
        );
    }
    let mut unlisted = Vec::new();
    for name in &names {
        let bytes = std::fs::read(bad_dir().join(name)).unwrap();
        let reply = upload(&server, "images", &bytes, None);
        let case_name = format!("testdata/bad/{name}");
        match listed.get(name.as_str()) {
            Some((status, needle)) => {
                failures.extend(check(
                    &mut server,
                    &storage,
                    &case_name,
                    &reply,
                    *status,
                    needle,
                ));
            }
            None => {
                // Not in the table: any status of bad input, with its message.
                let (status, needle) = match reply.status {
                    413 => (413, "exceeds"),
                    415 => (415, ""),
                    _ => (400, "Invalid image"),
                };
                failures.extend(check(
                    &mut server,
                    &storage,
                    &case_name,
                    &reply,
                    status,
                    needle,
                ));
                unlisted.push(format!("{name} → {} {}", reply.status, reply.text()));
            }
        }
        checked += 1;
    }

    // Bodies over the limit, declared or streamed, at both endpoints.
    let declared = format!(
        "Upload of {} bytes exceeds the limit of {MAX_UPLOAD} bytes",
        MAX_UPLOAD + 1
    );
    let streamed = format!("exceeds the limit of {MAX_UPLOAD} bytes (--max-upload-bytes)");
    for kind in ["images", "files"] {
        let reply = upload_over_limit(&server, kind, false);
        let name = format!("{kind}: Content-Length over the limit");
        failures.extend(check(&mut server, &storage, &name, &reply, 413, &declared));
        let reply = upload_over_limit(&server, kind, true);
        let name = format!("{kind}: chunked body over the limit");
        failures.extend(check(&mut server, &storage, &name, &reply, 413, &streamed));
        checked += 2;
    }

    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    assert_eq!(server.blob_count(), before);
    // Still accepting: a valid image and a file of exactly the limit.
    let png = fixture("two-colour-48x32.png");
    let doc = server.upload_ok("images", &png, "filename=ok.png");
    assert_eq!(doc["size"], png.len());
    let at_limit = vec![b'a'; MAX_UPLOAD];
    let doc = server.upload_ok("files", &at_limit, "filename=limit.txt");
    assert_eq!(doc["size"], MAX_UPLOAD);
    // An image under a lying Content-Type is taken for what its bytes are.
    let jpeg = fixture("fixtures/fig-96x64-orient1.jpg");
    let reply = upload(&server, "images", &jpeg, Some("image/png"));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let doc = &reply.json()["document"];
    assert_eq!(
        (doc["mimeType"].as_str(), doc["extension"].as_str()),
        (Some("image/jpeg"), Some("jpg"))
    );
    assert_eq!(server.blob_count(), before + 3);
    println!(
        "hostile uploads on {}: {checked} cases in {:.1?}{}",
        common::backend_name(),
        began.elapsed(),
        if unlisted.is_empty() {
            String::new()
        } else {
            format!("; not in the table: {unlisted:?}")
        }
    );
}
