//! `pixform-server migrate --to-database … --to-store …`: an install copied to other backends,
//! resumable, and served from there.

mod common;

use std::process::Command;

use common::{fixture, Server, ADMIN};

fn migrate(server: &Server, target: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .arg("migrate")
        .arg("--data")
        .arg(server.data.path())
        .args(server.backend_args())
        .arg("--to-database")
        .arg(format!("sqlite://{}/pixform.db?mode=rwc", target.display()))
        .arg("--to-store")
        .arg(target.join("blobs"))
        .output()
        .expect("migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_install_is_copied_resumably_and_served_from_the_copy() {
    // Its own database even under PIXFORM_TEST_DATABASE_URL: a copy takes every row, and
    // other tests' rows point at blobs in other store prefixes.
    let project = format!("p{}", common::unique(9));
    let mut server = Server::start_empty(vec![
        "--admin-token".into(),
        ADMIN.into(),
        "--init-project".into(),
        project.clone(),
    ]);
    server.project = project;
    let image = server.upload_ok("images", &fixture("two-colour-48x32.png"), "title=t");
    let file = server.upload_ok("files", b"%PDF-1.7 copy me", "filename=c.pdf");
    // Project settings, a CORS entry and a tag on a dataset go along.
    let p = server.project.clone();
    let admin = |s: &Server, method: &str, path: &str, body: serde_json::Value| {
        let reply = s.call(method, path, Some(ADMIN), &[], Some(&body));
        assert!(reply.status < 300, "{method} {path}: {}", reply.text());
        reply.json()
    };
    let project = admin(
        &server,
        "PATCH",
        &format!("/v1/projects/{p}"),
        serde_json::json!({"displayName": "Moved", "metadata": {"color": "#abcdef"}}),
    );
    admin(
        &server,
        "POST",
        &format!("/v1/projects/{p}/cors"),
        serde_json::json!({"origin": "https://*.example.com", "allowCredentials": true}),
    );
    admin(
        &server,
        "POST",
        &format!("/v1/projects/{p}/tags"),
        serde_json::json!({"name": "moved", "metadata": {"tone": "caution"}}),
    );
    let tag = admin(
        &server,
        "PUT",
        &format!("/v1/projects/{p}/datasets/production/tags/moved"),
        serde_json::json!({}),
    );
    // A finished dataset copy: its job history goes along.
    admin(
        &server,
        "PUT",
        &format!("/v1/projects/{p}/datasets/production/copy"),
        serde_json::json!({"targetDataset": "archive"}),
    );
    let history_of = |s: &Server| {
        s.call(
            "GET",
            &format!("/v1/projects/{p}/datasets/production/copy"),
            Some(ADMIN),
            &[],
            None,
        )
        .json()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let history = loop {
        let history = history_of(&server);
        if history[0]["state"] == "completed" {
            break history;
        }
        assert!(std::time::Instant::now() < deadline, "{history}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let target = tempfile::tempdir().expect("tmp");
    let first = migrate(&server, target.path());
    assert!(first.starts_with("migrations applied\ncopied "), "{first}");
    assert!(first.ends_with(", 2 blobs (0 present)\n"), "{first}");
    // Again: everything is there already.
    let again = migrate(&server, target.path());
    assert!(again.ends_with(" 0 blobs (2 present)\n"), "{again}");
    assert!(again.contains("copied 0 rows"), "{again}");

    let copy = Server::start_plain(
        vec![
            "--database".into(),
            format!("sqlite://{}/pixform.db?mode=rwc", target.path().display()),
            "--store".into(),
            target.path().join("blobs").display().to_string(),
        ],
        server.project.clone(),
    );
    for doc in [&image, &file] {
        let path = doc["path"].as_str().expect("path");
        let original = server.get(&format!("/{path}"), &[]);
        let copied = copy.get(&format!("/{path}"), &[]);
        assert_eq!(copied.status, 200, "{}", copied.text());
        assert_eq!(copied.body, original.body);
        let id = doc["_id"].as_str().expect("id");
        let got = copy.get(
            &format!("/v1/data/doc/production/{id}"),
            &[("X-Sanity-Project-ID", &server.project)],
        );
        let mut expected = doc.clone();
        expected["url"] = format!("{}/{path}", copy.base).into();
        assert_eq!(got.json()["documents"][0], expected);
    }
    let get = |path: &str| copy.call("GET", path, Some(ADMIN), &[], None).json();
    assert_eq!(get(&format!("/v1/projects/{p}")), project);
    let cors = get(&format!("/v1/projects/{p}/cors"));
    assert_eq!(cors.as_array().map(Vec::len), Some(1), "{cors}");
    assert_eq!(cors[0]["origin"], "https://*.example.com");
    assert_eq!(cors[0]["allowCredentials"], true);
    assert_eq!(
        get(&format!("/v1/projects/{p}/datasets/production/tags")),
        serde_json::json!([tag])
    );
    assert_eq!(history_of(&copy), history);
    // The administrator token works on the copy.
    let doc = copy.post(
        "/v1/assets/files/production",
        &[
            ("Authorization", &format!("Bearer {ADMIN}")),
            ("X-Sanity-Project-ID", &server.project),
        ],
        b"new on the copy",
    );
    assert_eq!(doc.status, 200, "{}", doc.text());
}

#[test]
fn a_corrupt_blob_stops_the_copy_before_any_row() {
    if std::env::var("PIXFORM_TEST_STORE").is_ok() {
        // The blob is corrupted through the local folder; an S3 store has none here.
        return;
    }
    let server = Server::start();
    let doc = server.upload_ok("files", b"%PDF-1.7 to corrupt", "filename=x.pdf");
    let sha1 = doc["sha1hash"].as_str().expect("sha1");
    let blob = server.data.path().join("blobs").join(&sha1[..2]).join(sha1);
    std::fs::write(&blob, b"tampered").expect("corrupt the blob");
    let target = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .arg("migrate")
        .arg("--data")
        .arg(server.data.path())
        .args(server.backend_args())
        .arg("--to-database")
        .arg(format!(
            "sqlite://{}/pixform.db?mode=rwc",
            target.path().display()
        ))
        .arg("--to-store")
        .arg(target.path().join("blobs"))
        .output()
        .expect("migrate");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("blob {sha1} is corrupt")), "{err}");
    assert!(!target
        .path()
        .join("blobs")
        .join(&sha1[..2])
        .join(sha1)
        .exists());
}
