//! Properties of parsing and planning over arbitrary sources and arbitrary valid specs, the
//! specs composed from random registry `key=value` pairs drawn from each key's valid range.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use pixform::params::registry::{ValueKind, PARAMS};
use pixform::params::{encode_component, Fit, ParamError};
use pixform::plan::{plan, Plan, PlanError, SourceFacts};
use pixform::{ImageFormat, LimitKind, Limits, TransformSpec};

/// A valid value for a registry kind, as query text (not yet percent-encoded).
fn value_for(kind: ValueKind) -> BoxedStrategy<String> {
    match kind {
        ValueKind::Integer { min, max } => (min..=max).prop_map(|v| v.to_string()).boxed(),
        ValueKind::Decimal { min, max } => prop_oneof![
            (min..=max).prop_map(|v| v.to_string()),
            select(vec![min, max]).prop_map(|v| v.to_string()),
            // Short decimals as people write them (`.5`, `1.25`).
            (0u32..=1000).prop_map(move |m| {
                let v = min + (max - min) * f64::from(m) / 1000.0;
                format!("{v:.3}")
            }),
        ]
        .boxed(),
        ValueKind::OneOf(words) => select(words.to_vec()).prop_map(str::to_owned).boxed(),
        // Crop: at most one anchor per axis in any order, or focalpoint/entropy alone.
        ValueKind::ListOf(_) => prop_oneof![
            (
                select(vec![None, Some("top"), Some("bottom"), Some("center")]),
                select(vec![None, Some("left"), Some("right")]),
                any::<bool>(),
            )
                .prop_map(|(v, h, swap)| {
                    let mut parts: Vec<&str> = [v, h].into_iter().flatten().collect();
                    if swap {
                        parts.reverse();
                    }
                    if parts.is_empty() {
                        parts.push("center");
                    }
                    parts.join(",")
                }),
            select(vec!["focalpoint", "entropy"]).prop_map(str::to_owned),
        ]
        .boxed(),
        ValueKind::Rect => prop_oneof![
            4 => (0u32..20_000, 0u32..20_000, 1u32..20_000, 1u32..20_000),
            1 => (any::<u32>(), any::<u32>(), 1u32.., 1u32..),
        ]
        .prop_map(|(l, t, w, h)| format!("{l},{t},{w},{h}"))
        .boxed(),
        ValueKind::HexColor => prop_oneof![
            "[0-9a-fA-F]{3}",
            "[0-9a-fA-F]{4}",
            "[0-9a-fA-F]{6}",
            "[0-9a-fA-F]{8}"
        ]
        .boxed(),
        ValueKind::Bool => select(vec!["true", "false", "1", "0"])
            .prop_map(str::to_owned)
            .boxed(),
        ValueKind::Text => any::<String>()
            .prop_map(|s| s.chars().take(24).collect())
            .boxed(),
    }
}

/// A valid query: a random subset of the registry (keys or aliases), each with a valid value,
/// in random order, plus maybe an unknown key.
fn valid_query() -> impl Strategy<Value = String> {
    let indices: Vec<usize> = (0..PARAMS.len()).collect();
    subsequence(indices, 0..=10)
        .prop_flat_map(|chosen| {
            let pairs: Vec<BoxedStrategy<(String, String)>> = chosen
                .into_iter()
                .filter_map(|i| PARAMS.get(i))
                .map(|d| {
                    let keys: Vec<&'static str> = std::iter::once(d.key)
                        .chain(d.aliases.iter().copied())
                        .collect();
                    (select(keys), value_for(d.kind))
                        .prop_map(|(k, v)| (k.to_owned(), v))
                        .boxed()
                })
                .collect();
            (pairs, proptest::option::of(("[a-z]{1,6}", ".{0,8}")))
        })
        .prop_flat_map(|(mut pairs, unknown)| {
            if let Some((k, v)) = unknown {
                if pixform::params::registry::lookup(&k).is_none() {
                    pairs.push((k, v));
                }
            }
            Just(pairs).prop_shuffle()
        })
        .prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
                .collect::<Vec<_>>()
                .join("&")
        })
}

fn source() -> impl Strategy<Value = SourceFacts> {
    (
        1u32..=20_000,
        1u32..=20_000,
        any::<bool>(),
        select(vec![
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::Webp,
            ImageFormat::Gif,
        ]),
    )
        .prop_map(|(width, height, has_alpha, format)| SourceFacts {
            width,
            height,
            has_alpha,
            frames: 1,
            format,
        })
}

