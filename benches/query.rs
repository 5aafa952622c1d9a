//! Query parsing: a typical URL's query, and hostile queries of 512 KiB and 1 MiB without
//! limits. Linear parsing takes about twice as long for the larger size; quadratic work
//! would take four times as long. (The unit tests check the same ratio on counted
//! allocations; time is measured only here.)

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pixform::{Limits, TransformSpec};

/// A hostile query of about `size` bytes, by kind.
fn hostile(kind: &str, size: usize) -> String {
    let repeat = |unit: &str| unit.repeat(size / unit.len());
    match kind {
        "pairs" => repeat("x=1&"),
        "empty keys" => repeat("x&"),
        "encoded dl" => format!("dl={}", repeat("%e2%82%ac")),
        "long number" => format!("w={}", repeat("9")),
        "long crop list" => format!("crop={}top", repeat("top,")),
        "duplicates" => repeat("w=1&"),
        _ => repeat("a"),
    }
}

fn typical(c: &mut Criterion) {
    let query = "w=800&h=600&fit=crop&crop=focalpoint&fp-x=0.3&fp-y=0.6&fm=webp&q=80&auto=format";
    c.bench_function("from_query typical", |b| {
        b.iter(|| TransformSpec::from_query(black_box(query)))
    });
}

fn huge(c: &mut Criterion) {
    let none = Limits::none();
    let mut group = c.benchmark_group("from_query unlimited");
    group.sample_size(20);
    for kind in [
        "pairs",
        "empty keys",
        "encoded dl",
        "long number",
        "long crop list",
        "duplicates",
        "one long key",
    ] {
        for size in [512 << 10, 1 << 20] {
            let query = hostile(kind, size);
            group.throughput(Throughput::Bytes(query.len() as u64));
            group.bench_with_input(BenchmarkId::new(kind, size), &query, |b, q| {
                b.iter(|| TransformSpec::from_query_with_limits(black_box(q), &none))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, typical, huge);
criterion_main!(benches);
