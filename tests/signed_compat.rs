//! Every case of `testdata/compat/signed_cases.jsonl` (made with `@sanity/signed-urls` 2.0.6):
//! signing reproduces the URL byte for byte, verification accepts it before its expiry, and
//! every kind of tampering is rejected with its own error.

use pixform::url::{sign_url, verify_url, UrlError};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const CASES: &str = include_str!("../testdata/compat/signed_cases.jsonl");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    url: String,
    key_id: String,
    private_key: String,
    public_key: String,
    expiry: String,
    signed: String,
}

fn cases() -> Vec<(usize, Case)> {
    CASES
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            (
                i + 1,
                serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)),
            )
        })
        .collect()
}

fn expiry_of(case: &Case) -> OffsetDateTime {
    OffsetDateTime::parse(&case.expiry, &Rfc3339).unwrap_or_else(|e| panic!("{}: {e}", case.expiry))
}

#[test]
fn signing_reproduces_every_case() {
    let all = cases();
    assert_eq!(all.len(), 100);
    let mut failures = Vec::new();
    for (line, case) in &all {
        let got = sign_url(&case.url, &case.key_id, &case.private_key, expiry_of(case));
        if got.as_deref() != Ok(case.signed.as_str()) {
            failures.push(format!(
                "line {line}: want {}\n          got  {got:?}",
                case.signed
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replaces the first occurrence of `from` after the query mark.
fn in_query(url: &str, from: &str, to: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    format!("{path}?{}", query.replacen(from, to, 1))
}

#[test]
fn verification_accepts_every_case_and_rejects_tampering() {
    let mut failures = Vec::new();
    for (line, case) in cases() {
        let expires = expiry_of(&case).unix_timestamp();
        let before = expires - 1;
        let check = |what: &str,
                     url: &str,
                     key: &str,
                     now: i64,
                     want: &dyn Fn(&Result<_, UrlError>) -> bool| {
            let got = verify_url(url, key, now);
            (!want(&got)).then(|| format!("line {line}: {what}: got {got:?}"))
        };
        let signed = &case.signed;
        let scheme_end = signed.find("://").map_or(0, |i| i + 3);
        let path_start = signed[scheme_end..].find('/').map_or(0, |i| scheme_end + i);
        // Change one byte of the path (the character after the first '/').
        let mut path_changed = signed.clone();
        let ch = if signed.as_bytes()[path_start + 1] == b'i' {
            "j"
        } else {
            "i"
        };
        path_changed.replace_range(path_start + 1..path_start + 2, ch);
        let (first_key, _) = signed
            .split_once('?')
            .map(|(_, q)| q.split_once('=').unwrap_or((q, "")))
            .unwrap_or(("", ""));
        let param_changed = if first_key == "keyid" {
            // No user parameters: adding one is the change.
            signed.replacen('?', "?w=1&", 1)
        } else {
            in_query(signed, "=", "=9")
        };
        let key_changed = in_query(signed, "keyid=", "keyid=x");
        let expiry_changed = in_query(signed, "expiry=2", "expiry=3");
        let dropped = signed.split("&signature=").next().unwrap_or("").to_owned();
        let dup_key = format!("{signed}&keyid={}", case.key_id);
        let wrong_key = cases()
            .iter()
            .map(|(_, c)| c.public_key.clone())
            .find(|k| *k != case.public_key)
            .unwrap_or_default();
        let ok = |r: &Result<pixform::url::VerifiedUrl, UrlError>| {
            r.as_ref()
                .is_ok_and(|v| v.key_id == case.key_id && v.expiry == case.expiry)
        };
        let mismatch = |r: &Result<_, UrlError>| matches!(r, Err(UrlError::SignatureMismatch));
        let results = [
            check("valid", signed, &case.public_key, before, &ok),
            check(
                "path byte",
                &path_changed,
                &case.public_key,
                before,
                &mismatch,
            ),
            check("param", &param_changed, &case.public_key, before, &mismatch),
            check(
                "keyid value",
                &key_changed,
                &case.public_key,
                before,
                &mismatch,
            ),
            check(
                "expiry value",
                &expiry_changed,
                &case.public_key,
                before,
                &mismatch,
            ),
            check("wrong key", signed, &wrong_key, before, &mismatch),
            check(
                "dropped signature",
                &dropped,
                &case.public_key,
                before,
                &|r| matches!(r, Err(UrlError::MissingSigningParam { name: "signature" })),
            ),
            check(
                "duplicate keyid",
                &dup_key,
                &case.public_key,
                before,
                &|r| matches!(r, Err(UrlError::DuplicateSigningParam { name: "keyid" })),
            ),
            check("at expiry", signed, &case.public_key, expires, &|r| {
                matches!(r, Err(UrlError::Expired { .. }))
            }),
            check(
                "after expiry",
                signed,
                &case.public_key,
                expires + 3600,
                &|r| matches!(r, Err(UrlError::Expired { .. })),
            ),
        ];
        failures.extend(results.into_iter().flatten());
    }
    assert!(
        failures.is_empty(),
        "{} checks fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
