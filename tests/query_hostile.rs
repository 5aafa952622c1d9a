//! Hostile query strings: every one parses or fails with a typed error naming the key, and the
//! huge ones take linear work: doubling the input at most ~doubles the bytes and the number of
//! allocations made while parsing (their time is measured by `benches/query.rs`).

// A counting global allocator needs `unsafe impl GlobalAlloc`. The library forbids unsafe
// code; this test binary only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pixform::params::registry::{ValueKind, PARAMS};
use pixform::params::ParamError;
use pixform::plan::{plan, PlanError, SourceFacts};
use pixform::{ImageFormat, LimitKind, Limits, TransformSpec};

/// What a query must produce.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    /// `ParamError::Encoding`.
    Encoding,
    /// `ParamError::Duplicate` for this canonical key.
    Duplicate(&'static str),
    /// `ParamError::InvalidValue` for this canonical key.
    Invalid(&'static str),
    /// `ParamError::QueryTooLong`.
    TooLong,
    /// `ParamError::TooManyParams`.
    TooMany,
}

/// Counts, per thread, the allocations made and the bytes they asked for (tests run on
/// several threads at once; each measures its own).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    let _ = BYTES.try_with(|b| b.set(b.get() + bytes as u64));
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The allocations and allocated bytes of one parse, and its result.
fn counted_parse(query: &str, limits: &Limits) -> (u64, u64, Result<TransformSpec, ParamError>) {
    let (n0, b0) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    let result = TransformSpec::from_query_with_limits(query, limits);
    let (n1, b1) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    (n1 - n0, b1 - b0, result)
}

fn classify(result: &Result<TransformSpec, ParamError>) -> Want {
    match result {
        Ok(_) => Want::Ok,
        Err(ParamError::Encoding { .. }) => Want::Encoding,
        Err(ParamError::Duplicate { key }) => Want::Duplicate(key),
        Err(ParamError::InvalidValue { key, .. }) => Want::Invalid(key),
        Err(ParamError::QueryTooLong { .. }) => Want::TooLong,
        Err(ParamError::TooManyParams { .. }) => Want::TooMany,
        Err(e) => panic!("unexpected error variant {e:?}"),
    }
}

/// Parses `query` under `limits` and checks the outcome and the key named in the message.
fn check(query: &str, limits: &Limits, want: Want) {
    let result = TransformSpec::from_query_with_limits(query, limits);
    let shown: String = query.chars().take(60).collect();
    assert_eq!(classify(&result), want, "{shown:?}: {result:?}");
    if let Err(e) = &result {
        match want {
            Want::Duplicate(key) | Want::Invalid(key) => {
                assert!(e.to_string().starts_with(&format!("{key}: ")), "{e}");
                assert_eq!(e.key(), Some(key));
                assert_eq!(e.http_status(), 400);
            }
            Want::TooLong => assert_eq!(e.http_status(), 414),
            _ => assert_eq!(e.http_status(), 400),
        }
    }
}

#[rustfmt::skip]
const ENCODING_CASES: &[(&str, Want)] = &[
    ("w=%ff", Want::Encoding),
    ("w=%c3%28", Want::Encoding),
    ("w=%", Want::Encoding),
    ("w=%g1", Want::Encoding),
    ("w=%1", Want::Encoding),
    ("w=1%", Want::Encoding),
    ("%ff=1", Want::Encoding),
    ("%=1", Want::Encoding),
    ("%e2%82=1", Want::Encoding),
    ("dl=%ed%a0%80", Want::Encoding), // an encoded UTF-16 surrogate
    ("dl=%c0%af", Want::Encoding),    // overlong encoding of '/'
    ("dl=%f4%90%80%80", Want::Encoding), // beyond U+10FFFF
    ("dl=%00", Want::Ok),
    ("dl=%e2%82%ac", Want::Ok),
    ("%77=1", Want::Ok),              // "w" spelled as an escape
    ("%77=1&w=2", Want::Duplicate("w")),
    ("w=%31", Want::Ok),
    ("=1", Want::Ok),                 // empty key: unknown
    ("&&&", Want::Ok),
    ("?", Want::Ok),
    ("??w=1", Want::Ok),              // key "?w": unknown
    ("w", Want::Invalid("w")),        // no '=': empty value
    ("w==1", Want::Invalid("w")),
    ("w=1=1", Want::Invalid("w")),
    ("w=1#frag", Want::Invalid("w")),
];

#[test]
fn encoding_cases() {
    for &(query, want) in ENCODING_CASES {
        check(query, &Limits::default(), want);
    }
}

#[rustfmt::skip]
const DUPLICATE_CASES: &[(&str, Want)] = &[
    ("w=1&w=1", Want::Duplicate("w")),
    ("w=1&w=2", Want::Duplicate("w")),
    ("w=1&h=2&w=1", Want::Duplicate("w")),
    ("sharp=1&sharpen=1", Want::Duplicate("sharp")),
    ("sharpen=1&sharp=2", Want::Duplicate("sharp")),
    ("sharpen=1&sharpen=1", Want::Duplicate("sharp")),
    ("w=x&w=1", Want::Invalid("w")),  // the first error wins
    ("w=1&w=x", Want::Duplicate("w")),
    ("W=1&w=1", Want::Ok),            // keys are case-sensitive
    ("cb=1&cb=2", Want::Ok),          // unknown keys may repeat
    ("w=1&&w=1", Want::Duplicate("w")),
];

#[test]
fn duplicate_cases() {
    for &(query, want) in DUPLICATE_CASES {
        check(query, &Limits::default(), want);
    }
}

#[test]
fn every_key_and_alias_rejects_a_duplicate() {
    for d in PARAMS {
        let value = d.kind.examples().remove(0);
        let keys = std::iter::once(&d.key).chain(d.aliases);
        for first in keys.clone() {
            for second in keys.clone() {
                check(
                    &format!("{first}={value}&{second}={value}"),
                    &Limits::default(),
                    Want::Duplicate(d.key),
                );
            }
        }
    }
}

/// Numeric edge values, as they appear in the query (raw, before percent-decoding).
const EDGES: &[&str] = &[
    "0",
    "-1",
    "-0",
    "1e3",
    "0x10",
    "%2B5", // "+5" (a raw '+' is a space)
    "+5",   // " 5"
    "%205", // " 5"
    "5%20",
    "%D9%A1", // ARABIC-INDIC DIGIT ONE
    "١",
    "%EF%BC%95", // FULLWIDTH DIGIT FIVE
    "99999999999999999999",
    "-99999999999999999999",
    "18446744073709551617",
    "4294967297",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "1.5",
    "0.5",
    ".5",
    "1.",
    "1e-3",
    "",
];

/// For every key: the edge values it accepts (all others must be `InvalidValue` naming it).
#[rustfmt::skip]
const ACCEPTED_EDGES: &[(&str, &[&str])] = &[
    ("w", &[]),
    ("h", &[]),
    ("min-w", &[]),
    ("max-w", &[]),
    ("min-h", &[]),
    ("max-h", &[]),
    ("fit", &[]),
    ("crop", &[]),
    ("fp-x", &["0", "0.5", ".5", "1."]),
    ("fp-y", &["0", "0.5", ".5", "1."]),
    ("rect", &[]),
    ("fm", &[]),
    ("auto", &[]),
    ("q", &["0"]),
    ("blur", &["0"]),
    ("sharp", &["0"]),
    ("invert", &["0"]),
    ("or", &["0"]),
    ("flip", &[]),
    ("bg", &["1e3"]), // three hex digits
    ("pad", &["0"]),
    ("sat", &["0", "-1", "-0"]),
    ("dpr", &["1.5", "1."]),
    ("dl", EDGES),
    ("dlRaw", EDGES),
    ("frame", &[]),
    ("cs", &[]),
];

#[test]
fn edge_table_covers_the_registry() {
    let keys: Vec<&str> = PARAMS.iter().map(|d| d.key).collect();
    let table: Vec<&str> = ACCEPTED_EDGES.iter().map(|(k, _)| *k).collect();
    assert_eq!(table, keys);
}

#[test]
fn every_key_and_alias_against_every_numeric_edge() {
    for (d, (_, accepted)) in PARAMS.iter().zip(ACCEPTED_EDGES) {
        for key in std::iter::once(&d.key).chain(d.aliases) {
            for edge in EDGES {
                let want = if accepted.contains(edge) {
                    Want::Ok
                } else {
                    Want::Invalid(d.key)
                };
                check(&format!("{key}={edge}"), &Limits::default(), want);
            }
        }
    }
}

#[test]
fn invalid_values_are_reported_decoded_and_shortened() {
    let cases: &[(&str, &str)] = &[
        ("q=%2B5", "+5"),
        ("q=%D9%A1", "١"),
        ("w=+5", " 5"),
        ("w=99999999999999999999", "99999999999999999999"),
    ];
    for (query, value) in cases {
        match TransformSpec::from_query(query) {
            Err(ParamError::InvalidValue { value: got, .. }) => assert_eq!(&got, value),
            other => panic!("{query}: {other:?}"),
        }
    }
    let long = format!("bg={}", "f".repeat(1000));
    match TransformSpec::from_query_with_limits(&long, &Limits::none()) {
        Err(ParamError::InvalidValue { key, value, .. }) => {
            assert_eq!(key, "bg");
            assert_eq!(value, format!("{}…", "f".repeat(64)));
        }
        other => panic!("{other:?}"),
    }
}

/// Every range bound of every integer key: the bound is accepted, one past it is not.
#[test]
fn integer_range_bounds() {
    for d in PARAMS {
        let ValueKind::Integer { min, max } = d.kind else {
            continue;
        };
        check(&format!("{}={min}", d.key), &Limits::default(), Want::Ok);
        check(&format!("{}={max}", d.key), &Limits::default(), Want::Ok);
        let below = (min - 1).to_string().replace('-', "%2D");
        check(
            &format!("{}={below}", d.key),
            &Limits::default(),
            Want::Invalid(d.key),
        );
        check(
            &format!("{}={}", d.key, max + 1),
            &Limits::default(),
            Want::Invalid(d.key),
        );
        check(&format!("{}=0{max}", d.key), &Limits::default(), Want::Ok); // leading zero
    }
}

const MIB: usize = 1 << 20;

fn repeat_to(unit: &str, len: usize) -> String {
    unit.repeat(len / unit.len())
}

#[test]
fn huge_queries_are_rejected_by_the_default_limits() {
    let defaults = Limits::default();
    check(&repeat_to("a", MIB), &defaults, Want::TooLong);
    check(&repeat_to("x=1&", MIB), &defaults, Want::TooLong);
    check(&"x&".repeat(100_000), &defaults, Want::TooLong);
    let at_limit = format!("dl={}", "a".repeat(defaults.max_query_bytes - 3));
    check(&at_limit, &defaults, Want::Ok);
    check(&format!("{at_limit}a"), &defaults, Want::TooLong);
    let many = vec!["x"; defaults.max_params].join("&");
    check(&many, &defaults, Want::Ok);
    check(&format!("{many}&x"), &defaults, Want::TooMany);
    // Empty segments are not pairs.
    check(&format!("{many}&&&"), &defaults, Want::Ok);
}

/// Huge queries of about `size` bytes (or `size / 10` parameters) and their outcomes.
fn huge_cases(size: usize) -> Vec<(String, Want)> {
    let params = size / 10;
    vec![
        (repeat_to("a", size), Want::Ok),
        (repeat_to("&", size), Want::Ok),
        (repeat_to("x=1&", size), Want::Ok),
        (format!("dl={}", repeat_to("%e2%82%ac", size)), Want::Ok),
        (format!("dl={}", repeat_to("+", size)), Want::Ok),
        (format!("w={}", repeat_to("9", size)), Want::Invalid("w")),
        (format!("sat=-{}", repeat_to("0", size)), Want::Ok),
        (format!("fp-x=0.{}", repeat_to("5", size)), Want::Ok),
        (
            format!("dpr={}", repeat_to("1", size)),
            Want::Invalid("dpr"),
        ),
        (format!("bg={}", repeat_to("f", size)), Want::Invalid("bg")),
        (
            format!("rect={}", repeat_to("1,", size)),
            Want::Invalid("rect"),
        ),
        (
            format!("crop={}", repeat_to("top,", size)),
            Want::Invalid("crop"),
        ), // trailing comma
        (format!("crop={}top", repeat_to("top,", size)), Want::Ok),
        (
            format!("crop={}bottom", repeat_to("top,", size)),
            Want::Invalid("crop"),
        ),
        (
            format!("crop=focalpoint,{}", repeat_to("focalpoint,", size)),
            Want::Invalid("crop"),
        ),
        (
            format!("fit={}", repeat_to("clip", size)),
            Want::Invalid("fit"),
        ),
        (format!("dl={}%", repeat_to("a", size)), Want::Encoding),
        (repeat_to("%", size), Want::Encoding),
        (format!("dl={}", repeat_to("%ff", size)), Want::Encoding),
        (
            (0..params)
                .map(|i| format!("k{i}=v"))
                .collect::<Vec<_>>()
                .join("&"),
            Want::Ok,
        ),
        (vec!["x"; params].join("&"), Want::Ok),
        (vec!["w=1"; params].join("&"), Want::Duplicate("w")),
        (
            format!("{}&w=1&w=1", vec!["x"; params].join("&")),
            Want::Duplicate("w"),
        ),
        (
            format!("{}&w=0", vec!["x"; params].join("&")),
            Want::Invalid("w"),
        ),
        (
            vec!["sharpen=1"; params].join("&"),
            Want::Duplicate("sharp"),
        ),
    ]
}

/// Each huge query at 512 KiB and 1 MiB: the same outcome, and at most 2.5× the allocations
/// and allocated bytes for twice the input (a few fixed allocations allowed for); quadratic
/// work, such as copying the rest of the query per pair, would be 4×.
#[test]
fn huge_queries_without_limits_take_linear_work() {
    let none = Limits::none();
    let mut largest = 0;
    for ((small, want), (large, _)) in huge_cases(MIB / 2).iter().zip(&huge_cases(MIB)) {
        check(large, &none, *want);
        let shown: String = large.chars().take(40).collect();
        let (n1, b1, r1) = counted_parse(small, &none);
        let (n2, b2, r2) = counted_parse(large, &none);
        assert_eq!((classify(&r1), classify(&r2)), (*want, *want), "{shown:?}");
        assert!(
            n2 <= n1 * 5 / 2 + 8,
            "{shown:?}: {n1} then {n2} allocations"
        );
        assert!(b2 <= b1 * 5 / 2 + 4096, "{shown:?}: {b1} then {b2} bytes");
        largest = largest.max(b2);
    }
    // The counter sees the parse: `dl` keeps its MiB-long value.
    assert!(largest >= MIB as u64, "{largest}");
}

fn facts(width: u32, height: u32) -> SourceFacts {
    SourceFacts {
        width,
        height,
        has_alpha: false,
        frames: 1,
        format: ImageFormat::Png,
    }
}

/// Source size, query, and the clamped rect (left, top, width, height) or the error's start.
type RectCase = (
    (u32, u32),
    &'static str,
    Result<(u32, u32, u32, u32), &'static str>,
);

/// Source size, query, limits, and the output size or the error's start.
type SourceCase<'a> = (
    (u32, u32),
    &'a str,
    &'a Limits,
    Result<(u32, u32), PlanError>,
);

