//! Query parsing, one case per line: the query and its canonical form, or the error message.

use pixform::params::registry::{self, PARAMS};
use pixform::TransformSpec;

#[rustfmt::skip]
const CASES: &[(&str, Result<&str, &str>)] = &[
    ("", Ok("")),
    ("?w=100", Ok("w=100")),
    ("h=200&w=100", Ok("w=100&h=200")),
    ("w=007", Ok("w=7")),
    ("w=1&&h=2&", Ok("w=1&h=2")),
    ("fit=crop&crop=left,top", Ok("fit=crop&crop=top,left")),
    ("crop=center,bottom", Ok("crop=bottom")),
    ("crop=center", Ok("crop=center")),
    ("crop=right", Ok("crop=right")),
    ("crop=focalpoint&fp-x=.25&fp-y=1", Ok("crop=focalpoint&fp-x=0.25&fp-y=1")),
    ("crop=entropy", Ok("crop=entropy")),
    ("rect=0,0,10,10", Ok("rect=0,0,10,10")),
    ("fm=pjpg&q=0", Ok("fm=pjpg&q=0")),
    ("auto=format", Ok("auto=format")),
    ("sharpen=10", Ok("sharp=10")),
    ("invert=1", Ok("invert=true")),
    ("invert=false", Ok("invert=false")),
    ("or=270&flip=hv", Ok("or=270&flip=hv")),
    ("bg=FFF", Ok("bg=ffffff")),
    ("bg=8F00", Ok("bg=88ff0000")),
    ("bg=ff0000", Ok("bg=ff0000")),
    ("bg=80FF0000", Ok("bg=80ff0000")),
    ("sat=-100", Ok("sat=-100")),
    ("sat=-0", Ok("sat=0")),
    ("dpr=1.5", Ok("dpr=1.5")),
    ("dpr=3.0", Ok("dpr=3")),
    ("dl=my+photo%20%C3%A9.jpg", Ok("dl=my%20photo%20%C3%A9.jpg")),
    ("dl=", Ok("dl=")),
    ("dlRaw=a.png", Ok("dlRaw=a.png")),
    ("frame=1", Ok("frame=1")),
    ("cs=b-w", Ok("cs=b-w")),
    ("blur=2000&pad=2000", Ok("blur=2000&pad=2000")),
    ("cb=123&w=5&keyid=k", Ok("w=5&cb=123&keyid=k")),
    ("W=5", Ok("W=5")),
    // Errors name the key, the value and what was expected.
    ("q=101", Err("q: expected an integer 0–100, got \"101\"")),
    ("q=-1", Err("q: expected an integer 0–100, got \"-1\"")),
    ("w=%2B5", Err("w: expected an integer 1–8192, got \"+5\"")),
    ("w=+5", Err("w: expected an integer 1–8192, got \" 5\"")),
    ("w=%205", Err("w: expected an integer 1–8192, got \" 5\"")),
    ("w=1e3", Err("w: expected an integer 1–8192, got \"1e3\"")),
    ("w=0x10", Err("w: expected an integer 1–8192, got \"0x10\"")),
    ("w=99999999999999999999999", Err("w: expected an integer 1–8192, got \"99999999999999999999999\"")),
    ("w=", Err("w: expected an integer 1–8192, got \"\"")),
    ("w", Err("w: expected an integer 1–8192, got \"\"")),
    ("sat=101", Err("sat: expected an integer -100–100, got \"101\"")),
    ("blur=2001", Err("blur: expected an integer 0–2000, got \"2001\"")),
    ("frame=2", Err("frame: expected the integer 1, got \"2\"")),
    ("fp-x=NaN", Err("fp-x: expected a decimal number 0–1, got \"NaN\"")),
    ("dpr=inf", Err("dpr: expected a decimal number 1–3, got \"inf\"")),
    ("dpr=1e0", Err("dpr: expected a decimal number 1–3, got \"1e0\"")),
    ("fit=Crop", Err("fit: expected one of clip, crop, fill, fillmax, max, min, scale, got \"Crop\"")),
    ("fm=jpeg", Err("fm: expected one of jpg, pjpg, png, webp, gif, avif, json, got \"jpeg\"")),
    ("auto=compress", Err("auto: expected one of format, got \"compress\"")),
    ("crop=top,bottom", Err("crop: expected a comma list of top, bottom, left, right, center (at most one per axis), or focalpoint or entropy alone, got \"top,bottom\"")),
    ("crop=focalpoint,top", Err("crop: expected a comma list of top, bottom, left, right, center (at most one per axis), or focalpoint or entropy alone, got \"focalpoint,top\"")),
    ("crop=top,", Err("crop: expected a comma list of top, bottom, left, right, center, focalpoint, entropy, got \"top,\"")),
    ("rect=1,2,3", Err("rect: expected four integers left,top,width,height (width and height ≥ 1), got \"1,2,3\"")),
    ("bg=%23fff", Err("bg: expected 3, 4, 6 or 8 hex digits (RGB, ARGB, RRGGBB, AARRGGBB), got \"#fff\"")),
    ("bg=fffff", Err("bg: expected 3, 4, 6 or 8 hex digits (RGB, ARGB, RRGGBB, AARRGGBB), got \"fffff\"")),
    ("invert=yes", Err("invert: expected one of true, false, 1, 0, got \"yes\"")),
    ("or=45", Err("or: expected one of 0, 90, 180, 270, got \"45\"")),
    ("cs=cmyk", Err("cs: expected one of srgb, origin, b-w, got \"cmyk\"")),
    ("w=1&w=1", Err("w: given more than once")),
    ("sharp=1&sharpen=1", Err("sharp: given more than once")),
    ("w=%zz", Err("query: '%' not followed by two hex digits in \"%zz\"")),
    ("w=%ff", Err("query: percent-decoded bytes are not UTF-8 in \"%ff\"")),
    ("dl=%c3%28", Err("query: percent-decoded bytes are not UTF-8 in \"%c3%28\"")),
];

