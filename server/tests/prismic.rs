//! The Prismic Asset API over HTTP: keyset pages, multipart uploads, metadata limits,
//! deletion seen by the CDN, and the per-repository rate limit.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{agent, fixture, unique, Reply, Server, ADMIN};
use serde_json::{json, Value};

const BOUNDARY: &str = "pixformTestBoundary7MA4YWxkTrZu0gW";

/// A server whose rate limit stays out of the way of bulk requests.
fn fast_server() -> Server {
    Server::start_with(&["--asset-api-rps", "100000"], &[])
}

/// A multipart body: text fields, then one file part.
fn form(fields: &[(&str, &str)], filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn post_form(server: &Server, body: &[u8]) -> Reply {
    let resp = agent()
        .post(server.url("/assets"))
        .header("repository", &server.project)
        .header("authorization", format!("Bearer {ADMIN}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .send(body)
        .expect("POST /assets");
    Reply::from(resp)
}

fn upload_ok(server: &Server, fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> Value {
    let reply = post_form(server, &form(fields, filename, "text/plain", bytes));
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn list(server: &Server, query: &str) -> Reply {
    server.get(
        &format!("/assets?{query}"),
        &[
            ("repository", &server.project),
            ("authorization", &format!("Bearer {ADMIN}")),
        ],
    )
}

fn patch(server: &Server, id: &str, body: &Value) -> Reply {
    let resp = agent()
        .patch(server.url(&format!("/assets/{id}")))
        .header("repository", &server.project)
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("content-type", "application/json")
        .send(body.to_string().as_bytes())
        .expect("PATCH");
    Reply::from(resp)
}

fn delete(server: &Server, id: &str) -> Reply {
    let resp = agent()
        .delete(server.url(&format!("/assets/{id}")))
        .header("repository", &server.project)
        .header("authorization", format!("Bearer {ADMIN}"))
        .call()
        .expect("DELETE");
    Reply::from(resp)
}

#[test]
fn pages_give_every_asset_once_newest_first_while_uploads_continue() {
    let started = Instant::now();
    let server = fast_server();
    let run = unique(8);
    let mut uploaded = Vec::new();
    for i in 0..250 {
        let asset = upload_ok(
            &server,
            &[],
            &format!("a{i}.txt"),
            format!("asset {i} of run {run}").as_bytes(),
        );
        uploaded.push(asset["id"].as_str().expect("id").to_owned());
    }

    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut extra = 0;
    for page_no in 0..3 {
        let query = match &cursor {
            Some(c) => format!("limit=100&cursor={c}"),
            None => "limit=100".to_owned(),
        };
        let reply = list(&server, &query);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let page = reply.json();
        assert_eq!(page["total"], 250 + extra, "page {page_no}");
        let items = page["items"].as_array().expect("items").clone();
        assert_eq!(items.len(), if page_no < 2 { 100 } else { 50 });
        seen.extend(items);
        cursor = page["cursor"].as_str().map(str::to_owned);
        assert_eq!(cursor.is_none(), page_no == 2, "cursor {cursor:?}");
        // Newer assets arrive between pages; they must not shift what the next page holds.
        for j in 0..3 {
            upload_ok(
                &server,
                &[],
                &format!("late{page_no}-{j}.txt"),
                format!("late {page_no} {j} of run {run}").as_bytes(),
            );
            extra += 1;
        }
    }
    let got: Vec<String> = seen
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    let unique_ids: HashSet<&String> = got.iter().collect();
    assert_eq!(unique_ids.len(), 250, "duplicates in {} items", got.len());
    assert_eq!(
        unique_ids,
        uploaded.iter().collect::<HashSet<_>>(),
        "not exactly the 250 uploads"
    );
    for pair in seen.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let key = |v: &Value| {
            (
                v["created_at"].as_i64().expect("created_at"),
                v["id"].as_str().expect("id").to_owned(),
            )
        };
        assert!(key(a) > key(b), "not newest first: {a} then {b}");
    }
    // Uploads are sequential, so the newest of the 250 comes first.
    assert_eq!(got[0], uploaded[249]);
    assert_eq!(got[249], uploaded[0]);

    let first = &seen[249];
    let text = format!("asset 0 of run {run}");
    let sha1 = first["id"]
        .as_str()
        .and_then(|id| id.strip_prefix("file-"))
        .and_then(|rest| rest.strip_suffix("-txt"))
        .expect("file id")
        .to_owned();
    assert_eq!(
        *first,
        json!({
            "id": format!("file-{sha1}-txt"),
            "url": server.url(&format!("/files/{}/production/{sha1}.txt", server.project)),
            "filename": "a0.txt",
            "size": text.len(),
            "width": null,
            "height": null,
            "last_modified": first["created_at"],
            "kind": "file",
            "extension": "txt",
            "notes": null,
            "credits": null,
            "alt": null,
            "created_at": first["created_at"],
        })
    );
    let cdn = server.get(
        &format!("/files/{}/production/{sha1}.txt", server.project),
        &[],
    );
    assert_eq!(cdn.status, 200);
    assert_eq!(cdn.body, text.as_bytes());

    // Default page size, filters and bad parameters.
    let page = list(&server, "").json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(50));
    assert_eq!(page["total"], 259);
    let images = list(&server, "assetType=image").json();
    assert_eq!(images, json!({ "items": [], "total": 0, "cursor": null }));
    assert_eq!(list(&server, "assetType=file&limit=1").json()["total"], 259);
    list(&server, "limit=101").assert_error(400, "Bad Request", "limit \"101\"");
    list(&server, "limit=0").assert_error(400, "Bad Request", "limit \"0\"");
    list(&server, "cursor=nope").assert_error(400, "Bad Request", "cursor \"nope\"");
    list(&server, "assetType=video").assert_error(400, "Bad Request", "assetType \"video\"");
    eprintln!(
        "{}: 259 uploads and pages in {:?}",
        common::backend_name(),
        started.elapsed()
    );
}

#[test]
fn keyword_metadata_limits_and_delete() {
    let server = fast_server();
    let run = unique(8);
    // Title is not part of the Prismic dialect: the Sanity upload sets it on the same asset.
    let titled = server.upload_ok(
        "files",
        format!("titled {run}").as_bytes(),
        "title=Zebra%20Crossing&filename=plain.txt",
    );
    let named = upload_ok(
        &server,
        &[],
        "QuokkaPhoto.txt",
        format!("named {run}").as_bytes(),
    );
    let noted = upload_ok(
        &server,
        &[("notes", "shot near the Wombat lake")],
        "n.txt",
        format!("noted {run}").as_bytes(),
    );
    let credited = upload_ok(
        &server,
        &[("credits", "Photo: Platypus Studio")],
        "c.txt",
        format!("credited {run}").as_bytes(),
    );
    let image = post_form(
        &server,
        &form(
            &[
                ("alt", "A Kookaburra on a branch"),
                ("notes", "n"),
                ("credits", "c"),
            ],
            "bird.png",
            "image/png",
            &fixture("two-colour-48x32.png"),
        ),
    );
    assert_eq!(image.status, 200, "{}", image.text());
    let image = image.json();
    assert_eq!(image["kind"], "image");
    assert_eq!(image["width"], 48);
    assert_eq!(image["height"], 32);
    assert_eq!(image["extension"], "png");
    assert_eq!(image["filename"], "bird.png");
    assert_eq!(image["alt"], "A Kookaburra on a branch");
    assert_eq!(image["notes"], "n");
    assert_eq!(image["credits"], "c");

    for (keyword, expected) in [
        ("zebra", titled["_id"].clone()),
        ("QUOKKA", named["id"].clone()),
        ("wombat", noted["id"].clone()),
        ("platypus", credited["id"].clone()),
        ("kookaburra", image["id"].clone()),
    ] {
        let page = list(&server, &format!("keyword={keyword}")).json();
        assert_eq!(page["total"], 1, "{keyword}: {page}");
        assert_eq!(page["items"][0]["id"], expected, "{keyword}");
        assert_eq!(page["cursor"], Value::Null);
    }
    // LIKE wildcards are literal characters in a keyword.
    assert_eq!(list(&server, "keyword=%25").json()["total"], 0);

    // The Sanity document carries the same metadata.
    let id = image["id"].as_str().expect("id").to_owned();
    let doc_path = format!("/v2024-06-24/data/doc/production/{id}");
    let sanity_headers = [("X-Sanity-Project-ID", server.project.as_str())];

    let exactly = "é".repeat(500);
    let reply = patch(&server, &id, &json!({ "notes": exactly, "credits": null }));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let patched = reply.json();
    assert_eq!(patched["notes"], exactly);
    assert_eq!(patched["credits"], Value::Null);
    assert_eq!(patched["alt"], "A Kookaburra on a branch");
    let doc = server.get(&doc_path, &sanity_headers).json()["documents"][0].clone();
    assert_eq!(doc["description"], exactly);
    assert_eq!(doc.get("creditLine"), None);
    assert_eq!(doc["altText"], "A Kookaburra on a branch");

    for field in ["notes", "credits", "alt"] {
        patch(&server, &id, &json!({ field: "x".repeat(501) })).assert_error(
            400,
            "Bad Request",
            &format!("{field}: at most 500 characters, got 501"),
        );
    }
    patch(&server, &id, &json!({ "alt": "ok", "title": "t" })).assert_error(
        400,
        "Bad Request",
        "Unknown field \"title\"",
    );
    patch(&server, &id, &json!({ "alt": 5 })).assert_error(400, "Bad Request", "alt");
    patch(&server, "file-missing", &json!({ "alt": "a" })).assert_error(
        404,
        "Not Found",
        "file-missing",
    );
    // Nothing of a refused PATCH was applied.
    let doc = server.get(&doc_path, &sanity_headers).json()["documents"][0].clone();
    assert_eq!(doc["altText"], "A Kookaburra on a branch");
    let long = post_form(
        &server,
        &form(&[("alt", &"y".repeat(501))], "z.txt", "text/plain", b"zz"),
    );
    long.assert_error(400, "Bad Request", "alt: at most 500 characters, got 501");

    // Bad requests.
    let no_repo = agent()
        .get(server.url("/assets"))
        .header("authorization", format!("Bearer {ADMIN}"))
        .call()
        .expect("GET");
    Reply::from(no_repo).assert_error(400, "Bad Request", "repository");
    server
        .get("/assets", &[("repository", &server.project)])
        .assert_error(401, "Unauthorized", "Authorization required");
    // The first form's closing delimiter dropped: one body with two file parts.
    let mut two_files = form(&[], "a.txt", "text/plain", b"a");
    two_files.truncate(two_files.len() - format!("--{BOUNDARY}--\r\n").len());
    two_files.extend(form(&[], "b.txt", "text/plain", b"b"));
    post_form(&server, &two_files).assert_error(400, "Bad Request", "exactly one file part");
    post_form(&server, format!("--{BOUNDARY}--\r\n").as_bytes()).assert_error(
        400,
        "Bad Request",
        "got none",
    );
    // A body cut off before its closing delimiter is refused whole.
    let mut cut = form(&[], "c.txt", "text/plain", b"cut short");
    cut.truncate(cut.len() - 8);
    post_form(&server, &cut).assert_error(400, "Bad Request", "Multipart body: ");
    // A quoted filename keeps its `;` and spaces (RFC 7578 quoting).
    let odd = upload_ok(&server, &[], "odd; name.txt", b"a file with an odd name");
    assert_eq!(odd["filename"], "odd; name.txt", "{odd}");

    // Deleted: gone from the CDN and the Sanity routes.
    let url = image["url"].as_str().expect("url").to_owned();
    let cdn_path = url.strip_prefix(&server.base).expect("cdn path").to_owned();
    assert_eq!(server.get(&cdn_path, &[]).status, 200);
    let reply = delete(&server, &id);
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    server
        .get(&cdn_path, &[])
        .assert_error(404, "Not Found", "");
    assert_eq!(
        server.get(&doc_path, &sanity_headers).json()["omitted"][0]["id"],
        id
    );
    delete(&server, &id).assert_error(404, "Not Found", &id);
    assert_eq!(list(&server, "").json()["total"], 5);
}

#[test]
fn default_rate_is_one_request_per_second_per_repository() {
    let server = Server::start();
    let first = list(&server, "");
    let second = list(&server, "");
    assert_eq!(first.status, 200, "{}", first.text());
    second.assert_error(429, "Too Many Requests", "1 requests per second");
    assert_eq!(second.header("retry-after"), "1");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(list(&server, "").status, 200);
}

/// A request as `token` to `repository`.
fn call_as(
    server: &Server,
    method: &str,
    path: &str,
    repository: &str,
    token: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(server.url(path))
        .header("repository", repository)
        .header("authorization", format!("Bearer {token}"));
    let (request, bytes) = match body {
        Some((content_type, bytes)) => (request.header("content-type", content_type), bytes),
        None => (request, Vec::new()),
    };
    let resp = agent()
        .run(request.body(bytes).expect("request"))
        .expect("request sent");
    Reply::from(resp)
}

/// A JSON call as the global administrator, asserting success.
fn admin_json(server: &Server, method: &str, path: &str, body: Value) -> Value {
    let reply = call_as(
        server,
        method,
        path,
        "-",
        ADMIN,
        Some(("application/json", body.to_string().into_bytes())),
    );
    assert!(
        reply.status == 200 || reply.status == 201,
        "{method} {path}: {}",
        reply.text()
    );
    reply.json()
}

/// A new token of `role` in `project`.
fn token(server: &Server, project: &str, role: &str) -> String {
    let t = admin_json(
        server,
        "POST",
        &format!("/v1/projects/{project}/tokens"),
        json!({"label": role, "roleName": role}),
    );
    t["key"].as_str().expect("key").to_owned()
}

#[test]
fn roles_and_repositories() {
    let server = fast_server();
    let p = server.project.clone();
    let viewer = token(&server, &p, "viewer");
    let editor = token(&server, &p, "editor");
    let other = format!("q{}", unique(9));
    admin_json(
        &server,
        "POST",
        "/v1/projects",
        json!({"id": other, "displayName": "Other"}),
    );
    let other_admin = token(&server, &other, "administrator");
    let multipart = |name: &str| {
        Some((
            "multipart/form-data; boundary=pixformTestBoundary7MA4YWxkTrZu0gW",
            form(
                &[],
                name,
                "text/plain",
                format!("{name} {}", unique(6)).as_bytes(),
            ),
        ))
    };

    assert_eq!(
        call_as(&server, "GET", "/assets", &p, &viewer, None).status,
        200
    );
    call_as(&server, "POST", "/assets", &p, &viewer, multipart("v.txt")).assert_error(
        403,
        "Forbidden",
        "needs editor",
    );
    let made = call_as(&server, "POST", "/assets", &p, &editor, multipart("e.txt"));
    assert_eq!(made.status, 200, "{}", made.text());
    let id = made.json()["id"].as_str().expect("id").to_owned();
    let path = format!("/assets/{id}");
    let notes = Some(("application/json", br#"{"notes":"x"}"#.to_vec()));
    call_as(&server, "PATCH", &path, &p, &viewer, notes.clone()).assert_error(
        403,
        "Forbidden",
        "needs editor",
    );
    call_as(&server, "DELETE", &path, &p, &viewer, None).assert_error(
        403,
        "Forbidden",
        "needs editor",
    );
    call_as(&server, "GET", "/assets", &p, &other_admin, None).assert_error(
        403,
        "Forbidden",
        "does not belong",
    );
    call_as(&server, "GET", "/assets", &p, "not-a-token", None).assert_error(
        401,
        "Unauthorized",
        "Unknown or revoked token",
    );
    call_as(&server, "GET", "/assets", "nosuchrepo", &viewer, None).assert_error(
        404,
        "Not Found",
        "Repository \"nosuchrepo\"",
    );
    // A repository without a `production` dataset has no asset library.
    call_as(&server, "GET", "/assets", &other, &other_admin, None).assert_error(
        404,
        "Not Found",
        "\"production\"",
    );
    let patched = call_as(&server, "PATCH", &path, &p, &editor, notes);
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["notes"], "x");
    call_as(
        &server,
        "POST",
        "/assets",
        &p,
        &editor,
        Some(("application/json", b"{}".to_vec())),
    )
    .assert_error(415, "Unsupported Media Type", "multipart/form-data");
    assert_eq!(
        call_as(&server, "DELETE", &path, &p, &editor, None).status,
        204
    );
}

#[test]
fn rate_limit_is_per_repository() {
    let server = Server::start();
    let other = format!("q{}", unique(9));
    admin_json(
        &server,
        "POST",
        "/v1/projects",
        json!({"id": other, "displayName": "Other"}),
    );
    admin_json(
        &server,
        "PUT",
        &format!("/v1/projects/{other}/datasets/production"),
        json!({}),
    );
    let p = server.project.clone();
    assert_eq!(
        call_as(&server, "GET", "/assets", &p, ADMIN, None).status,
        200
    );
    assert_eq!(
        call_as(&server, "GET", "/assets", &other, ADMIN, None).status,
        200
    );
    let again = call_as(&server, "GET", "/assets", &other, ADMIN, None);
    again.assert_error(429, "Too Many Requests", &format!("repository {other:?}"));
    assert_eq!(again.header("retry-after"), "1");

    // Instances sharing the database share each repository's budget.
    let sibling = server.start_sibling();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        call_as(&server, "GET", "/assets", &p, ADMIN, None).status,
        200
    );
    let elsewhere = call_as(&sibling, "GET", "/assets", &p, ADMIN, None);
    elsewhere.assert_error(429, "Too Many Requests", &format!("repository {p:?}"));
    assert_eq!(elsewhere.header("retry-after"), "1");
}
