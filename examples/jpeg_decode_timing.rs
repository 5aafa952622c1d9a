//! Times a full-size JPEG decode with `jpeg-decoder` and `zune-jpeg` (median CPU-bound wall
//! time of a few runs). Dependencies are optimised even in debug builds, so `cargo run
//! --example jpeg_decode_timing -- FILE.jpg` measures the decoders' optimised code.

use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod corpus;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        corpus::corpus_path("j5-bridge-4352x2448-q90-422-baseline.jpg")
            .display()
            .to_string()
    });
    let bytes = std::fs::read(&path).expect("read input");
    let runs = 7;
    for denom in [1u16, 4] {
        let mut jd = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(&bytes));
            d.read_info().expect("header");
            let info = d.info().expect("info");
            if denom > 1 {
                d.scale(info.width.div_ceil(denom), info.height.div_ceil(denom))
                    .expect("scale");
            }
            let px = d.decode().expect("decode");
            std::hint::black_box(px);
            jd.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!("jpeg-decoder 1/{denom}: {:.1} ms", corpus::median(jd));
    }
    let mut zn = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let opts = zune_core::options::DecoderOptions::default()
            .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
        let mut d = zune_jpeg::JpegDecoder::new_with_options(
            zune_core::bytestream::ZCursor::new(&bytes),
            opts,
        );
        let px = d.decode().expect("decode");
        std::hint::black_box(px);
        zn.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("zune-jpeg full: {:.1} ms", corpus::median(zn));
}
