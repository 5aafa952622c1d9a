//! Codec micro-benchmarks on the bench corpus: JPEG decode at full size, DCT-scaled (1/2, 1/4,
//! 1/8) and DC-only; PNG and WebP decode; each encoder on an 800-pixel-wide image. Corpus:
//! `PIXFORM_CORPUS`, else `benches/corpus`.

use std::hint::black_box;

mod common;

use common::corpus;
use criterion::{criterion_group, criterion_main, Criterion};
use pixform::codec::{self, DecodeOptions, EncodeOptions};
use pixform::ops::{resize, Filter, SourceWindow};
use pixform::{ImageFormat, Limits};

fn decode_benches(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    for (name, bytes) in corpus() {
        let short = name.split('-').next().unwrap_or(&name).to_string();
        let denoms: &[u8] = if name.ends_with(".jpg") {
            &[1, 2, 4, 8]
        } else {
            &[1]
        };
        for &d in denoms {
            let opts = DecodeOptions {
                scale_denom: d,
                to_srgb: true,
            };
            g.bench_function(format!("{short}/1:{d}"), |b| {
                b.iter(|| codec::decode(black_box(&bytes), &limits, &opts).unwrap())
            });
        }
        if name.ends_with(".jpg") {
            g.bench_function(format!("{short}/dc-only"), |b| {
                b.iter(|| codec::decode_dc(black_box(&bytes), &limits, true).unwrap())
            });
        }
    }
    g.finish();
}

fn encode_benches(c: &mut Criterion) {
    let (_, bytes) = corpus()
        .into_iter()
        .find(|(n, _)| n.ends_with(".jpg"))
        .expect("a JPEG in the bench corpus");
    let limits = Limits::default();
    let opts = DecodeOptions {
        scale_denom: 4,
        to_srgb: true,
    };
    let img = codec::decode(&bytes, &limits, &opts).unwrap().image;
    let h = (u64::from(img.height()) * 800 / u64::from(img.width())).max(1) as u32;
    let full = SourceWindow::full(img.width(), img.height());
    let small = resize(&img, full, 800, h, Filter::Lanczos3).unwrap();
    let mut g = c.benchmark_group("encode-800w");
    g.sample_size(10);
    let cases = [
        ("jpeg-q75", ImageFormat::Jpeg, false),
        ("pjpeg-q75", ImageFormat::Jpeg, true),
        ("webp-q75", ImageFormat::Webp, false),
        ("png", ImageFormat::Png, false),
        ("gif", ImageFormat::Gif, false),
        ("avif-q75", ImageFormat::Avif, false),
    ];
    for (label, format, progressive) in cases {
        let eo = EncodeOptions {
            progressive,
            ..EncodeOptions::default()
        };
        if codec::encode(&small, format, &eo).is_err() {
            continue; // format not built in (e.g. AVIF without its feature)
        }
        g.bench_function(label, |b| {
            b.iter(|| codec::encode(black_box(&small), format, &eo).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, decode_benches, encode_benches);
criterion_main!(benches);
