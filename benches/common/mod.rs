//! The bench corpus (`benches/corpus`, licences in its LICENSES.md), found the same way by
//! the benchmarks, the timing examples and the tests that read it: `PIXFORM_CORPUS` when set,
//! else `benches/corpus` in the repository. Missing data stops the run with the path it
//! looked for, never a silent pass over nothing.

// Each target that includes this module uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("PIXFORM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/corpus"))
}

/// The path of one corpus file, checked to exist.
pub fn corpus_path(name: &str) -> PathBuf {
    let path = corpus_dir().join(name);
    assert!(
        path.is_file(),
        "bench corpus file {} missing; set PIXFORM_CORPUS to the corpus directory",
        path.display()
    );
    path
}

/// The bytes of one corpus file.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let path = corpus_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The paths of every JPEG, PNG and WebP in the corpus, sorted by name; at least one.
pub fn corpus_paths() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "bench corpus {} unreadable ({e}); set PIXFORM_CORPUS to its directory",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jpg" | "png" | "webp")
            )
        })
        .collect();
    assert!(
        !paths.is_empty(),
        "no JPEG, PNG or WebP in bench corpus {}",
        dir.display()
    );
    paths.sort();
    paths
}

/// `(file name, bytes)` of every JPEG, PNG and WebP in the corpus, sorted by name.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    corpus_paths()
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (name, bytes)
        })
        .collect()
}

/// The median of timings (the upper middle one for an even count); NaN for none.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
