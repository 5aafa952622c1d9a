//! `pixform url`: building from an image JSON and parsing a URL, through the binary.

use std::process::Command;

fn pixform(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pixform"))
        .args(args)
        .output()
        .expect("runs pixform");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn builds_from_image_json_with_crop_and_hotspot() {
    let image = r#"{"asset":{"_ref":"image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg"},
        "crop":{"left":0.1,"top":0,"right":0,"bottom":0},
        "hotspot":{"x":0.3,"y":0.3,"width":0.2,"height":0.2}}"#;
    let args = [
        "url",
        image,
        "--project",
        "zp7mbokg",
        "--dataset",
        "production",
    ];
    let params = [
        "--param",
        "w=300",
        "--param",
        "height=300",
        "--param",
        "dl=my photo.jpg",
        "--param",
        "flip=h",
    ];
    let (ok, out) = pixform(&[&args[..], &params[..]].concat());
    assert!(ok);
    assert_eq!(
        out.trim_end(),
        "https://cdn.sanity.io/images/zp7mbokg/production/Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg\
         ?rect=200,0,1800,1800&flip=h&w=300&h=300&dl=my%20photo.jpg"
    );
}

#[test]
fn parses_a_url_to_json() {
    let (ok, out) = pixform(&[
        "url",
        "--parse",
        "https://cdn.sanity.io/images/p/d/Tb9Ew8CXIwaY6R1kjMvI0uRR-20x30.png/cat.jpg?w=3&keyid=k",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("prints JSON");
    assert_eq!(v["asset"], "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-20x30-png");
    assert_eq!(v["resource"]["project_id"], "p");
    assert_eq!(v["vanity_name"], "cat.jpg");
    assert_eq!(v["spec"], "w=3");
    assert_eq!(v["signing"]["key_id"], "k");
}

#[test]
fn unresolvable_sources_fail() {
    let (ok, out) = pixform(&["url", "\"\"", "--project", "p", "--dataset", "d"]);
    assert!(!ok);
    assert_eq!(out, "");
}

fn pixform_with(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pixform"))
        .args(args)
        .env_remove("PIXFORM_SIGNING_PRIVATE_KEY")
        .envs(envs.iter().copied())
        .output()
        .expect("runs pixform");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn signs_as_the_signed_client_does() {
    // The first case made by `@sanity/signed-urls` 2.0.6: an unparameterised image URL.
    let case: serde_json::Value = serde_json::from_str(
        include_str!("../testdata/compat/signed_cases.jsonl")
            .lines()
            .next()
            .expect("a case"),
    )
    .expect("JSON");
    let text = |k: &str| case[k].as_str().expect(k).to_owned();
    let (url, key_id, private_key, expiry) = (
        text("url"),
        text("keyId"),
        text("privateKey"),
        text("expiry"),
    );
    // The URL names the asset; the project and dataset come from the options, as the client
    // takes them.
    let base = [
        "url",
        url.as_str(),
        "--project",
        "mag88rls",
        "--dataset",
        "staging",
        "--key-id",
        key_id.as_str(),
        "--expiry",
        expiry.as_str(),
    ];
    let (ok, out, err) = pixform_with(&[&base[..], &["--private-key", &private_key]].concat(), &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim_end(), text("signed"));
    // The private key from the environment instead of the command line.
    let (ok, from_env, err) = pixform_with(&base, &[("PIXFORM_SIGNING_PRIVATE_KEY", &private_key)]);
    assert!(ok, "{err}");
    assert_eq!(from_env, out);

    // What is missing or wrong is named.
    let (ok, out, err) = pixform_with(&base, &[]);
    assert!(!ok && out.is_empty());
    assert!(err.contains("--private-key"), "{err}");
    assert!(url.starts_with("https://cdn.sanity.io/images/mag88rls/staging/"));
    let (ok, _, err) = pixform_with(&["url", &url, "--key-id", &key_id], &[]);
    assert!(!ok);
    assert!(err.contains("--expiry"), "{err}");
    let (ok, _, err) = pixform_with(
        &[
            "url",
            &url,
            "--key-id",
            &key_id,
            "--private-key",
            &private_key,
            "--expiry",
            "tomorrow",
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        err.contains("--expiry \"tomorrow\": expected RFC 3339"),
        "{err}"
    );
    let (ok, _, err) = pixform_with(&[&base[..], &["--private-key", "abc"]].concat(), &[]);
    assert!(!ok);
    assert!(err.contains("private"), "{err}");
}
