//! Strict parsing of one value according to its [`ValueKind`].

use std::num::NonZeroU32;

use super::registry::ValueKind;
use super::types::{Color, Rect};

/// A value parsed by kind, before it is stored in its typed field.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// From [`ValueKind::Integer`].
    Integer(i64),
    /// From [`ValueKind::Decimal`].
    Decimal(f64),
    /// From [`ValueKind::OneOf`]: the index of the word.
    Word(usize),
    /// From [`ValueKind::ListOf`]: the indices of the words, in order.
    Words(Vec<usize>),
    /// From [`ValueKind::Rect`].
    Rect(Rect),
    /// From [`ValueKind::HexColor`].
    Color(Color),
    /// From [`ValueKind::Bool`].
    Bool(bool),
    /// From [`ValueKind::Text`].
    Text(String),
}

/// Parses `s` strictly as `kind`; `None` when it is malformed or out of range.
pub(super) fn parse_value(kind: &ValueKind, s: &str) -> Option<Value> {
    match *kind {
        ValueKind::Integer { min, max } => {
            let v = parse_integer(s, min < 0)?;
            (min..=max).contains(&v).then_some(Value::Integer(v))
        }
        ValueKind::Decimal { min, max } => {
            let v = parse_decimal(s)?;
            (min..=max).contains(&v).then_some(Value::Decimal(v))
        }
        ValueKind::OneOf(words) => words.iter().position(|w| *w == s).map(Value::Word),
        ValueKind::ListOf(words) => s
            .split(',')
            .map(|part| words.iter().position(|w| *w == part))
            .collect::<Option<Vec<_>>>()
            .map(Value::Words),
        ValueKind::Rect => parse_rect(s).map(Value::Rect),
        ValueKind::HexColor => Color::from_hex(s).map(Value::Color),
        ValueKind::Bool => match s {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        ValueKind::Text => Some(Value::Text(s.to_owned())),
    }
}

/// ASCII decimal digits, optionally preceded by `-` when `signed`; no `+`, no spaces, no
/// other digits. Values that do not fit an `i64` are rejected.
fn parse_integer(s: &str, signed: bool) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        Some(_) => return None,
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if negative { -v } else { v })
}

/// `digits`, `digits.digits`, `digits.` or `.digits`, ASCII only: no sign, exponent, `inf` or
/// `NaN`.
fn parse_decimal(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

fn parse_rect(s: &str) -> Option<Rect> {
    let mut parts = s.split(',');
    let mut next = || -> Option<u32> {
        let v = parse_integer(parts.next()?, false)?;
        u32::try_from(v).ok()
    };
    let (left, top, width, height) = (next()?, next()?, next()?, next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Rect {
        left,
        top,
        width: NonZeroU32::new(width)?,
        height: NonZeroU32::new(height)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_strict_ascii_decimal() {
        let cases: &[(&str, bool, Option<i64>)] = &[
            ("0", false, Some(0)),
            ("007", false, Some(7)),
            ("8192", false, Some(8192)),
            ("-5", true, Some(-5)),
            ("-5", false, None),
            ("+5", false, None),
            (" 5", false, None),
            ("5 ", false, None),
            ("", false, None),
            ("-", true, None),
            ("1e3", false, None),
            ("0x10", false, None),
            ("١٢", false, None),
            ("5.0", false, None),
            ("99999999999999999999999", false, None),
            ("9223372036854775807", false, Some(i64::MAX)),
        ];
        for (s, signed, want) in cases {
            assert_eq!(parse_integer(s, *signed), *want, "{s:?}");
        }
    }

    #[test]
    fn decimals_are_plain_finite_numbers() {
        let cases: &[(&str, Option<f64>)] = &[
            ("0.5", Some(0.5)),
            (".5", Some(0.5)),
            ("1", Some(1.0)),
            ("1.", Some(1.0)),
            ("", None),
            (".", None),
            ("-0.5", None),
            ("+0.5", None),
            ("1e0", None),
            ("NaN", None),
            ("inf", None),
            ("0.5.5", None),
            ("0,5", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_decimal(s), *want, "{s:?}");
        }
    }

    #[test]
    fn rects_need_four_parts_and_positive_size() {
        let cases: &[(&str, Option<[u32; 4]>)] = &[
            ("0,0,10,10", Some([0, 0, 10, 10])),
            (
                "4294967295,4294967295,4294967295,4294967295",
                Some([u32::MAX; 4]),
            ),
            ("4294967296,0,1,1", None),
            ("0,0,0,10", None),
            ("0,0,10,0", None),
            ("0,0,10", None),
            ("0,0,10,10,10", None),
            ("0,0,10,", None),
            ("-1,0,10,10", None),
            (" 0,0,10,10", None),
        ];
        for (s, want) in cases {
            let got = parse_rect(s).map(|r| [r.left, r.top, r.width.get(), r.height.get()]);
            assert_eq!(got, *want, "{s:?}");
        }
    }
}
