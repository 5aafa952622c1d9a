//! Every case of `testdata/compat/url_cases.jsonl` (generated with `@sanity/image-url` 2.1.1):
//! `to_url` must give the client's URL byte for byte, or fail where the client throws; and
//! `parse_image_url` must recover the asset and parameters from each URL built.

use pixform::url::{parse_image_url, ImageResource, UrlError, UrlOptions};
use pixform::{AssetId, TransformSpec};
use serde_json::Value;

const CASES: &str = include_str!("../testdata/compat/url_cases.jsonl");
/// Randomised cases beyond the shared set: loose IDs, nulls, floats, other hosts, throwing sources.
const EDGE_CASES: &str = include_str!("../testdata/compat/url_edge_cases.jsonl");

struct Case {
    line: usize,
    options_json: Value,
    options: UrlOptions,
    expected: Result<String, String>,
}

fn cases() -> Vec<Case> {
    parse_cases(CASES)
}

fn parse_cases(text: &str) -> Vec<Case> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line = i + 1;
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("line {line}: {e}"));
            let options_json = v.get("options").cloned().unwrap_or(Value::Null);
            let options: UrlOptions = serde_json::from_value(options_json.clone())
                .unwrap_or_else(|e| panic!("line {line}: options do not deserialize: {e}"));
            let expected = match (v.get("url"), v.get("error")) {
                (Some(Value::String(u)), _) => Ok(u.clone()),
                (_, Some(Value::String(e))) => Err(e.clone()),
                _ => panic!("line {line}: neither url nor error"),
            };
            Case {
                line,
                options_json,
                options,
                expected,
            }
        })
        .collect()
}

#[test]
fn every_case_builds_the_clients_url() {
    check_all(&cases(), 600);
}

#[test]
fn every_edge_case_builds_the_clients_url() {
    check_all(&parse_cases(EDGE_CASES), 400);
}

