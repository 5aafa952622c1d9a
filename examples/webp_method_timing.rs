//! Times libwebp lossy encoding at q75 for methods 0, 2, 3 and 4 on a corpus photo decoded at
//! 1/4 scale (`cargo run --example webp_method_timing -- FILE.jpg`; libwebp is compiled with
//! optimisation even in debug builds).

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
    let mut d = jpeg_decoder::Decoder::new(&bytes[..]);
    d.read_info().expect("header");
    let info = d.info().expect("info");
    d.scale(info.width.div_ceil(4), u16::MAX).expect("scale");
    let px = d.decode().expect("decode");
    let info = d.info().expect("info");
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    for method in [0, 2, 3, 4] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let mut config = webp::WebPConfig::new().expect("config");
            config.quality = 75.0;
            config.method = method;
            let t = Instant::now();
            let out = webp::Encoder::from_rgb(&px, w, h)
                .encode_advanced(&config)
                .expect("encode");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            size = out.len();
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!("{w}x{h} method {method}: {:.1} ms, {size} bytes", times[2]);
    }
}