/// |a/b − c/d| measured as a pixel error on the side derived from the other: true when either
/// side is within 1 px of what the other side and the ratio c:d give.
fn aspect_within_one_px((a, b): (u32, u32), (c, d): (u32, u32)) -> bool {
    let (a, b, c, d) = (f64::from(a), f64::from(b), f64::from(c), f64::from(d));
    (b - a * d / c).abs() <= 1.0 || (a - b * c / d).abs() <= 1.0
}

/// Geometric invariants of a plan. The output limits are checked, boundary by boundary, by
/// `plan_limits_name_the_first_limit_exceeded`.
fn check_plan(facts: &SourceFacts, spec: &TransformSpec, p: &Plan) -> Result<(), TestCaseError> {
    prop_assert!(p.width >= 1 && p.height >= 1, "{}x{}", p.width, p.height);

    // rect inside the source.
    prop_assert!(p.rect.width >= 1 && p.rect.height >= 1);
    prop_assert!(u64::from(p.rect.x) + u64::from(p.rect.width) <= u64::from(facts.width));
    prop_assert!(u64::from(p.rect.y) + u64::from(p.rect.height) <= u64::from(facts.height));

    // Crop window inside the rotated image.
    let (ow, oh) = p.oriented_size;
    let cw = p.crop_window;
    prop_assert!(cw.width >= 1 && cw.height >= 1, "{cw:?}");
    prop_assert!(
        u64::from(cw.x) + u64::from(cw.width) <= u64::from(ow),
        "{cw:?} in {ow}x{oh}"
    );
    prop_assert!(
        u64::from(cw.y) + u64::from(cw.height) <= u64::from(oh),
        "{cw:?} in {ow}x{oh}"
    );

    // Source window inside the rect (hence the source), with the crop window's area.
    let sw = p.source_window;
    prop_assert!(
        sw.x >= p.rect.x && sw.y >= p.rect.y,
        "{sw:?} vs {:?}",
        p.rect
    );
    prop_assert!(
        u64::from(sw.x) + u64::from(sw.width) <= u64::from(p.rect.x) + u64::from(p.rect.width)
    );
    prop_assert!(
        u64::from(sw.y) + u64::from(sw.height) <= u64::from(p.rect.y) + u64::from(p.rect.height)
    );
    prop_assert_eq!(
        u64::from(sw.width) * u64::from(sw.height),
        u64::from(cw.width) * u64::from(cw.height)
    );

    // The resized image sits on the canvas.
    let (rw, rh) = p.resize;
    prop_assert!(rw >= 1 && rh >= 1);
    prop_assert!(u64::from(p.offset.0) + u64::from(rw) <= u64::from(p.width));
    prop_assert!(u64::from(p.offset.1) + u64::from(rh) <= u64::from(p.height));

    let fit = spec.fit.unwrap_or_default();
    let window = (cw.width, cw.height);
    let has_box = spec.width.is_some() || spec.height.is_some();
    if matches!(fit, Fit::Clip | Fit::Max | Fit::Fill | Fit::FillMax) || !has_box {
        prop_assert!(
            aspect_within_one_px(p.resize, window),
            "{:?} vs {window:?}",
            p.resize
        );
    }
    if matches!(fit, Fit::Max | Fit::Min | Fit::FillMax) {
        prop_assert!(
            rw <= window.0 && rh <= window.1,
            "{fit:?}: {:?} from {window:?}",
            p.resize
        );
    }
    Ok(())
}

/// The [`Limits`] field a plan error names. Every test compares limits through this one
/// function, so a change of the error's limit type touches only it.
fn limit_name(limit: &LimitKind) -> &'static str {
    limit.name()
}

/// Limits that never bind (output sides are still capped at `u32::MAX - 1` by `plan`).
fn unbounded() -> Limits {
    let mut limits = Limits::none();
    limits.max_output_side = u32::MAX;
    limits
}

