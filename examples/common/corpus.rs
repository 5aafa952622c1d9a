//! Where the timing examples find the bench corpus: `PIXFORM_CORPUS` when set, else
//! `benches/corpus` in the repository.

use std::path::PathBuf;

/// The corpus directory.
pub fn dir() -> PathBuf {
    std::env::var_os("PIXFORM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/corpus"))
}

/// The path of one corpus file, checked to exist (a missing corpus ends the run with a message
/// that says where it was looked for).
#[allow(dead_code)]
pub fn file(name: &str) -> PathBuf {
    let path = dir().join(name);
    assert!(
        path.is_file(),
        "corpus file {} missing (set PIXFORM_CORPUS to the corpus directory)",
        path.display()
    );
    path
}
