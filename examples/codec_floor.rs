//! The codec floor of a workload: decode at the plan's shrink-on-load scale plus encode of an
//! image of the output size, with pixform's own codec (the resize and other pixel work
//! excluded). For progressive JPEGs planned at 1/8 it also times the DC-only decode.
//!
//! `codec_floor [--query 'w=800'] [--passes N] FILE…` prints one JSON line with the median
//! ms per image of each part over N passes (default 5). Pixel buffers are kept between images
//! (a [`pixform::BufferPool`]), as the batch API keeps them.

#[path = "../benches/common/mod.rs"]
mod corpus;

use std::time::Instant;

#[path = "common/args.rs"]
mod args;

use pixform::codec::{self, DecodeOptions, EncodeOptions};
use pixform::ops::{resize, Filter, SourceWindow};
use pixform::plan::{plan, SourceFacts};
use pixform::BufferPool;
use pixform::{Limits, TransformSpec};

fn main() {
    let args::Args {
        query,
        passes,
        files,
    } = args::parse("w=800", 5);
    let spec = TransformSpec::from_query(&query).expect("valid query");
    let limits = Limits::default();
    let (mut decode_ms, mut encode_ms, mut dc_ms) = (vec![], vec![], vec![]);
    let mut scales = Vec::new();
    let mut pool = BufferPool::new();
    for _ in 0..passes {
        let (mut d, mut e, mut dc) = (0.0, 0.0, 0.0);
        scales.clear();
        for f in &files {
            let bytes = std::fs::read(f).expect("read input");
            let info = codec::probe(&bytes, &limits).expect("probe");
            let facts = SourceFacts::from(&info);
            let p = plan(&facts, &spec, &(&limits).into()).expect("plan");
            let denom = p.decoder.jpeg_scale_denom;
            scales.push(denom);
            let opts = DecodeOptions {
                scale_denom: denom,
                to_srgb: true,
            };
            let t = Instant::now();
            let decoded = codec::decode_pooled(&bytes, &limits, &opts, &mut pool).expect("decode");
            d += t.elapsed().as_secs_f64() * 1e3;
            if denom == 8 && info.progressive {
                let t = Instant::now();
                std::hint::black_box(codec::decode_dc(&bytes, &limits, true).expect("dc"));
                dc += t.elapsed().as_secs_f64() * 1e3;
            }
            let img = decoded.image;
            let full = SourceWindow::full(img.width(), img.height());
            let (w, h) = if decoded.orientation.swaps_axes() {
                (p.height, p.width)
            } else {
                (p.width, p.height)
            };
            let small = resize(&img, full, w, h, Filter::Lanczos3).expect("resize");
            pool.give(img.into_vec());
            let eo = EncodeOptions {
                quality: p.encoding.quality,
                ..EncodeOptions::default()
            };
            let t = Instant::now();
            let out = codec::encode_pooled(&small, p.encoding.format, &eo, &mut pool);
            std::hint::black_box(out.expect("encode"));
            e += t.elapsed().as_secs_f64() * 1e3;
        }
        let n = files.len().max(1) as f64;
        decode_ms.push(d / n);
        encode_ms.push(e / n);
        dc_ms.push(dc / n);
    }
    let (d, e) = (corpus::median(decode_ms), corpus::median(encode_ms));
    println!(
        "{{\"query\": {query:?}, \"n_images\": {}, \"scale_denoms\": {scales:?}, \"decode_ms\": {d:.2}, \"encode_ms\": {e:.2}, \"floor_ms\": {:.2}, \"dc_only_decode_ms_per_image_of_set\": {:.2}}}",
        files.len(),
        d + e,
        corpus::median(dc_ms)
    );
}