#[test]
fn parse_table() {
    let mut failures = Vec::new();
    for (query, want) in CASES {
        let got = TransformSpec::from_query(query)
            .map(|s| s.to_string())
            .map_err(|e| e.to_string());
        let ok = match (&got, want) {
            (Ok(g), Ok(w)) => g == w,
            (Err(g), Err(w)) => g == w,
            _ => false,
        };
        if !ok {
            failures.push(format!("{query:?}: want {want:?}, got {got:?}"));
        }
        if let Ok(canonical) = &got {
            let again = TransformSpec::from_query(canonical).map(|s| s.to_string());
            if again.as_ref() != Ok(canonical) {
                failures.push(format!(
                    "{query:?}: canonical {canonical:?} re-parses to {again:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn registry_covers_the_27_parameters_in_id_order() {
    let keys: Vec<&str> = PARAMS.iter().map(|d| d.key).collect();
    assert_eq!(
        keys.join(" "),
        "w h min-w max-w min-h max-h fit crop fp-x fp-y rect fm auto q blur sharp invert or flip bg pad sat dpr dl dlRaw frame cs"
    );
    for d in PARAMS {
        let entries = PARAMS.iter().filter(|e| e.id == d.id).count();
        assert_eq!(entries, 1, "{}: one entry per ParamId", d.key);
    }
    assert_eq!(registry::lookup("sharpen").map(|d| d.key), Some("sharp"));
}

#[test]
fn every_registry_example_parses_and_round_trips() {
    for d in PARAMS {
        for example in d.kind.examples() {
            let query = format!("{}={}", d.key, pixform::params::encode_component(&example));
            let spec = TransformSpec::from_query(&query).unwrap_or_else(|e| panic!("{query}: {e}"));
            assert_eq!(
                TransformSpec::from_query(&spec.to_string()),
                Ok(spec),
                "{query}"
            );
        }
    }
}

#[test]
fn limits_bound_the_query() {
    let long = "w=1&".repeat(3000);
    assert!(matches!(
        TransformSpec::from_query(&long),
        Err(pixform::params::ParamError::QueryTooLong { .. })
    ));
    let many = "a=1&".repeat(100);
    assert!(matches!(
        TransformSpec::from_query(&many),
        Err(pixform::params::ParamError::TooManyParams { max: 64 })
    ));
}

#[test]
fn readme_parameter_table_is_generated_from_the_registry() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_default();
    assert!(
        readme.contains(&registry::markdown_table()),
        "README.md must contain the output of `pixform params` verbatim"
    );
}
