//! In-process timing of `pixform::Transformer` (the batch API) for the comparison script.
//!
//! `bench_workload --query 'w=800' [--passes N] FILE…` reads the files, runs one warm-up pass
//! and N timed passes (default 3) of one `pixform::Transformer` over them in this thread, and prints
//! one JSON line: `{"tool", "query", "n_images", "pass_ms": [...], "out_bytes": {...}}`.

use std::time::Instant;

#[path = "common/args.rs"]
mod args;

use pixform::TransformSpec;

fn main() {
    let args::Args {
        query,
        passes,
        files,
    } = args::parse("", 3);
    let spec = TransformSpec::from_query(&query).expect("valid query");
    // One Transformer for the whole run, as a batch job or a server worker keeps one.
    let mut transformer = pixform::Transformer::new(pixform::TransformOptions::default());
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read(f).expect("read input")))
        .collect();
    let mut out_bytes = Vec::new();
    for (name, bytes) in &inputs {
        let out = transformer.transform(bytes, &spec).expect("transform");
        let base = name.rsplit('/').next().unwrap_or(name);
        out_bytes.push(format!("\"{base}\": {}", out.bytes.len()));
    }
    let mut pass_ms = Vec::new();
    for _ in 0..passes {
        let t = Instant::now();
        for (_, bytes) in &inputs {
            let out = transformer.transform(bytes, &spec).expect("transform");
            std::hint::black_box(out);
        }
        pass_ms.push(format!("{:.3}", t.elapsed().as_secs_f64() * 1e3));
    }
    println!(
        "{{\"tool\": \"pixform\", \"query\": {query:?}, \"n_images\": {}, \"pass_ms\": [{}], \"out_bytes\": {{{}}}}}",
        inputs.len(),
        pass_ms.join(", "),
        out_bytes.join(", ")
    );
}