/// `rect` parts at `u32::MAX` parse, and planning clamps them or errs without overflowing.
#[rustfmt::skip]
const RECT_CASES: &[RectCase] = &[
    ((100, 100), "rect=0,0,4294967295,4294967295", Ok((0, 0, 100, 100))),
    ((100, 100), "rect=99,99,4294967295,4294967295", Ok((99, 99, 1, 1))),
    ((100, 100), "rect=100,0,4294967295,4294967295", Err("rect")),
    ((100, 100), "rect=4294967295,4294967295,4294967295,4294967295", Err("rect")),
    ((100, 100), "rect=4294967295,0,1,1", Err("rect")),
    ((u32::MAX, u32::MAX), "rect=4294967294,4294967294,4294967295,4294967295", Ok((4294967294, 4294967294, 1, 1))),
    ((u32::MAX, u32::MAX), "rect=4294967295,0,1,1", Err("rect")),
    ((u32::MAX, 1), "rect=0,0,4294967295,1&or=90&w=8192", Err("output")),
    ((u32::MAX, 1), "rect=4294967290,0,5,1&or=90&w=8192&fit=crop&h=8192", Ok((4294967290, 0, 5, 1))),
];

#[test]
fn rect_at_u32_max() {
    for &(source, query, want) in RECT_CASES {
        let spec = TransformSpec::from_query(query).expect(query);
        let got = plan(&facts(source.0, source.1), &spec, &Limits::none().into());
        match (want, got) {
            (Ok(rect), Ok(p)) => {
                assert_eq!(
                    (p.rect.x, p.rect.y, p.rect.width, p.rect.height),
                    rect,
                    "{query}"
                );
                assert!(p.width <= 8192 && p.height <= 8192, "{query}");
            }
            (Err(prefix), Err(e)) => assert!(e.to_string().starts_with(prefix), "{query}: {e}"),
            (want, got) => panic!("{query}: wanted {want:?}, got {got:?}"),
        }
    }
}

