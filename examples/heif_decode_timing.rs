//! Times one decode of an AVIF or HEIC file through `pixform::codec::decode` (the decoder,
//! the YCbCr conversion and the `clap`/alpha assembly; timer around the decode only), for the
//! comparison with libvips in docs/avif-heic-decoders.md:
//! `cargo run --profile release --features avif-decode,heic --example heif_decode_timing -- FILE`.

use std::time::Instant;

use pixform::codec::{self, DecodeOptions};
use pixform::Limits;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: heif_decode_timing FILE.avif|FILE.heic");
    let bytes = std::fs::read(&path).expect("read input");
    let t = Instant::now();
    let decoded =
        codec::decode(&bytes, &Limits::default(), &DecodeOptions::default()).expect("decode");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{path}: {}x{} {:?} in {ms:.0} ms",
        decoded.image.width(),
        decoded.image.height(),
        decoded.image.layout()
    );
}
