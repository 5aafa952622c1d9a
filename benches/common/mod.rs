//! The bench corpus, shared by the benchmark targets.

use std::path::PathBuf;

/// `(file name, bytes)` of every JPEG, PNG and WebP in the corpus, sorted by name:
/// `PIXFORM_CORPUS`, else `../shared/bench-corpus` beside the repository. Empty when absent
/// (the benchmarks that need it are skipped).
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = std::env::var_os("PIXFORM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench-corpus")
        });
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let ext = name.rsplit('.').next()?;
            matches!(ext, "jpg" | "png" | "webp")
                .then(|| Some((name.clone(), std::fs::read(dir.join(&name)).ok()?)))?
        })
        .collect();
    files.sort();
    files
}