/// What `plan` must return under `limits`: the first limit exceeded, in the order source
/// width, source height, source pixels, (rect), output side, output pixels — each error
/// naming its limit; otherwise exactly the plan made without limits.
fn expected_plan(
    facts: &SourceFacts,
    spec: &TransformSpec,
    limits: &Limits,
) -> Result<Plan, PlanError> {
    let (sw, sh) = (facts.width, facts.height);
    let source = |limit, value, max| PlanError::SourceTooLarge {
        width: sw,
        height: sh,
        limit,
        value,
        max,
    };
    if sw > limits.max_source_width {
        return Err(source(
            LimitKind::MaxSourceWidth,
            sw.into(),
            limits.max_source_width.into(),
        ));
    }
    if sh > limits.max_source_height {
        return Err(source(
            LimitKind::MaxSourceHeight,
            sh.into(),
            limits.max_source_height.into(),
        ));
    }
    if u64::from(sw) * u64::from(sh) > limits.max_source_pixels {
        return Err(source(
            LimitKind::MaxSourcePixels,
            u64::from(sw) * u64::from(sh),
            limits.max_source_pixels,
        ));
    }
    let free = plan(facts, spec, &unbounded().into())?;
    let (w, h) = (u64::from(free.width), u64::from(free.height));
    let output = |limit, max| PlanError::OutputTooLarge {
        width: w,
        height: h,
        limit,
        max,
    };
    let side = u64::from(limits.max_output_side);
    if w.max(h) > side {
        return Err(output(LimitKind::MaxOutputSide, side));
    }
    if w * h > limits.max_output_pixels {
        return Err(output(LimitKind::MaxOutputPixels, limits.max_output_pixels));
    }
    Ok(free)
}

/// A limit near `value`: one under (hit), equal (not hit), one over, or far above.
fn near(value: u64, pick: u8) -> u64 {
    match pick {
        0 => value.saturating_sub(1),
        1 => value,
        2 => value + 1,
        _ => value + 1000,
    }
}

