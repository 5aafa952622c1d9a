#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pixform_fuzz::svg(data);
});
