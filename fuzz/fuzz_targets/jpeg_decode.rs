#![no_main]

static HOOK: std::sync::Once = std::sync::Once::new();

// libjpeg-turbo-rs decodes under `catch_unwind` (a panic there falls back to jpeg-decoder),
// which libFuzzer's default panic hook would turn into an abort.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    HOOK.call_once(pixform_fuzz::let_caught_panics_unwind);
    pixform_fuzz::jpeg_decode(data);
});
