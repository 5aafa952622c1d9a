//! Private datasets: signing keys through the Projects API, and the CDN serving a private
//! dataset only to a viewer+ token of the project or an unexpired URL signed with one of its
//! keys (`pixform::url::sign_url`, byte-compatible with `@sanity/signed-urls`).

mod common;

use common::{fixture, Server, ADMIN};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

const V: &str = "/v2021-06-07";

fn create_key(server: &Server) -> Value {
    let made = server.call(
        "POST",
        &format!("{V}/projects/{}/signing-keys", server.project),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(made.status, 201, "{}", made.text());
    made.json()
}

fn token(server: &Server, role: &str) -> String {
    let made = server.call(
        "POST",
        &format!("{V}/projects/{}/tokens", server.project),
        Some(ADMIN),
        &[],
        Some(&json!({"label": role, "roleName": role})),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    made.json()["key"].as_str().unwrap().to_owned()
}

/// Signs `url` with `key` (as created) expiring `seconds` from now, and returns the path part.
fn signed_path(server: &Server, url: &str, key: &Value, seconds: i64) -> String {
    let expiry = OffsetDateTime::now_utc() + Duration::seconds(seconds);
    let signed = pixform::url::sign_url(
        url,
        key["keyId"].as_str().unwrap(),
        key["privateKey"].as_str().unwrap(),
        expiry,
    )
    .unwrap();
    signed.strip_prefix(&server.base).unwrap().to_owned()
}

fn is_hex64(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn signing_keys_are_administered_per_project() {
    let server = Server::start();
    let p = server.project.clone();
    let keys = format!("{V}/projects/{p}/signing-keys");

    let key = create_key(&server);
    let id = key["keyId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("key-") && id.len() == 20, "{id}");
    assert!(
        is_hex64(&key["publicKey"]) && is_hex64(&key["privateKey"]),
        "{key}"
    );
    assert_eq!(
        key.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["createdAt", "keyId", "privateKey", "publicKey"]
    );
    // The two halves belong together.
    let url = "https://example.com/images/p/d/a-1x1.png?w=5";
    let signed = pixform::url::sign_url(
        url,
        &id,
        key["privateKey"].as_str().unwrap(),
        OffsetDateTime::now_utc() + Duration::hours(1),
    )
    .unwrap();
    let verified =
        pixform::url::verify_url(&signed, key["publicKey"].as_str().unwrap(), 0).unwrap();
    assert_eq!(verified.key_id, id);

    // The list never shows a private key.
    let second = create_key(&server);
    assert_ne!(second["keyId"], key["keyId"]);
    assert_ne!(second["privateKey"], key["privateKey"]);
    let listed = server.call("GET", &keys, Some(ADMIN), &[], None);
    assert_eq!(listed.status, 200);
    let strip = |k: &Value| json!({"keyId": k["keyId"], "publicKey": k["publicKey"], "createdAt": k["createdAt"]});
    let mut expected = vec![strip(&key), strip(&second)];
    let mut got = listed.json().as_array().unwrap().clone();
    let by_id = |v: &Value| v["keyId"].as_str().unwrap().to_owned();
    expected.sort_by_key(by_id);
    got.sort_by_key(by_id);
    assert_eq!(got, expected);

    // Administrators only.
    for role in ["viewer", "editor"] {
        let t = token(&server, role);
        for (method, path) in [
            ("GET", keys.clone()),
            ("POST", keys.clone()),
            ("DELETE", format!("{keys}/{id}")),
        ] {
            server
                .call(method, &path, Some(&t), &[], None)
                .assert_error(403, "Forbidden", "");
        }
    }
    server.call("GET", &keys, None, &[], None).assert_error(
        401,
        "Unauthorized",
        "Authorization required",
    );
    server
        .call(
            "POST",
            &keys,
            Some(ADMIN),
            &[],
            Some(&json!({"keyId": "mine"})),
        )
        .assert_error(400, "Bad Request", "keyId");

    // Deletion.
    server
        .call(
            "DELETE",
            &format!("{keys}/key-nope"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "Signing key \"key-nope\" not found");
    let gone = server.call("DELETE", &format!("{keys}/{id}"), Some(ADMIN), &[], None);
    assert_eq!(gone.status, 200);
    assert_eq!(gone.json(), json!({"keyId": id, "deleted": true}));
    let listed = server.call("GET", &keys, Some(ADMIN), &[], None).json();
    assert_eq!(listed, json!([strip(&second)]));
}

#[test]
fn private_dataset_answers_tokens_and_signed_urls_only() {
    let server = Server::start();
    let p = server.project.clone();
    let made = server.call(
        "PUT",
        &format!("{V}/projects/{p}/datasets/secret"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let png = fixture("two-colour-48x32.png");
    let auth = format!("Bearer {ADMIN}");
    let up = server.post(
        "/v2024-06-24/assets/images/secret",
        &[("Authorization", &auth), ("X-Sanity-Project-ID", &p)],
        &png,
    );
    assert_eq!(up.status, 200, "{}", up.text());
    let doc = up.json()["document"].clone();
    let url = doc["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(&server.base).unwrap().to_owned();
    let key = create_key(&server);
    let key_id = key["keyId"].as_str().unwrap().to_owned();

    // No credentials.
    let denied = server.get(&path, &[]);
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json(),
        json!({"statusCode": 403, "error": "Forbidden", "message": format!(
            "Dataset \"secret\" of project \"{p}\" is private: it needs a viewer token of the \
             project or a signed URL (keyid, expiry, signature), and the request has neither"
        )})
    );
    assert_eq!(denied.header("access-control-allow-origin"), "");

    // Signed: the original bytes, cacheable privately until the expiry only.
    let signed = signed_path(&server, &url, &key, 3600);
    let r = server.get(&signed, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, png);
    assert_eq!(r.header("content-type"), "image/png");
    let cc = r.header("cache-control");
    let age: i64 = cc
        .strip_prefix("private, max-age=")
        .unwrap_or_else(|| panic!("{cc}"))
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&age), "{cc}");
    // A far expiry is kept a year at most, as public answers are.
    let far = signed_path(&server, &url, &key, 5 * 365 * 86_400);
    assert_eq!(
        server.get(&far, &[]).header("cache-control"),
        "private, max-age=31536000"
    );
    assert_eq!(r.header("access-control-allow-origin"), "");
    assert_eq!(server.head(&signed, &[]).status, 200);

    // A signed transform renders like the unsigned one would.
    let signed_w = signed_path(&server, &format!("{url}?w=12&fm=png"), &key, 600);
    let r = server.get(&signed_w, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let info = pixform::codec::probe(&r.body, &pixform::Limits::none()).unwrap();
    assert_eq!((info.width, info.height), (12, 8));

    // Expired, although correctly signed.
    let expired = signed_path(&server, &url, &key, -5);
    let r = server.get(&expired, &[]);
    assert_eq!(r.status, 403);
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Signed URL expired at "), "{message}");

    // Tampered: another transform, a later expiry, or another key's signature.
    let bad_signature = format!(
        "Signed URL has a bad signature: it does not match the URL under signing key \
         \"{key_id}\" (the URL was changed or signed with another key)"
    );
    let (head, tail) = signed.split_once("expiry=").unwrap();
    let later = format!("{head}expiry=2099{}", &tail[4..]);
    let other = create_key(&server);
    let forged = json!({"keyId": key_id, "privateKey": other["privateKey"]});
    let other_key = signed_path(&server, &url, &forged, 600);
    for path in [signed_w.replace("w=12", "w=13"), later, other_key] {
        server
            .get(&path, &[])
            .assert_error(403, "Forbidden", &bad_signature);
    }

    // Keys the project does not have, and incomplete signatures.
    let stranger = json!({"keyId": "key-stranger", "privateKey": key["privateKey"]});
    server
        .get(&signed_path(&server, &url, &stranger, 600), &[])
        .assert_error(
            403,
            "Forbidden",
            &format!(
                "Signed URL names signing key \"key-stranger\", which project \"{p}\" does not have"
            ),
        );
    let unsigned_tail = signed.split_once("&signature=").unwrap().0.to_owned();
    server
        .get(&unsigned_tail, &[])
        .assert_error(403, "Forbidden", "Signed URL is invalid");
    server
        .get(&format!("{path}?signature=abc"), &[])
        .assert_error(403, "Forbidden", "Signed URL has no keyid parameter");

    // Tokens: viewer or better of this project; never shared by caches.
    let viewer = format!("Bearer {}", token(&server, "viewer"));
    let r = server.get(&path, &[("Authorization", &viewer)]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, png);
    assert_eq!(r.header("cache-control"), "private, max-age=0");
    let r = server.get(&path, &[("Authorization", "Bearer pxt_unknown")]);
    assert_eq!(r.status, 403);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .ends_with("and the token was refused (Unknown or revoked token)"),
        "{}",
        r.text()
    );
    // A bad token does not spoil a good signature.
    assert_eq!(
        server
            .get(&signed, &[("Authorization", "Bearer pxt_unknown")])
            .status,
        200
    );

    // A deleted key stops its URLs at once.
    let gone = server.call(
        "DELETE",
        &format!("{V}/projects/{p}/signing-keys/{key_id}"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(gone.status, 200);
    server
        .get(&signed, &[])
        .assert_error(403, "Forbidden", "(unknown or deleted)");
}

#[test]
fn public_dataset_unaffected_and_files_signed_too() {
    let server = Server::start();
    let p = server.project.clone();
    let png = fixture("two-colour-48x32.png");
    let doc = server.upload_ok("images", &png, "");
    let url = doc["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(&server.base).unwrap().to_owned();
    let key = create_key(&server);

    // Public: no credentials needed, and signing parameters neither matter nor re-encode.
    let plain = server.get(&path, &[]);
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(plain.header("access-control-allow-origin"), "*");
    let with_sig = server.get(&signed_path(&server, &url, &key, -5), &[]);
    assert_eq!(with_sig.status, 200);
    assert_eq!(with_sig.body, png);
    assert_eq!(
        with_sig.header("cache-control"),
        "public, max-age=31536000, immutable"
    );

    // A file in a private dataset: the same rules on /files.
    let made = server.call(
        "PUT",
        &format!("{V}/projects/{p}/datasets/vault"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(made.status, 200);
    let auth = format!("Bearer {ADMIN}");
    let body = b"private notes, not for caches".to_vec();
    let up = server.post(
        "/v2024-06-24/assets/files/vault?filename=notes.txt",
        &[
            ("Authorization", &auth),
            ("X-Sanity-Project-ID", &p),
            ("Content-Type", "text/plain"),
        ],
        &body,
    );
    assert_eq!(up.status, 200, "{}", up.text());
    let file_url = up.json()["document"]["url"].as_str().unwrap().to_owned();
    let file_path = file_url.strip_prefix(&server.base).unwrap().to_owned();
    assert_eq!(server.get(&file_path, &[]).status, 403);
    let signed = signed_path(&server, &file_url, &key, 120);
    let r = server.get(&signed, &[("Range", "bytes=0-6")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"private");
    assert!(r.header("cache-control").starts_with("private, max-age="));
    let expired = signed_path(&server, &file_url, &key, -1);
    let r = server.get(&expired, &[]);
    assert_eq!(r.status, 403);
}

#[test]
fn keys_move_with_migrate_and_go_with_their_project() {
    // Its own database even under PIXFORM_TEST_DATABASE_URL: a copy takes every row.
    let project = format!("p{}", common::unique(9));
    let mut server = Server::start_empty(vec![
        "--admin-token".into(),
        ADMIN.into(),
        "--init-project".into(),
        project.clone(),
    ]);
    server.project = project.clone();
    let made = server.call(
        "PATCH",
        &format!("{V}/projects/{project}/datasets/production"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let doc = server.upload_ok("images", &fixture("two-colour-48x32.png"), "");
    let key = create_key(&server);

    let target = tempfile::tempdir().unwrap();
    let target_db = format!("sqlite://{}/pixform.db?mode=rwc", target.path().display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .arg("migrate")
        .arg("--data")
        .arg(server.data.path())
        .args(server.backend_args())
        .arg("--to-database")
        .arg(&target_db)
        .arg("--to-store")
        .arg(target.path().join("blobs"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = Server::start_plain(
        vec![
            "--database".into(),
            target_db,
            "--store".into(),
            target.path().join("blobs").display().to_string(),
        ],
        project.clone(),
    );
    // The copy knows the key: a URL signed for it (its own --public-url) is served.
    let url = format!("{}/{}", copy.base, doc["path"].as_str().unwrap());
    let path = url.strip_prefix(&copy.base).unwrap().to_owned();
    assert_eq!(copy.get(&path, &[]).status, 403);
    let r = copy.get(&signed_path(&copy, &url, &key, 60), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let listed = copy
        .call(
            "GET",
            &format!("{V}/projects/{project}/signing-keys"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(
        listed,
        json!([{"keyId": key["keyId"], "publicKey": key["publicKey"], "createdAt": key["createdAt"]}])
    );

    // Deleting the project deletes its keys: the same ID made again has none.
    let gone = server.call(
        "DELETE",
        &format!("{V}/projects/{project}"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(gone.status, 200, "{}", gone.text());
    let again = server.call(
        "POST",
        &format!("{V}/projects"),
        Some(ADMIN),
        &[],
        Some(&json!({"id": project, "displayName": "again"})),
    );
    assert_eq!(again.status, 201, "{}", again.text());
    let listed = server
        .call(
            "GET",
            &format!("{V}/projects/{project}/signing-keys"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(listed, json!([]));
}
