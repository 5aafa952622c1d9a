//! Times the two pure-Rust JPEG encoders on corpus photos: `jpeg-encoder` and the encoder of
//! libjpeg-turbo-rs (4:2:0, optimised Huffman tables, baseline), at full size and at 800 px wide.
//!
//! `cargo run --release --example jpeg_encode_timing -- [--query q=80] [--passes N] FILE…`

#[path = "common/args.rs"]
mod args;
#[path = "../benches/common/mod.rs"]
mod corpus;

use std::time::Instant;

fn main() {
    let a = args::parse("q=80", 5);
    let q: u8 = a
        .query
        .trim_start_matches("q=")
        .parse()
        .expect("--query q=N");
    for f in &a.files {
        let bytes = std::fs::read(f).expect("read");
        let img = image::load_from_memory(&bytes).expect("decode").to_rgb8();
        for width in [img.width(), 800] {
            let img = if width == img.width() {
                img.clone()
            } else {
                let h = img.height() * width / img.width();
                image::imageops::resize(&img, width, h, image::imageops::FilterType::Triangle)
            };
            let (w, h) = img.dimensions();
            let (mut t1, mut t2) = (vec![], vec![]);
            let (mut n1, mut n2) = (0, 0);
            for _ in 0..a.passes {
                let t = Instant::now();
                let mut out = Vec::new();
                let mut enc = jpeg_encoder::Encoder::new(&mut out, q);
                enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
                enc.set_optimized_huffman_tables(true);
                enc.encode(
                    img.as_raw(),
                    w as u16,
                    h as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .expect("encode");
                t1.push(t.elapsed().as_secs_f64() * 1e3);
                n1 = out.len();
                let t = Instant::now();
                let out = libjpeg_turbo_rs::Encoder::new(
                    img.as_raw(),
                    w as usize,
                    h as usize,
                    libjpeg_turbo_rs::PixelFormat::Rgb,
                )
                .quality(q)
                .subsampling(libjpeg_turbo_rs::Subsampling::S420)
                .optimize_huffman(true)
                .encode()
                .expect("encode");
                t2.push(t.elapsed().as_secs_f64() * 1e3);
                n2 = out.len();
            }
            println!(
                "{f} {w}x{h}: jpeg-encoder {:.1} ms {n1} B | libjpeg-turbo-rs {:.1} ms {n2} B",
                corpus::median(t1),
                corpus::median(t2)
            );
        }
    }
}
