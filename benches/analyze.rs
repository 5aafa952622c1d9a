//! Asset analysis of a large corpus JPEG (skipped when the corpus is absent).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use pixform::analyze::{analyze, AnalyzeOptions};

const CORPUS_JPEG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/bench-corpus/j1-kleiber-6028x3391-q92-422-baseline.jpg"
);

fn bench_analyze(c: &mut Criterion) {
    let Ok(bytes) = std::fs::read(Path::new(CORPUS_JPEG)) else {
        eprintln!("skipping: {CORPUS_JPEG} not found");
        return;
    };
    let opts = AnalyzeOptions::default();
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.bench_function("j1-20mp-jpeg-default-meta", |b| {
        b.iter(|| analyze(std::hint::black_box(&bytes), &opts))
    });
    group.finish();
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