/// Sources at the extremes of `u32`, with and without limits: typed errors, never overflow.
#[test]
fn extreme_sources_plan_without_overflow() {
    let max = u32::MAX;
    // Errors are compared whole: variant, sizes, and the limit named (through `kind`).
    let output = |width, height, limit, max| PlanError::OutputTooLarge {
        width,
        height,
        limit,
        max,
    };
    let source = |width, height, limit, value, max| PlanError::SourceTooLarge {
        width,
        height,
        limit,
        value,
        max,
    };
    let mut unbounded = Limits::none();
    unbounded.max_output_side = u32::MAX;
    let cases: &[SourceCase] = &[
        (
            (max, max),
            "",
            &Limits::none(),
            Err(output(
                u64::from(max),
                u64::from(max),
                LimitKind::MaxOutputSide,
                8192,
            )),
        ),
        ((max, max), "w=100", &Limits::none(), Ok((100, 100))),
        (
            (max, 1),
            "h=8192",
            &Limits::none(),
            Err(output(u64::from(max), 8192, LimitKind::MaxOutputSide, 8192)),
        ),
        (
            (max, 1),
            "h=8192&fit=crop&w=8192",
            &Limits::none(),
            Ok((8192, 8192)),
        ),
        (
            (max, 1),
            "w=8192&fit=min&h=8192",
            &Limits::none(),
            Ok((1, 1)),
        ),
        (
            (max, 1),
            "w=8192&h=8192&fit=max",
            &Limits::none(),
            Ok((8192, 1)),
        ),
        (
            (max, 1),
            "w=8192&h=8192&fit=fill&pad=2000&dpr=3",
            &Limits::none(),
            Err(output(24576, 24576, LimitKind::MaxOutputSide, 8192)),
        ),
        (
            (max, max),
            "",
            &Limits::default(),
            Err(source(
                max,
                max,
                LimitKind::MaxSourceWidth,
                u64::from(max),
                u64::from(Limits::default().max_source_width),
            )),
        ),
        (
            (0, 5),
            "w=10",
            &Limits::none(),
            Err(PlanError::EmptySource {
                width: 0,
                height: 5,
            }),
        ),
        (
            (5, 0),
            "w=10",
            &Limits::none(),
            Err(PlanError::EmptySource {
                width: 5,
                height: 0,
            }),
        ),
        (
            (1, 1),
            "w=8192&h=8192&fit=scale",
            &Limits::default(),
            Ok((8192, 8192)),
        ),
        (
            (1, 1),
            "w=8192&dpr=1.0002",
            &Limits::default(),
            Err(output(8194, 8194, LimitKind::MaxOutputSide, 8192)),
        ),
        (
            (1, 1),
            "pad=2000&dpr=3",
            &Limits::default(),
            Ok((4001, 4001)),
        ),
        (
            (1, 1),
            // The box (3 px) less 2·pad leaves the 1-px minimum; plus 2·6000 px of padding.
            "pad=2000&w=1&dpr=3",
            &Limits::default(),
            Err(output(12001, 12001, LimitKind::MaxOutputSide, 8192)),
        ),
        // Saturated sizes are never reported as valid, whatever the limits.
        (
            (max, 1),
            "h=8192",
            &unbounded,
            Err(output(
                u64::from(max),
                8192,
                LimitKind::MaxOutputSide,
                u64::from(max - 1),
            )),
        ),
        (
            (1, max),
            "w=8192",
            &unbounded,
            Err(output(
                8192,
                u64::from(max),
                LimitKind::MaxOutputSide,
                u64::from(max - 1),
            )),
        ),
        ((max - 1, 1), "h=1", &unbounded, Ok((max - 1, 1))),
    ];
    for (source, query, limits, want) in cases {
        let spec = TransformSpec::from_query(query).expect(query);
        let got = plan(&facts(source.0, source.1), &spec, &(*limits).into());
        match (want, &got) {
            (Ok(size), Ok(p)) => assert_eq!((p.width, p.height), *size, "{query}"),
            (Err(want), Err(e)) => assert_eq!(e, want, "{query}"),
            (want, got) => panic!("{source:?} {query}: wanted {want:?}, got {got:?}"),
        }
    }
}
