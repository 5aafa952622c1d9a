//! Replays every saved fuzz input (`testdata/fuzz-regressions/<target>/*`) through the same
//! checks the fuzz target runs, and keeps the committed fuzz dictionary equal to the one the
//! registry generates.

use std::path::Path;

#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

#[path = "../examples/fuzz_dict.rs"]
#[allow(dead_code)] // the example's `main` is not used here
mod fuzz_dict;

type Check = fn(&[u8]);

const TARGETS: &[(&str, Check)] = &[
    ("query_plan", fuzz_checks::query_plan),
    ("spec_roundtrip", fuzz_checks::spec_roundtrip),
    ("url_roundtrip", fuzz_checks::url_roundtrip),
    ("transform", fuzz_checks::transform),
    ("jpeg_dc", fuzz_checks::jpeg_dc),
];

#[test]
fn saved_inputs_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz-regressions");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for dir in std::fs::read_dir(&root).expect("testdata/fuzz-regressions") {
        let dir = dir.expect("entry").path();
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some((_, check)) = TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("{}: no such fuzz target", dir.display());
        };
        for file in std::fs::read_dir(&dir).expect("target dir") {
            let path = file.expect("entry").path();
            let data = std::fs::read(&path).expect("readable");
            replayed += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(replayed > 0, "no saved inputs found");
    assert!(failures.is_empty(), "failing inputs: {failures:#?}");
}

#[test]
fn committed_dictionary_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/pixform.dict");
    let committed = std::fs::read_to_string(&path).expect("fuzz/pixform.dict");
    assert_eq!(
        committed,
        fuzz_dict::render(),
        "regenerate with `cargo run --example fuzz_dict > fuzz/pixform.dict`"
    );
}
