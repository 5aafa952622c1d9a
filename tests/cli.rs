//! The `pixform` binary as a shell user meets it: closed pipes, file types, plan vs output.

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
