#![no_main]

static HOOK: std::sync::Once = std::sync::Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    HOOK.call_once(pixform_fuzz::let_caught_panics_unwind);
    pixform_fuzz::svg(data);
});
