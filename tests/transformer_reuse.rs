//! A `Transformer` reuses the large buffers of one image for the next; its output must be
//! byte-identical to a fresh `pixform::transform` whatever ran before it (a reused buffer's
//! old pixels must never show), and the buffers it keeps must be bounded.

mod support;

use pixform::codec::{self, EncodeOptions};
use pixform::{transform, ImageFormat, TransformOptions, Transformer};
use pixform::{Image, PixelLayout};
use support::*;

/// A `w`×`h` image whose every pixel differs from its neighbours (so stale bytes show).
fn pattern(w: u32, h: u32, layout: PixelLayout) -> Image {
    let c = layout.channels();
    let mut data = Vec::with_capacity(w as usize * h as usize * c);
    for y in 0..h {
        for x in 0..w {
            let px = [
                (x * 7 + y * 3) as u8,
                (x * 2 + y * 11) as u8,
                (x ^ y) as u8,
                (128 + x % 127) as u8,
            ];
            data.extend_from_slice(&px[..c]);
        }
    }
    Image::from_vec(w, h, layout, data).expect("pattern size")
}

fn encoded(img: &Image, format: ImageFormat) -> Vec<u8> {
    let options = EncodeOptions {
        quality: 90,
        ..EncodeOptions::default()
    };
    codec::encode(img, format, &options).expect("encode source")
}

#[test]
fn reused_buffers_never_change_the_output() {
    let sample = std::fs::read(testdata("sample.jpg")).expect("sample.jpg");
    let webp = encoded(&pattern(900, 1300, PixelLayout::Rgb8), ImageFormat::Webp);
    let webp_alpha = encoded(&pattern(700, 500, PixelLayout::Rgba8), ImageFormat::Webp);
    let png = encoded(&pattern(1100, 700, PixelLayout::Rgba8), ImageFormat::Png);
    let progressive = fixture("seeding-240x160-progressive.jpg");
    let rotated = fixture("fig-96x64-orient6.jpg");
    // Largest first, then smaller and differently shaped images into the same buffers:
    // full-size re-encodes, quarter turns at full size, shrink-on-load, alpha, every encoder.
    let cases: &[(&[u8], &str)] = &[
        (&sample, "q=80"),
        (&sample, "or=90&q=70"),
        (&webp, "w=300&fm=jpg"),
        (&sample, "w=800"),
        (&png, "fm=png"),
        (&webp_alpha, "or=270&fm=webp"),
        (&sample, "w=200&h=200&fit=crop&fm=webp"),
        (&webp, "fm=jpg&q=60"),
        (&progressive, "w=100&fm=png"),
        (&png, "w=500&blur=20&fm=jpg"),
        (&rotated, "fm=png"),
        (&sample, "w=1600&h=200&fit=fill&flip=hv"),
        (&webp_alpha, "w=640&h=640&fit=fill&bg=f00&fm=png"),
    ];
    let options = TransformOptions::default();
    let mut transformer = Transformer::new(options.clone());
    for round in 0..2 {
        for (input, query) in cases {
            let spec = spec(query);
            let fresh = transform(input, &spec, &options).expect(query);
            let reused = transformer.transform(input, &spec).expect(query);
            assert_eq!(
                (reused.width, reused.height, reused.format),
                (fresh.width, fresh.height, fresh.format),
                "round {round}, {query}"
            );
            assert!(
                reused.bytes == fresh.bytes,
                "round {round}, {query}: output differs after buffer reuse"
            );
        }
    }
}

#[test]
fn errors_leave_the_transformer_usable() {
    let sample = std::fs::read(testdata("sample.jpg")).expect("sample.jpg");
    let mut truncated = sample.clone();
    truncated.truncate(sample.len() / 2);
    let options = TransformOptions::default();
    let mut transformer = Transformer::new(options.clone());
    let spec = spec("w=640&fm=png");
    let before = transformer.transform(&sample, &spec).expect("sample");
    assert!(transformer.transform(&truncated, &spec).is_err());
    let after = transformer.transform(&sample, &spec).expect("sample again");
    assert!(before.bytes == after.bytes);
    assert!(after.bytes == transform(&sample, &spec, &options).expect("fresh").bytes);
    transformer.release_buffers();
    assert!(
        transformer
            .transform(&sample, &spec)
            .expect("after release")
            .bytes
            == after.bytes
    );
}
