//! The default build's DCT-scaled JPEG decode (`libjpeg-turbo-rs`, a pure-Rust port of
//! libjpeg-turbo's decoder) against libjpeg-turbo's own `djpeg`: every JPEG under `testdata/` (but the 3-MP `sample.jpg`, which
//! the `turbojpeg` build compares in-process instead) at 1/2 and 1/4, the scales the plan's
//! shrink-on-load takes libjpeg for, must be identical pixel for pixel. The references were
//! written by `djpeg -scale 1/d -pnm` of libjpeg-turbo 2.1.5 (`testdata/reference/README.md`).

mod support;

use pixform::codec::{decode, DecodeOptions};
use pixform::Limits;
use support::{image_rgba, read_testdata, reference_png};

/// Every JPEG fixture with a `djpeg` reference: baseline 4:2:0 and 4:2:2 photos, a progressive
/// photo, progressive files with partial blocks (colour, and grey pixels in YCbCr), a one-component
/// grey file, the eight EXIF orientations
/// (stored pixels: orientation is not the decoder's), and an AC run past coefficient 63.
const FILES: &[&str] = &[
    "fixtures/picos-240x160-baseline.jpg",
    "fixtures/seeding-240x160-progressive.jpg",
    "fixtures/fig-96x64-orient1.jpg",
    "fixtures/fig-96x64-orient2.jpg",
    "fixtures/fig-96x64-orient3.jpg",
    "fixtures/fig-96x64-orient4.jpg",
    "fixtures/fig-96x64-orient5.jpg",
    "fixtures/fig-96x64-orient6.jpg",
    "fixtures/fig-96x64-orient7.jpg",
    "fixtures/fig-96x64-orient8.jpg",
    "progressive-96x64.jpg",
    "progressive-grey-37x23.jpg",
    "grey-45x29.jpg",
    "jpeg-dc/ac-run-past-63.jpegtran.jpg",
];

#[test]
fn scaled_decodes_equal_djpeg() {
    for file in FILES {
        let bytes = read_testdata(file);
        let stem = file
            .rsplit('/')
            .next()
            .and_then(|name| name.strip_suffix(".jpg"))
            .expect("a .jpg name");
        for denom in [2u8, 4] {
            let what = format!("{file} 1/{denom}");
            let opts = DecodeOptions {
                scale_denom: denom,
                to_srgb: false,
            };
            let decoded =
                decode(&bytes, &Limits::default(), &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
            let actual = image_rgba(&decoded.image);
            let want = reference_png(&format!("djpeg/{stem}-1_{denom}.png"));
            assert_eq!(actual.dimensions(), want.dimensions(), "{what}");
            let differing = actual
                .pixels()
                .zip(want.pixels())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                differing, 0,
                "{what}: {differing} pixels differ from djpeg's"
            );
        }
    }
}
