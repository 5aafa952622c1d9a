//! Whole-workload benchmarks through the library API: bytes in memory → one
//! `pixform::Transformer` (buffers reused, as in a batch run) → encoded bytes, for each
//! workload of benches/compare/workloads.json on each corpus image of its set. Corpus:
//! `PIXFORM_CORPUS`, else `benches/corpus`; a workload whose set is empty stops the run.

use std::hint::black_box;

mod common;

use common::corpus;
use criterion::{criterion_group, criterion_main, Criterion};
use pixform::TransformSpec;

/// (workload, query, file-name prefix of its corpus set)
const WORKLOADS: [(&str, &str, &str); 7] = [
    ("W1", "w=800", "j"),
    ("W2", "w=200&h=200&fit=crop", "j"),
    ("W3", "w=1200&fm=webp&q=75", "j"),
    ("W4", "w=400&blur=50", "j"),
    ("W5", "w=300", "p"),
    ("W6", "q=80", "j"),
    ("W7", "w=800&fm=jpg", "w"),
];

fn workloads(c: &mut Criterion) {
    let files = corpus();
    let mut transformer = pixform::Transformer::new(pixform::TransformOptions::default());
    for (w, query, prefix) in WORKLOADS {
        let spec = TransformSpec::from_query(query).unwrap();
        let set: Vec<_> = files
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .collect();
        assert!(!set.is_empty(), "{w}: no corpus file named {prefix}*");
        let mut g = c.benchmark_group(w);
        g.sample_size(10);
        for (name, bytes) in set {
            let short = name.split('-').next().unwrap_or(name);
            g.bench_function(short, |b| {
                b.iter(|| transformer.transform(black_box(bytes), &spec).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);
