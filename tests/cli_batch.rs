//! `pixform transform IN… QUERY -o DIR`, the batch mode of the real binary (run with and
//! without the `parallel` feature): every input is written to `DIR/<stem>.<format>` with the
//! planned size, and a bad input fails the run, named on stderr, while the others are still
//! written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fixtures of the batch and their stems.
const INPUTS: &[(&str, &str)] = &[
    ("picos-240x160-baseline.jpg", "picos-240x160-baseline"),
    ("fig-240x160-rgb.png", "fig-240x160-rgb"),
    ("mars-240x120-rgba.png", "mars-240x120-rgba"),
    ("friends-160x240.webp", "friends-160x240"),
    ("picos-120x80-3frames.gif", "picos-120x80-3frames"),
    ("fig-96x64-orient6.jpg", "fig-96x64-orient6"),
];

fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .join(name);
    assert!(path.is_file(), "missing fixture {}", path.display());
    path
}

/// A fresh, empty directory for one test's outputs (not created: the CLI must create it).
fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_batch-{test}"));
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("{}: {e}", dir.display()),
    }
    dir
}

fn pixform(inputs: &[PathBuf], query: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pixform"))
        .arg("transform")
        .args(inputs)
        .arg(query)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run pixform")
}

/// The size of an output file, decoded with the `image` crate.
fn decoded_size(path: &Path) -> (u32, u32) {
    let img = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .decode()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (img.width(), img.height())
}

/// The files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Test name, query, then per input (in [`INPUTS`] order) the output size and extension.
type BatchCase = (
    &'static str,
    &'static str,
    [(u32, u32); 6],
    [&'static str; 6],
);

#[test]
fn every_input_is_written_with_its_planned_size() {
    // Sizes by hand (half up): w=60 keeps the aspect ratio; the EXIF-6 figure is stored 64×96
    // and shows 96×64. `fit=crop` 50×50 is exact; the output keeps the source format.
    #[rustfmt::skip]
    let cases: &[BatchCase] = &[
        ("w-60-png", "w=60&fm=png",
            [(60, 40), (60, 40), (60, 30), (60, 90), (60, 40), (60, 40)],
            ["png"; 6]),
        ("crop-50", "w=50&h=50&fit=crop",
            [(50, 50); 6],
            ["jpg", "png", "png", "webp", "gif", "jpg"]),
    ];
    for (test, query, sizes, extensions) in cases {
        let dir = out_dir(test);
        let inputs: Vec<PathBuf> = INPUTS.iter().map(|(f, _)| fixture(f)).collect();
        let out = pixform(&inputs, query, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{query}: {:?}\n{stderr}", out.status);
        let mut expected = Vec::new();
        for ((_, stem), (size, ext)) in INPUTS.iter().zip(sizes.iter().zip(extensions)) {
            let path = dir.join(format!("{stem}.{ext}"));
            assert!(path.is_file(), "{query}: {} not written", path.display());
            assert_eq!(decoded_size(&path), *size, "{query}: {}", path.display());
            expected.push(format!("{stem}.{ext}"));
        }
        expected.sort();
        assert_eq!(listing(&dir), expected, "{query}: nothing else is written");
    }
}

#[test]
fn a_bad_input_fails_the_run_but_the_others_are_written() {
    let dir = out_dir("bad-input");
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bad/jpeg-no-sof.jpg");
    assert!(bad.is_file(), "missing {}", bad.display());
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures/no-such-file.png");
    let inputs = vec![
        fixture("picos-240x160-baseline.jpg"),
        bad.clone(),
        fixture("mars-240x120-rgba.png"),
        missing.clone(),
        fixture("friends-160x240.webp"),
    ];
    let out = pixform(&inputs, "w=30&fm=png", &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // One line per failed input, naming it, then the count.
    for failed in [&bad, &missing] {
        let prefix = format!("pixform: {}: ", failed.display());
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with(&prefix)).count(),
            1,
            "{prefix:?} in\n{stderr}"
        );
    }
    assert!(
        stderr.lines().any(|l| l == "pixform: 2 of 5 inputs failed"),
        "{stderr}"
    );
    #[rustfmt::skip]
    let written = [
        ("picos-240x160-baseline.png", (30, 20)),
        ("mars-240x120-rgba.png",      (30, 15)),
        ("friends-160x240.png",        (30, 45)),
    ];
    for (name, size) in written {
        assert_eq!(decoded_size(&dir.join(name)), size, "{name}");
    }
    assert_eq!(
        listing(&dir),
        [
            "friends-160x240.png",
            "mars-240x120-rgba.png",
            "picos-240x160-baseline.png"
        ],
        "nothing is written for the failed inputs"
    );
}

#[test]
fn a_bad_query_writes_nothing() {
    let dir = out_dir("bad-query");
    let inputs = vec![
        fixture("picos-240x160-baseline.jpg"),
        fixture("mars-240x120-rgba.png"),
    ];
    let out = pixform(&inputs, "w=0", &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("pixform: w: ") && stderr.contains("\"0\""),
        "the error names the key and the value: {stderr}"
    );
    assert!(
        !dir.exists(),
        "no output directory for a query that does not parse"
    );
}

/// A copy of a fixture under another name, in a directory of its own for this test.
fn renamed(test: &str, fixture_name: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_batch-{test}-in"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let path = dir.join(name);
    std::fs::copy(fixture(fixture_name), &path).unwrap_or_else(|e| panic!("{name}: {e}"));
    path
}

#[test]
fn dotted_stems_keep_every_part_and_gain_the_extension() {
    let dir = out_dir("dotted");
    let inputs = vec![
        renamed("dotted", "picos-240x160-baseline.jpg", "picos.v2.jpg"),
        renamed("dotted", "fig-240x160-rgb.png", "fig.final.png"),
    ];
    let out = pixform(&inputs, "w=60&fm=webp", &dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(listing(&dir), ["fig.final.webp", "picos.v2.webp"]);
    assert_eq!(decoded_size(&dir.join("picos.v2.webp")), (60, 40));
}

#[test]
fn two_inputs_with_one_stem_stop_the_batch_before_it_writes() {
    let dir = out_dir("same-stem");
    let inputs = vec![
        fixture("picos-240x160-baseline.jpg"),
        renamed(
            "same-stem",
            "fig-240x160-rgb.png",
            "picos-240x160-baseline.png",
        ),
    ];
    let out = pixform(&inputs, "w=60&fm=webp", &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("picos-240x160-baseline.jpg and ")
            && stderr.contains("picos-240x160-baseline.png would both be written as"),
        "the error names both inputs: {stderr}"
    );
    assert!(!dir.exists(), "nothing written: {:?}", listing(&dir));
}
