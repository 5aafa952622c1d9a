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