fn check_all(all: &[Case], count: usize) {
    assert_eq!(all.len(), count);
    let mut failures = Vec::new();
    for case in all {
        let got = case.options.to_url();
        match (&case.expected, &got) {
            (Ok(want), Ok(got)) if want == got => {}
            (Err(message), Err(err)) if js_error_matches(message, &case.options_json, err) => {}
            (want, got) => failures.push(format!(
                "line {}: want {want:?}\n          got  {got:?}",
                case.line
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// What the client's error must become: its message is `prefix`, a varying part, `suffix`;
/// `check` gets the varying part, the case's options and pixform's error.
struct JsError {
    prefix: &'static str,
    suffix: &'static str,
    check: fn(&str, &Value, &UrlError) -> bool,
}

/// The example the client names in "Malformed asset _ref" messages.
const JS_ID_EXAMPLE: &str = "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg";

/// Every message `@sanity/image-url` 2.1.1 throws in the cases, one line each, with the
/// variant (and the context it carries) pixform must give instead.
#[rustfmt::skip]
const JS_ERRORS: &[JsError] = &[
    JsError { prefix: "Malformed asset _ref '", suffix: "'. Expected an id like \"image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg\".",
        check: |r, _, e| matches!(e, UrlError::MalformedAssetRef { reference, example } if reference == r && *example == JS_ID_EXAMPLE) },
    // The client prints the source with `JSON.stringify`; compared as JSON, not as text.
    JsError { prefix: "Unable to resolve image URL from source (", suffix: ")",
        check: |s, _, e| matches!(e, UrlError::UnresolvableSource { source } if same_json(source, s)) },
    JsError { prefix: "Cannot read properties of null (reading '_ref')", suffix: "",
        check: |_, _, e| *e == UrlError::InvalidSourceValue { field: "asset", found: "null".to_owned() } },
    JsError { prefix: "ref.split is not a function or its return value is not iterable", suffix: "",
        check: |_, o, e| *e == UrlError::InvalidSourceValue { field: "asset._ref", found: o["source"]["asset"]["_ref"].to_string() } },
];

/// Whether two texts are the same JSON value (object key order aside).
fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether pixform's `err` is the variant [`JS_ERRORS`] gives for the client's `message`.
fn js_error_matches(message: &str, options: &Value, err: &UrlError) -> bool {
    JS_ERRORS.iter().any(|row| {
        message
            .strip_prefix(row.prefix)
            .and_then(|rest| rest.strip_suffix(row.suffix))
            .is_some_and(|middle| (row.check)(middle, options, err))
    })
}

#[test]
fn every_client_error_has_a_row() {
    let all: Vec<Case> = cases().into_iter().chain(parse_cases(EDGE_CASES)).collect();
    let mut per_row = vec![0; JS_ERRORS.len()];
    for case in &all {
        let Err(message) = &case.expected else {
            continue;
        };
        let row = JS_ERRORS.iter().position(|row| {
            message
                .strip_prefix(row.prefix)
                .is_some_and(|rest| rest.ends_with(row.suffix))
        });
        match row {
            Some(i) => per_row[i] += 1,
            None => panic!(
                "line {}: no row for the client's error {message:?}",
                case.line
            ),
        }
    }
    // 123 error cases in the two files; every row is exercised.
    assert_eq!(per_row.iter().sum::<usize>(), 123, "{per_row:?}");
    assert!(per_row.iter().all(|&n| n > 0), "{per_row:?}");
}

/// The query value the client writes for an option, decoded: `String(value)`.
fn js_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The option → parameter table of the client.
const MAPPED: &[(&str, &str)] = &[
    ("width", "w"),
    ("height", "h"),
    ("format", "fm"),
    ("download", "dl"),
    ("blur", "blur"),
    ("sharpen", "sharp"),
    ("invert", "invert"),
    ("orientation", "or"),
    ("minHeight", "min-h"),
    ("maxHeight", "max-h"),
    ("minWidth", "min-w"),
    ("maxWidth", "max-w"),
    ("quality", "q"),
    ("fit", "fit"),
    ("crop", "crop"),
    ("saturation", "sat"),
    ("auto", "auto"),
    ("dpr", "dpr"),
    ("pad", "pad"),
    ("frame", "frame"),
];

/// The asset reference a source names, for the forms in the cases.
fn source_reference(source: &Value) -> Option<String> {
    let from_url = |u: &str| {
        let file = u.rsplit('/').next()?;
        let (stem, ext) = file.rsplit_once('.')?;
        Some(format!("image-{stem}-{ext}"))
    };
    match source {
        Value::String(s) if s.starts_with("http") => from_url(s),
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("_ref") {
                return Some(r.clone());
            }
            if let Some(Value::String(id)) = o.get("_id") {
                return Some(id.clone());
            }
            let asset = o.get("asset")?;
            if let Some(Value::String(u)) = asset.get("url") {
                return from_url(u);
            }
            asset.get("_ref").and_then(Value::as_str).map(str::to_owned)
        }
        _ => None,
    }
}

#[test]
fn parsing_each_built_url_recovers_asset_and_parameters() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        let Ok(url) = &case.expected else { continue };
        let o = &case.options_json;
        let reference = o.get("source").and_then(source_reference);
        let strict = reference.as_deref().map(AssetId::parse);
        let parsed = parse_image_url(url);
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let spec = TransformSpec::from_query(query);
        let (Some(Ok(asset)), Ok(spec), Ok(parsed)) = (&strict, &spec, &parsed) else {
            // A lenient reference (e.g. `image-abc-12x-jpg`) or a query outside the transform's
            // ranges (the client does not check them) must be refused; anything else must parse.
            if matches!((&strict, &spec), (Some(Ok(_)), Ok(_))) || parsed.is_ok() {
                failures.push(format!(
                    "line {}: strict id {strict:?}, spec {spec:?}, parse {parsed:?}",
                    case.line
                ));
            }
            continue;
        };
        checked += 1;
        let mut problems = Vec::new();
        if &parsed.asset != asset {
            problems.push(format!("asset {} != {asset}", parsed.asset));
        }
        let resource = ImageResource::Dataset {
            project_id: js_string(&o["projectId"]),
            dataset: js_string(&o["dataset"]),
        };
        if parsed.resource != resource {
            problems.push(format!("resource {:?}", parsed.resource));
        }
        let base = o
            .get("baseUrl")
            .map_or("https://cdn.sanity.io".to_owned(), |b| {
                js_string(b).trim_end_matches('/').to_owned()
            });
        if parsed.base_url != base {
            problems.push(format!("base url {}", parsed.base_url));
        }
        if parsed.vanity_name.as_deref() != o.get("vanityName").and_then(Value::as_str) {
            problems.push(format!("vanity {:?}", parsed.vanity_name));
        }
        let param = |k: &str| {
            parsed
                .params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        for (option, key) in MAPPED {
            if param(key) != o.get(*option).map(js_string) {
                problems.push(format!(
                    "{key}: {:?} for option {:?}",
                    param(key),
                    o.get(*option)
                ));
            }
        }
        if param("bg") != o.get("bg").map(js_string) {
            problems.push(format!("bg {:?}", param("bg")));
        }
        if let Some(fp) = o.get("focalPoint") {
            if param("fp-x") != Some(js_string(&fp["x"]))
                || param("fp-y") != Some(js_string(&fp["y"]))
            {
                problems.push("focal point".to_owned());
            }
        }
        if let Some(r) = o.get("rect") {
            let want = ["left", "top", "width", "height"]
                .map(|k| js_string(&r[k]))
                .join(",");
            let whole = format!(
                "0,0,{},{}",
                asset.width().unwrap_or(0),
                asset.height().unwrap_or(0)
            );
            if param("rect") != Some(want.clone()) && !(param("rect").is_none() && want == whole) {
                problems.push(format!("rect {:?} != {want}", param("rect")));
            }
        }
        let truthy = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
        let flip = format!(
            "{}{}",
            if truthy("flipHorizontal") { "h" } else { "" },
            if truthy("flipVertical") { "v" } else { "" }
        );
        if param("flip") != (!flip.is_empty()).then_some(flip) {
            problems.push(format!("flip {:?}", param("flip")));
        }
        if &parsed.spec != spec {
            problems.push(format!("spec {}", parsed.spec));
        }
        if parsed.query != query || parsed.signing.is_signed() {
            problems.push(format!("query {:?}", parsed.query));
        }
        if !problems.is_empty() {
            failures.push(format!("line {}: {}", case.line, problems.join("; ")));
        }
    }
    assert!(
        checked > 400,
        "only {checked} cases had a strict asset id and a valid query"
    );
    assert!(
        failures.is_empty(),
        "{} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
