//! Times pixform's decode of each file given, as libvips' `vips copy FILE x.v` decodes it, for
//! the per-format comparison in docs/measurements.md ("Decoding TIFF, SVG, animations, AVIF and HEIC"): a still is decoded to 8-bit
//! RGB(A) at its stored size (an SVG rendered at its intrinsic size), an animation is
//! composed frame by frame through every frame. Prints the median of RUNS (default 5) wall
//! times per file, in milliseconds.
//!
//! `cargo run --profile bench --example decode_timing -- [--runs N] FILE...`

#[path = "../benches/common/mod.rs"]
mod corpus;

use std::time::Instant;

use pixform::codec::{decode, frames, probe, DecodeOptions};
use pixform::Limits;

/// One decode of `bytes`: composes every frame of an animation, decodes a still.
fn decode_once(bytes: &[u8], limits: &Limits, animated: bool) -> Result<(), String> {
    if animated {
        let mut stream = frames(bytes, limits).map_err(|e| e.to_string())?;
        while let Some(meta) = stream.next_frame().map_err(|e| e.to_string())? {
            std::hint::black_box((meta, stream.canvas().len()));
        }
    } else {
        let options = DecodeOptions {
            scale_denom: 1,
            to_srgb: true,
        };
        let decoded = decode(bytes, limits, &options).map_err(|e| e.to_string())?;
        std::hint::black_box(decoded.image.data().len());
    }
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut runs = 5;
    if args.peek().map(String::as_str) == Some("--runs") {
        args.next();
        runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
    }
    let limits = Limits::none();
    for path in args {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let info = match probe(&bytes, &limits) {
            Ok(info) => info,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let animated = info.frames > 1;
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            if let Err(e) = decode_once(&bytes, &limits, animated) {
                eprintln!("{path}: {e}");
                break;
            }
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "{path}\t{:?} {}x{} frames {}\t{:.1} ms",
            info.format,
            info.width,
            info.height,
            info.frames,
            corpus::median(times)
        );
    }
}
