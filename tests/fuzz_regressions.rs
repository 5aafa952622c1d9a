//! Replays every saved fuzz input (`testdata/fuzz-regressions/<target>/NAME`) through the same
//! checks the fuzz target runs, requires the outcome written beside it (`NAME.expected`), and
//! keeps the committed fuzz dictionary equal to the one the registry generates.

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

#[path = "../examples/fuzz_dict.rs"]
#[allow(dead_code)] // the example's `main` is not used here
mod fuzz_dict;

/// A target's check, given the input and its `.expected` text; returns the outcome.
type Check = fn(&[u8], &str) -> String;

/// `jpeg_dc` takes libjpeg-turbo's verdicts on the input, which the fuzz target computes and
/// a saved input records: `libjpeg: clean` or `libjpeg: warns` (`djpeg`'s exit status, 0 or
/// 2), and for a clean one whether the full decoder reads it as libjpeg-turbo does
/// (`reference: reads as libjpeg`, its 1/8 decode equal to that of `jpegtran -copy all`'s
/// output, or `reference: reads otherwise`).
fn jpeg_dc(data: &[u8], expected: &str) -> String {
    let has = |line: &str| expected.lines().any(|l| l == line);
    fuzz_checks::jpeg_dc(data, || {
        if has("libjpeg: clean") {
            fuzz_checks::Libjpeg::Clean {
                reference_agrees: has("reference: reads as libjpeg"),
            }
        } else {
            fuzz_checks::Libjpeg::Warns
        }
    })
}

const TARGETS: &[(&str, Check)] = &[
    ("query_plan", |d, _| fuzz_checks::query_plan(d)),
    ("spec_roundtrip", |d, _| fuzz_checks::spec_roundtrip(d)),
    ("url_roundtrip", |d, _| fuzz_checks::url_roundtrip(d)),
    ("transform", |d, _| fuzz_checks::transform(d)),
    ("svg", |d, _| fuzz_checks::svg(d)),
    ("anim_compose", |d, _| fuzz_checks::anim_compose(d)),
    ("jpeg_dc", jpeg_dc),
    ("jpeg_decode", |d, _| fuzz_checks::jpeg_decode(d)),
];

/// Every saved input, with its target's check, sorted.
fn saved_inputs() -> Vec<(PathBuf, Check)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz-regressions");
    let mut inputs = Vec::new();
    for dir in std::fs::read_dir(&root).expect("testdata/fuzz-regressions") {
        let dir = dir.expect("entry").path();
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some((_, check)) = TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("{}: no such fuzz target", dir.display());
        };
        for file in std::fs::read_dir(&dir).expect("target dir") {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "expected") {
                let input = path.with_extension("");
                assert!(input.is_file(), "{}: no input beside it", path.display());
            } else {
                inputs.push((path, *check));
            }
        }
    }
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    inputs
}

#[test]
fn saved_inputs_give_their_expected_outcome() {
    let inputs = saved_inputs();
    // Two URL inputs and three JPEGs at least: a directory that went missing fails here.
    assert!(inputs.len() >= 5, "saved inputs: {inputs:?}");
    let mut failures = Vec::new();
    for (path, check) in &inputs {
        let data = std::fs::read(path).expect("readable");
        let expected_path = PathBuf::from(format!("{}.expected", path.display()));
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        // With `turbojpeg` the 1/8 reference is libjpeg-turbo's, which rounds differently from
        // the DC-only decoder, so the jpeg_dc check compares no pixels there (tests/jpeg_dc.rs
        // compares against jpeg-decoder in that build); every other line must still match.
        let expected = if cfg!(feature = "turbojpeg") {
            expected
                .replace("\nreference: reads as libjpeg", "")
                .replace("\nreference: reads otherwise", "")
                .replace("\npixels: identical", "")
        } else {
            expected
        };
        match std::panic::catch_unwind(|| check(&data, &expected)) {
            Ok(outcome) if outcome == expected.trim_end() => {}
            Ok(outcome) => failures.push(format!(
                "{}:\n  expected {:?}\n  got      {outcome:?}",
                path.display(),
                expected.trim_end()
            )),
            Err(_) => failures.push(format!("{}: the check panicked", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
