#![no_main]

// The validity verdict comes from libjpeg-turbo, a decoder independent of both under test: a
// JPEG it decodes with neither error nor warning must decode to identical pixels in both.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pixform_fuzz::jpeg_dc(data, || {
        turbojpeg::decompress(data, turbojpeg::PixelFormat::RGB).is_ok()
    });
});
