//! DC-only decode vs the codec's 1/8-scale decode, and what the scan scripts allow at 1/4
//! and 1/2.
//!
//! `cargo run --release --example dc_timing [FILES…]` (default: the JPEGs of the bench corpus,
//! `benches/corpus` or `PIXFORM_CORPUS`).
//! Prints, per file: the median of 7 runs of `codec::decode` (scale_denom 8) and of
//! `codec::decode_dc_only`; the scan script (components, Ss–Se, Ah/Al, entropy bytes); and the
//! share of entropy-coded bytes a decoder could skip at 1/8, 1/4 and 1/2 scale (scans whose
//! band holds no coefficient the reduced IDCT reads).

use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod corpus;

use pixform::codec::{decode, decode_dc_only, scan_script, DecodeOptions, ScanSummary};
use pixform::Limits;

/// Natural (row-major) position of each zig-zag index.
const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Whether an `n`×`n` reduced IDCT (n = 1, 2, 4) reads any coefficient of the band.
fn band_needed(s: &ScanSummary, n: u8) -> bool {
    (s.ss..=s.se.min(63)).any(|k| {
        let natural = ZIGZAG[usize::from(k)];
        natural / 8 < n && natural % 8 < n
    })
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        let dir = corpus::corpus_dir();
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with('j') && n.ends_with(".jpg"))
            .map(|n| dir.join(n).display().to_string())
            .collect();
        assert!(!found.is_empty(), "no JPEG in corpus {}", dir.display());
        found.sort();
        files = found;
    }
    let limits = Limits::default();
    let opts = DecodeOptions {
        scale_denom: 8,
        to_srgb: false,
    };
    println!("| file | decode 1/8 ms | DC-only ms | speed-up | skippable at 1/8 | 1/4 | 1/2 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut scripts = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("read input");
        let name = path.rsplit('/').next().unwrap_or(path);
        let scaled = median_ms(|| {
            decode(&bytes, &limits, &opts).expect("decode");
        });
        let dc = median_ms(|| {
            decode_dc_only(&bytes, &limits).expect("decode_dc_only");
        });
        let script = scan_script(&bytes, &limits).expect("scan script");
        let total: usize = script.iter().map(|s| s.entropy_bytes).sum();
        let skippable = |n: u8| {
            let skip: usize = script
                .iter()
                .filter(|s| !band_needed(s, n))
                .map(|s| s.entropy_bytes)
                .sum();
            100.0 * skip as f64 / total.max(1) as f64
        };
        println!(
            "| {name} | {scaled:.1} | {dc:.1} | {:.1}× | {:.0} % | {:.0} % | {:.0} % |",
            scaled / dc,
            skippable(1),
            skippable(2),
            skippable(4)
        );
        scripts.push((name.to_string(), script));
    }
    for (name, script) in scripts {
        println!("\n{name}: {} scans", script.len());
        for s in script {
            println!(
                "  comps {:?} Ss {:>2} Se {:>2} Ah {} Al {}  {:>9} bytes",
                s.components, s.ss, s.se, s.ah, s.al, s.entropy_bytes
            );
        }
    }
}
