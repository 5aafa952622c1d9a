//! pixform's JPEG encoder against libjpeg-turbo's `cjpeg`: the same pixels at the same settings
//! (4:2:0, optimised Huffman tables, baseline quantisation tables; sequential or progressive)
//! must give the same bytes. The references were written by `cjpeg` of libjpeg-turbo 2.1.5
//! (`testdata/reference/cjpeg/make.sh`). The default build encodes with libjpeg-turbo-rs, the
//! `turbojpeg` build with libjpeg-turbo itself; both are held to them.

mod support;

use pixform::codec::{encode, EncodeOptions};
use pixform::{Image, ImageFormat, PixelLayout};
use support::read_testdata;

/// fixture, alpha kept in the encoder's input, quality, progressive, reference.
const CASES: &[(&str, bool, u8, bool, &str)] = &[
    ("fig-240x160-rgb.png", false, 75, false, "fig-q75.jpg"),
    // q=1: quantisation tables clamped to 8 bits (sequential baseline, not extended).
    ("fig-240x160-rgb.png", false, 1, false, "fig-q1.jpg"),
    ("fig-240x160-rgb.png", false, 100, false, "fig-q100.jpg"),
    (
        "fig-240x160-rgb.png",
        false,
        80,
        true,
        "fig-q80-progressive.jpg",
    ),
    // RGBA input: the alpha channel is ignored, as cjpeg never saw it.
    ("mars-240x120-rgba.png", true, 75, false, "mars-q75.jpg"),
];

#[test]
fn encodes_equal_cjpeg() {
    for &(fixture, rgba, quality, progressive, reference) in CASES {
        let png = image::load_from_memory(&read_testdata(&format!("fixtures/{fixture}")))
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        let (w, h) = (png.width(), png.height());
        let image = if rgba {
            Image::from_vec(w, h, PixelLayout::Rgba8, png.to_rgba8().into_raw())
        } else {
            Image::from_vec(w, h, PixelLayout::Rgb8, png.to_rgb8().into_raw())
        }
        .expect("a whole image");
        let opts = EncodeOptions {
            quality,
            progressive,
            icc_profile: None,
        };
        let ours = encode(&image, ImageFormat::Jpeg, &opts).expect("encode");
        let want = read_testdata(&format!("reference/cjpeg/{reference}"));
        let first_difference = ours.iter().zip(&want).position(|(a, b)| a != b);
        assert!(
            ours.len() == want.len() && first_difference.is_none(),
            "{reference}: {} bytes vs cjpeg's {}, first difference at byte {first_difference:?}",
            ours.len(),
            want.len()
        );
    }
}
