//! Asset analysis of a large corpus JPEG (corpus: `PIXFORM_CORPUS`, else `benches/corpus`).

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use pixform::analyze::{analyze, AnalyzeOptions};

fn bench_analyze(c: &mut Criterion) {
    let bytes = common::corpus_file("j1-kleiber-6028x3391-q92-422-baseline.jpg");
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
