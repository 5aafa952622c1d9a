#![no_main]

use pixform_fuzz::Libjpeg;

// The verdict comes from libjpeg-turbo, a decoder independent of both under test: a JPEG it
// decodes with neither error nor warning, and whose coefficients the full decoder reads as
// libjpeg-turbo does (compared through libjpeg-turbo's lossless transcoding), must decode to
// identical pixels in both.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pixform_fuzz::jpeg_dc(data, || {
        if turbojpeg::decompress(data, turbojpeg::PixelFormat::RGB).is_err() {
            return Libjpeg::Warns;
        }
        let copy = turbojpeg::Transform::default();
        let reference_agrees = turbojpeg::transform(&copy, data).is_ok_and(|transcoded| {
            let limits = pixform_fuzz::transform_limits();
            let options = pixform_fuzz::jpeg_dc_options(data.last().is_some_and(|b| b % 2 == 0));
            let read = |bytes: &[u8]| pixform::codec::decode(bytes, &limits, &options).ok();
            let (ours, theirs) = (read(data), read(&transcoded));
            ours.is_some()
                && ours.as_ref().map(|d| (d.image.data(), &d.icc_profile))
                    == theirs.as_ref().map(|d| (d.image.data(), &d.icc_profile))
        });
        Libjpeg::Clean { reference_agrees }
    });
});
