//! The bench corpus, shared by the benchmark targets.

// Each bench target compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The corpus directory: `PIXFORM_CORPUS` when set, else `benches/corpus` in the repository.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("PIXFORM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/corpus"))
}

/// `(file name, bytes)` of every JPEG, PNG and WebP in the corpus, sorted by name. A missing or
/// empty corpus stops the run: benchmarks over nothing would report nothing without saying so.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "bench corpus {} unreadable ({e}); set PIXFORM_CORPUS to its directory",
            dir.display()
        )
    });
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let path = e
                .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
                .path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            (name, path)
        })
        .filter(|(name, _)| matches!(name.rsplit('.').next(), Some("jpg" | "png" | "webp")))
        .map(|(name, path)| {
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (name, bytes)
        })
        .collect();
    assert!(
        !files.is_empty(),
        "no JPEG, PNG or WebP in bench corpus {}",
        dir.display()
    );
    files.sort();
    files
}

/// The bytes of one corpus file; a missing file stops the run with its path.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "bench corpus file {} unreadable ({e}); set PIXFORM_CORPUS to the corpus directory",
            path.display()
        )
    })
}