/// Every limit `plan` checks, drawn at and around the values of each case so that each
/// comparison is tried on both sides of its boundary: an error names the first limit
/// exceeded (and its value does exceed it), a plan within every limit is exactly the plan
/// made without limits. Every outcome is reached many times.
#[test]
fn plan_limits_name_the_first_limit_exceeded() {
    let names = [
        "max_source_width",
        "max_source_height",
        "max_source_pixels",
        "max_output_side",
        "max_output_pixels",
        "within",
    ];
    let reached = std::cell::RefCell::new([0usize; 6]);
    let strategy = (
        (1u32..=3000, 1u32..=3000),
        valid_query(),
        proptest::collection::vec(0u8..4, 5),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(4000));
    runner
        .run(&strategy, |((width, height), query, picks)| {
            let spec = TransformSpec::from_query(&query)
                .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
            let facts = SourceFacts {
                width,
                height,
                has_alpha: false,
                frames: 1,
                format: ImageFormat::Png,
            };
            let free = match plan(&facts, &spec, &unbounded().into()) {
                Ok(p) => p,
                // A rect that misses the image is reported after the source limits only.
                Err(e @ PlanError::RectOutside { .. }) => {
                    let mut limits = Limits::none();
                    limits.max_source_width =
                        u32::try_from(near(width.into(), picks[0])).unwrap_or(u32::MAX);
                    limits.max_source_pixels = near(u64::from(width) * u64::from(height), picks[2]);
                    let got = plan(&facts, &spec, &(&limits).into());
                    prop_assert_eq!(&got, &expected_plan(&facts, &spec, &limits), "{}", query);
                    if got.is_ok() {
                        return Err(TestCaseError::fail(format!("{query}: {e} became {got:?}")));
                    }
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(format!("{query}: {e}"))),
            };
            let (w, h) = (u64::from(free.width), u64::from(free.height));
            let mut limits = Limits::none();
            let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
            limits.max_source_width = narrow(near(width.into(), picks[0]));
            limits.max_source_height = narrow(near(height.into(), picks[1]));
            limits.max_source_pixels = near(u64::from(width) * u64::from(height), picks[2]);
            limits.max_output_side = narrow(near(w.max(h), picks[3]));
            limits.max_output_pixels = near(w * h, picks[4]);
            let got = plan(&facts, &spec, &(&limits).into());
            let outcome = match &got {
                Ok(p) => {
                    prop_assert_eq!(p, &free, "{}", query);
                    5
                }
                Err(PlanError::SourceTooLarge {
                    width: sw,
                    height: sh,
                    limit,
                    value: got_value,
                    max: got_max,
                }) => {
                    prop_assert_eq!((*sw, *sh), (width, height));
                    let (value, max) = match limit_name(limit) {
                        "max_source_width" => {
                            (u64::from(width), u64::from(limits.max_source_width))
                        }
                        "max_source_height" => {
                            (u64::from(height), u64::from(limits.max_source_height))
                        }
                        _ => (
                            u64::from(width) * u64::from(height),
                            limits.max_source_pixels,
                        ),
                    };
                    prop_assert!(value > max, "{}: {} <= {}", limit, value, max);
                    prop_assert_eq!((*got_value, *got_max), (value, max));
                    names
                        .iter()
                        .position(|n| *n == limit_name(limit))
                        .unwrap_or(5)
                }
                Err(PlanError::OutputTooLarge {
                    width: ow,
                    height: oh,
                    limit,
                    max,
                }) => {
                    prop_assert_eq!((*ow, *oh), (w, h));
                    match limit_name(limit) {
                        "max_output_side" => {
                            prop_assert_eq!(*max, u64::from(limits.max_output_side));
                            prop_assert!(w > *max || h > *max);
                            3
                        }
                        _ => {
                            prop_assert_eq!(*max, limits.max_output_pixels);
                            prop_assert!(w * h > *max);
                            4
                        }
                    }
                }
                Err(e) => return Err(TestCaseError::fail(format!("{query}: {e}"))),
            };
            prop_assert_eq!(&got, &expected_plan(&facts, &spec, &limits), "{}", query);
            reached.borrow_mut()[outcome] += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let reached = reached.into_inner();
    for (name, n) in names.iter().zip(reached) {
        // Each outcome is drawn about 100–800 times per run (random seed); 25 is several
        // standard deviations below the rarest, so the bound fails only when a branch
        // becomes unreachable.
        assert!(n >= 25, "{name} reached {n} times of 4000: {reached:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn valid_queries_parse_and_round_trip(query in valid_query()) {
        let spec = TransformSpec::from_query(&query)
            .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let canonical = spec.to_string();
        prop_assert_eq!(TransformSpec::from_query(&canonical), Ok(spec.clone()), "{}", canonical);
        // The canonical form is a fixed point.
        let again = TransformSpec::from_query(&canonical).map(|s| s.to_string());
        prop_assert_eq!(again, Ok(canonical));
    }

    #[test]
    fn plan_never_panics_and_keeps_its_invariants(facts in source(), query in valid_query()) {
        let spec = TransformSpec::from_query(&query)
            .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let limits = Limits::default();
        let got = plan(&facts, &spec, &(&limits).into());
        prop_assert_eq!(&got, &expected_plan(&facts, &spec, &limits), "{}", query);
        match got {
            Ok(p) => check_plan(&facts, &spec, &p)?,
            Err(PlanError::RectOutside { .. }) => prop_assert!(spec.rect.is_some()),
            Err(e) => prop_assert!(
                matches!(e, PlanError::OutputTooLarge { .. } | PlanError::SourceTooLarge { .. }),
                "{query}: unexpected {e}"
            ),
        }
    }

    #[test]
    fn from_query_never_panics_on_strings(query in any::<String>()) {
        if let Ok(spec) = TransformSpec::from_query(&query) {
            prop_assert_eq!(TransformSpec::from_query(&spec.to_string()), Ok(spec));
        }
    }

    #[test]
    fn from_query_never_panics_on_encoded_bytes(
        parts in proptest::collection::vec(
            prop_oneof![
                select(pixform::params::registry::fuzz_dictionary()),
                proptest::collection::vec(any::<u8>(), 0..12).prop_map(|bytes| {
                    bytes.iter().map(|b| match b {
                        b'&' | b'=' | b'a'..=b'z' | b'0'..=b'9' | b',' | b'.' | b'-' => char::from(*b).to_string(),
                        _ => format!("%{b:02X}"),
                    }).collect::<String>()
                }),
                select(vec!["&", "=", "%", "+", ",", "&&"]).prop_map(str::to_owned),
            ],
            0..12,
        )
    ) {
        let query = parts.concat();
        match TransformSpec::from_query(&query) {
            Ok(spec) => prop_assert_eq!(TransformSpec::from_query(&spec.to_string()), Ok(spec)),
            Err(e) => {
                // Every error is typed and, when about a key, names it first.
                if let Some(key) = e.key() {
                    let prefix = format!("{key}: ");
                    prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
                }
                prop_assert!(matches!(e.http_status(), 400 | 414));
                let too_long = matches!(e, ParamError::QueryTooLong { .. });
                prop_assert!(!too_long, "{}", e);
            }
        }
    }
}
