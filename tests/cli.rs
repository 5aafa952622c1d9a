//! The `pixform` binary as a shell user meets it: closed pipes, file types, plan vs output.

#[path = "../benches/common/mod.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn pixform() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pixform"))
}

fn fixture(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .join(name);
    assert!(path.is_file(), "missing fixture {}", path.display());
    path
}

/// Runs `pixform ARGS` with its standard output a pipe whose reader is already closed, so the
/// first write fails with a broken pipe.
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    pixform()
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("runs pixform")
}

#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    let jpeg = fixture("picos-240x160-baseline.jpg");
    let jpeg = jpeg.to_str().expect("UTF-8 path");
    let cases: &[&[&str]] = &[
        &["params"],
        &["params", "--dict"],
        &["plan", "--source", "300x450", "w=100&h=100"],
        &["info", jpeg],
        &["analyze", jpeg],
        &[
            "url",
            "--parse",
            "https://cdn.sanity.io/images/p/d/Tb9Ew8CXIwaY6R1kjMvI0uRR-300x450.jpg?w=100",
        ],
        &[
            "url",
            "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-300x450-jpg",
            "--project",
            "p",
            "--dataset",
            "d",
        ],
    ];
    for args in cases {
        let out = run_into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn head_reads_the_first_line_of_params() {
    let mut child = pixform()
        .arg("params")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs pixform");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while std::io::Read::read(&mut stdout, &mut byte).expect("reads") == 1 && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    drop(stdout);
    let out = child.wait_with_output().expect("waits");
    assert_eq!(
        String::from_utf8_lossy(&first),
        "| key | aliases | value | default | meaning |"
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

fn analyze_json(path: &std::path::Path) -> serde_json::Value {
    let out = pixform()
        .arg("analyze")
        .arg(path)
        .output()
        .expect("runs pixform");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON document")
}

#[test]
fn analyze_types_a_file_by_its_bytes_not_its_name() {
    let dir = std::env::temp_dir().join(format!("pixform-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = b"not a photo, just words\n";
    let png = std::fs::read(fixture("mars-240x120-rgba.png")).expect("fixture");
    // (file name, bytes, document type, extension, MIME type)
    let cases: [(&str, &[u8], &str, &str, &str); 4] = [
        (
            "x.jpg",
            text,
            "sanity.fileAsset",
            "jpg",
            "application/octet-stream",
        ),
        ("notes.txt", text, "sanity.fileAsset", "txt", "text/plain"),
        ("photo.jpg", &png, "sanity.imageAsset", "png", "image/png"),
        ("noext", &png, "sanity.imageAsset", "png", "image/png"),
    ];
    for (name, bytes, kind, ext, mime) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let json = analyze_json(&path);
        assert_eq!(
            (
                json["_type"].as_str(),
                json["extension"].as_str(),
                json["mimeType"].as_str()
            ),
            (Some(kind), Some(ext), Some(mime)),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `pixform info` reads the header facts of every input format, frames, duration and plays of
/// an animation included; `pixform analyze` types each by its bytes and describes the image (an
/// animation by its first frame).
#[test]
#[allow(clippy::type_complexity)] // one tuple per case, its fields named in the comment
fn info_and_analyze_read_every_input_format() {
    // (file, format, width, height, has alpha, frames, duration ms, plays, extension, MIME type,
    // opaque)
    #[rustfmt::skip]
    let cases: [(&str, &str, u64, u64, bool, u64, Option<u64>, Option<u64>, &str, &str, bool); 4] = [
        ("tiff/rgba8-deflate.tif", "tiff", 64, 40, true, 1, None, None, "tiff", "image/tiff", false),
        // A white background covers the whole drawing.
        ("svg/units-mm.svg", "svg", 96, 48, true, 1, None, None, "svg", "image/svg+xml", true),
        ("anim/gif-3frames-loop2.gif", "gif", 24, 16, false, 3, Some(390), Some(3), "gif", "image/gif", true),
        ("anim/webp-3frames-loop3.webp", "webp", 24, 16, false, 3, Some(390), Some(3), "webp", "image/webp", true),
    ];
    for (file, format, w, h, alpha, frames, duration, plays, ext, mime, opaque) in cases {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(file);
        let info = json_of(&["info".as_ref(), path.as_os_str()]);
        assert_eq!(
            (
                info["format"].as_str(),
                info["width"].as_u64(),
                info["height"].as_u64(),
                info["has_alpha"].as_bool(),
                info["frames"].as_u64(),
                info["duration_ms"].as_u64(),
                info["loop_count"].as_u64(),
            ),
            (
                Some(format),
                Some(w),
                Some(h),
                Some(alpha),
                Some(frames),
                duration,
                plays
            ),
            "{file}"
        );
        let doc = analyze_json(&path);
        assert_eq!(
            (
                doc["_type"].as_str(),
                doc["extension"].as_str(),
                doc["mimeType"].as_str(),
                doc["metadata"]["dimensions"]["width"].as_u64(),
                doc["metadata"]["dimensions"]["height"].as_u64(),
                doc["metadata"]["hasAlpha"].as_bool(),
                doc["metadata"]["isOpaque"].as_bool(),
            ),
            (
                Some("sanity.imageAsset"),
                Some(ext),
                Some(mime),
                Some(w),
                Some(h),
                Some(alpha),
                Some(opaque)
            ),
            "{file}"
        );
    }
}

fn json_of(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = pixform().args(args).output().expect("runs pixform");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Format, width, height, alpha and frames an output file declares: `pixform info`, or for
/// AVIF (which pixform does not read) its first `ispe` box and alpha auxiliary image (pixform
/// writes AVIF stills only).
fn output_facts(path: &std::path::Path) -> (String, u64, u64, bool, u64) {
    let bytes = std::fs::read(path).expect("output file");
    if bytes.get(4..12) == Some(b"ftypavif") {
        let at = bytes
            .windows(4)
            .position(|w| w == b"ispe")
            .expect("AVIF has an ispe box");
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let alpha = bytes.windows(15).any(|w| w == b"auxiliary:alpha");
        return (
            "avif".to_owned(),
            be(at + 8).into(),
            be(at + 12).into(),
            alpha,
            1,
        );
    }
    let info = json_of(&["info".as_ref(), path.as_os_str()]);
    (
        info["format"].as_str().expect("format").to_owned(),
        info["width"].as_u64().expect("width"),
        info["height"].as_u64().expect("height"),
        info["has_alpha"].as_bool().expect("has_alpha"),
        info["frames"].as_u64().expect("frames"),
    )
}

/// The inputs of the plan/transform agreement: every fixture, two animations and every
/// bench-corpus image.
fn sources() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/fixtures")
        .map(|e| e.expect("directory entry").path())
        .collect();
    assert!(files.len() >= 10, "fixtures missing in {}", dir.display());
    let anim = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/anim");
    files.extend(["webp-6frames-alpha.webp", "apng-6frames-moving.png"].map(|f| anim.join(f)));
    files.extend(corpus::corpus_paths());
    files.sort();
    files
}

#[test]
fn plan_reports_the_format_and_alpha_transform_writes() {
    let dir = std::env::temp_dir().join(format!("pixform-cli-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // (query, Accept)
    let cases = [
        ("auto=format&w=48", "image/avif,image/webp"),
        ("auto=format&w=48&h=40&fit=crop", "image/webp"),
        ("auto=format&fm=jpg&w=40", ""),
        ("auto=format&fm=jpg&w=40&bg=ff0000", ""),
        ("auto=format&w=40&pad=3&bg=8000ff00", ""),
        ("fm=png&w=32&bg=fff", "image/webp"),
    ];
    for source in sources() {
        let info = json_of(&["info".as_ref(), source.as_os_str()]);
        let size = format!("{}x{}", info["width"], info["height"]);
        let format = info["format"].as_str().expect("format").to_owned();
        for (i, (query, accept)) in cases.iter().enumerate() {
            let what = format!("{} {query:?} accept {accept:?}", source.display());
            let frames = info["frames"].to_string();
            let mut args = vec![
                "plan", "--source", &size, "--format", &format, "--frames", &frames,
            ];
            if info["has_alpha"] == true {
                args.push("--alpha");
            }
            args.extend(["--accept", accept, query]);
            let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
            let planned = json_of(&args);

            let output = dir.join(format!("out-{i}.img"));
            let out = pixform()
                .arg("transform")
                .arg(&source)
                .args([query, "-o"])
                .arg(&output)
                .args(["--accept", accept])
                .output()
                .expect("runs pixform");
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (got_format, width, height, mut alpha, frames) = output_facts(&output);
            // WebP and GIF encoders leave out an alpha channel that is opaque everywhere
            // (GIF after rounding alpha to 1 bit): the pixels then say what the plan said.
            if !alpha && matches!(got_format.as_str(), "webp" | "gif") {
                let bytes = std::fs::read(&output).expect("output file");
                let decoded = image::load_from_memory(&bytes).expect("decodes").to_rgba8();
                alpha = planned["has_alpha"] == true && decoded.pixels().all(|p| p[3] == 255);
            }
            assert_eq!(
                (got_format.as_str(), width, height, alpha, frames),
                (
                    planned["encoding"]["format"].as_str().expect("format"),
                    planned["width"].as_u64().expect("width"),
                    planned["height"].as_u64().expect("height"),
                    planned["has_alpha"].as_bool().expect("has_alpha"),
                    planned["frames"].as_u64().expect("frames"),
                ),
                "{what}"
            );
            std::fs::remove_file(&output).expect("clean up");
        }
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn info_reports_frames_duration_and_plays_of_an_animation() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/anim/gif-3frames-loop2.gif");
    let info = json_of(&["info".as_ref(), path.as_os_str()]);
    assert_eq!(
        (
            info["frames"].as_u64(),
            info["duration_ms"].as_u64(),
            info["loop_count"].as_u64()
        ),
        (Some(3), Some(390), Some(3))
    );
    let still = json_of(&[
        "info".as_ref(),
        fixture("picos-240x160-baseline.jpg").as_os_str(),
    ]);
    assert_eq!(
        (
            still["frames"].as_u64(),
            still["duration_ms"].is_null(),
            still["loop_count"].is_null()
        ),
        (Some(1), true, true)
    );
}
