//! Times the standard JPEG workloads through `pixform::transform`, single-threaded, over the
//! corpus JPEGs: W1 `w=800` → JPEG q75, W2 `w=200&h=200&fit=crop` → JPEG q75, W6 full-size
//! re-encode at q80. Prints one JSON line per workload with the median pass, in wall and CPU
//! ms per image, in the shape of `benches/compare/run.sh`'s lines so the two compare directly.
//!
//! ```text
//! cargo run --release --example w1_timing -- [--passes N] [--corpus DIR] [--per-file] [W1 W2 W6]
//! cargo run --release --features turbojpeg --example w1_timing
//! ```
//!
//! The corpus is `--corpus DIR`, else `PIXFORM_CORPUS`, else `benches/corpus`.

use std::path::PathBuf;
use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod corpus;

use pixform::{transform, TransformOptions, TransformSpec};

const WORKLOADS: [(&str, &str); 3] = [
    ("W1", "w=800&fm=jpg&q=75"),
    ("W2", "w=200&h=200&fit=crop&fm=jpg&q=75"),
    ("W6", "fm=jpg&q=80"),
];

/// CPU time of this (single-threaded) process in ms, from the scheduler's nanosecond count.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e6)
}

fn main() {
    let mut passes = 7usize;
    let mut corpus = corpus::corpus_dir();
    let mut chosen = Vec::new();
    let mut per_file = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--passes" => {
                passes = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--passes N")
            }
            "--corpus" => corpus = args.next().expect("--corpus DIR").into(),
            "--per-file" => per_file = true,
            w => chosen.push(w.to_owned()),
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", corpus.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('j') && n.ends_with(".jpg"))
        })
        .collect();
    assert!(!files.is_empty(), "no JPEG in corpus {}", corpus.display());
    files.sort();
    let inputs: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("read input"))
        .collect();
    let n = inputs.len() as f64;
    let engine = if cfg!(feature = "turbojpeg") {
        "pixform+turbojpeg"
    } else {
        "pixform"
    };
    let options = TransformOptions::default();
    for (name, query) in WORKLOADS {
        if !chosen.is_empty() && !chosen.iter().any(|c| c == name) {
            continue;
        }
        let spec: TransformSpec = query.parse().expect("query");
        let (mut wall, mut cpu, mut bytes) = (Vec::new(), Vec::new(), 0usize);
        let mut file_ms = vec![Vec::new(); inputs.len()];
        // One warm-up pass, then the timed ones.
        for pass in 0..=passes {
            let (t, c) = (Instant::now(), cpu_ms());
            bytes = 0;
            for (input, times) in inputs.iter().zip(&mut file_ms) {
                let one = Instant::now();
                let out = transform(input, &spec, &options).expect("transform");
                if pass > 0 {
                    times.push(one.elapsed().as_secs_f64() * 1000.0);
                }
                bytes += out.bytes.len();
            }
            if pass > 0 {
                wall.push(t.elapsed().as_secs_f64() * 1000.0 / n);
                cpu.push((cpu_ms() - c) / n);
            }
        }
        if per_file {
            for (path, times) in files.iter().zip(file_ms) {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
                println!("  {name}: {:.1} ms", corpus::median(times));
            }
        }
        println!(
            "{{\"workload\": \"{name}\", \"peer\": \"{engine}\", \"images\": {}, \"ms_per_image\": {:.2}, \"cpu_ms_per_image\": {:.2}, \"output_bytes\": {bytes}}}",
            inputs.len(),
            corpus::median(wall),
            corpus::median(cpu)
        );
    }
}
