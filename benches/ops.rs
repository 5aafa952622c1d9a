//! Pixel-operation benchmarks on synthetic images of corpus-like sizes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use pixform::ops::{self, Filter, Resizer, SourceWindow};
use pixform::{Image, PixelLayout};

/// A deterministic image with gradients and texture (content does not change the cost of
/// these filters, but keeps the compiler from seeing constants).
fn synthetic(width: u32, height: u32, layout: PixelLayout) -> Image {
    let mut data = Vec::with_capacity(width as usize * height as usize * layout.channels());
    let mut seed = 1u32;
    for y in 0..height {
        for x in 0..width {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let px = [
                (x / 8) as u8,
                (y / 8) as u8,
                ((x + y) as u8) ^ (seed >> 27) as u8,
                255,
            ];
            data.extend_from_slice(&px[..layout.channels()]);
        }
    }
    Image::from_vec(width, height, layout, data).expect("sized buffer")
}

fn resize(c: &mut Criterion) {
    let src = synthetic(6028, 3391, PixelLayout::Rgb8);
    let window = SourceWindow::full(src.width(), src.height());
    let mut resizer = Resizer::new();
    let mut buffer = Vec::new();
    c.bench_function("resize 6028x3391 -> 800x450 lanczos3 rgb8", |b| {
        b.iter(|| {
            let out = resizer
                .resize_reusing(
                    black_box(&src),
                    window,
                    800,
                    450,
                    Filter::Lanczos3,
                    std::mem::take(&mut buffer),
                )
                .expect("resize");
            buffer = out.into_vec();
        })
    });
}

fn blur(c: &mut Criterion) {
    let src = synthetic(1200, 675, PixelLayout::Rgb8);
    c.bench_function("blur sigma 5 1200x675 rgb8", |b| {
        b.iter(|| ops::blur(black_box(&src), 5.0).expect("blur"))
    });
    c.bench_function("blur sigma 40 1200x675 rgb8", |b| {
        b.iter(|| ops::blur(black_box(&src), 40.0).expect("blur"))
    });
    c.bench_function("blur sigma 200 1200x675 rgb8", |b| {
        b.iter(|| ops::blur(black_box(&src), 200.0).expect("blur"))
    });
}

fn sharpen(c: &mut Criterion) {
    let src = synthetic(1200, 675, PixelLayout::Rgb8);
    c.bench_function("sharpen 50 1200x675 rgb8", |b| {
        b.iter(|| ops::sharpen(black_box(&src), 50).expect("sharpen"))
    });
}

fn orient(c: &mut Criterion) {
    let src = synthetic(1200, 675, PixelLayout::Rgb8);
    c.bench_function("rotate 90 1200x675 rgb8", |b| {
        b.iter(|| {
            ops::Orientation::Rotate90
                .apply(black_box(&src))
                .expect("orient")
        })
    });
}

criterion_group!(benches, resize, blur, sharpen, orient);
criterion_main!(benches);
