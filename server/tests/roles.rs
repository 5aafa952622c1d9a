//! Roles on every route, over HTTP: one line per (route, caller) cell, each checked against a
//! project of its own so that an allowed delete cannot disturb another cell. The table is the
//! one in the server's README ("Roles"), read from there.

mod common;

use common::{agent, fixture, Reply, Server, ADMIN};
use serde_json::{json, Value};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// No `Authorization` header.
    Anonymous,
    /// A viewer token of the project.
    Viewer,
    /// An editor token of the project.
    Editor,
    /// An administrator token of the project.
    Admin,
    /// An administrator token of another project.
    OtherAdmin,
    /// The global administrator token.
    Global,
}

use Who::*;

const WHO: [Who; 6] = [Anonymous, Viewer, Editor, Admin, OtherAdmin, Global];

/// Route × caller → status, read from the server's README ("Roles"), the one copy of the
/// table: each row is `` | `METHOD PATH` … | none | viewer | editor | administrator | other
/// project's admin | global admin | ``. `{p}` is the project, `{ds}` a dataset, `{priv}` a
/// private one, `{asset}` an asset of the project's `production` dataset (the Prismic routes'
/// library).
fn table() -> Vec<(String, Who, u16)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read server/README.md");
    let section = readme
        .split_once("\n## Roles\n")
        .expect("README has a Roles section")
        .1;
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut cells = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let columns: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let route = columns[0]
            .strip_prefix('`')
            .and_then(|r| r.split_once('`'))
            .unwrap_or_else(|| panic!("route in backticks: {line}"))
            .0;
        assert_eq!(
            columns.len(),
            1 + WHO.len(),
            "one status per caller: {line}"
        );
        for (who, status) in WHO.iter().zip(&columns[1..]) {
            let status = status
                .parse()
                .unwrap_or_else(|_| panic!("status {status:?}: {line}"));
            cells.push((route.to_owned(), *who, status));
        }
    }
    cells
}

/// A project of one cell's own: datasets `media` (public) and `vault` (private), a tag
/// `t`, a CORS entry, one token of each role, and when the route needs them an image and a
/// file in both datasets.
struct Cell {
    project: String,
    viewer: String,
    editor: String,
    admin: String,
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn admin_call(server: &Server, method: &str, path: &str, body: Option<Value>) -> Value {
    let reply = server.call(method, path, Some(ADMIN), &[], body.as_ref());
    assert!(reply.status < 300, "{method} {path}: {}", reply.text());
    if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    }
}

fn new_cell(server: &Server) -> Cell {
    let project = format!("r{}", common::unique(10));
    admin_call(
        server,
        "POST",
        "/v1/projects",
        Some(json!({"id": project, "displayName": "Roles"})),
    );
    admin_call(
        server,
        "PUT",
        &format!("/v1/projects/{project}/datasets/media"),
        None,
    );
    admin_call(
        server,
        "PUT",
        &format!("/v1/projects/{project}/datasets/vault"),
        Some(json!({"aclMode": "private"})),
    );
    let mut keys = Vec::new();
    for role in ["viewer", "editor", "administrator"] {
        let t = admin_call(
            server,
            "POST",
            &format!("/v1/projects/{project}/tokens"),
            Some(json!({"label": role, "roleName": role})),
        );
        keys.push(t["key"].as_str().unwrap().to_owned());
    }
    Cell {
        project,
        viewer: keys[0].clone(),
        editor: keys[1].clone(),
        admin: keys[2].clone(),
    }
}

/// Uploads `bytes` as the global admin; the document.
fn upload(server: &Server, project: &str, kind: &str, dataset: &str, bytes: &[u8]) -> Value {
    let reply = server.post(
        &format!("/v1/projects/{project}/assets/{kind}/{dataset}"),
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        bytes,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["document"].clone()
}

/// The request of a route for one cell: method, path, extra headers, body.
fn request(
    server: &Server,
    cell: &Cell,
    route: &str,
) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let p = cell.project.as_str();
    let (method, template) = route.split_once(' ').unwrap();
    let mut headers = vec![("X-Sanity-Project-ID".to_owned(), p.to_owned())];
    let mut body = Vec::new();
    let png = fixture("two-colour-48x32.png");
    let mut path = template
        .replace("{p}", p)
        .replace("{ds}", "media")
        .replace("{priv}", "vault");
    let new = format!("n{}", common::unique(8));
    path = path.replace("{new}", &new);
    let needs_tag = template.contains("{tag}");
    if needs_tag {
        admin_call(
            server,
            "POST",
            &format!("/v1/projects/{p}/tags"),
            Some(json!({"name": "t"})),
        );
        if method == "DELETE" && template.contains("datasets") {
            admin_call(
                server,
                "PUT",
                &format!("/v1/projects/{p}/datasets/media/tags/t"),
                None,
            );
        }
        path = path.replace("{tag}", "t");
    }
    if template.starts_with("/assets") {
        // The Prismic routes name the project in `repository` and serve its `production`.
        admin_call(
            server,
            "PUT",
            &format!("/v1/projects/{p}/datasets/production"),
            None,
        );
        headers.push(("repository".to_owned(), p.to_owned()));
    }
    match (method, template) {
        ("POST", "/assets") => {
            let boundary = "rolesBoundary4f1c";
            headers.push((
                "Content-Type".to_owned(),
                format!("multipart/form-data; boundary={boundary}"),
            ));
            body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA bird\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"bird.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(&png);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        }
        (_, "/assets/{asset}") => {
            let doc = upload(server, p, "images", "production", &png);
            path = path.replace("{asset}", doc["_id"].as_str().unwrap());
            if method == "PATCH" {
                body = json!({"alt": "A bird"}).to_string().into_bytes();
            }
        }
        ("PUT", t) if t.ends_with("/copy") => {
            body = json!({"targetDataset": new}).to_string().into_bytes();
        }
        ("POST", "/v1/projects") => {
            body = json!({"displayName": "New", "id": new})
                .to_string()
                .into_bytes();
        }
        ("PATCH", t) if t.starts_with("/v1/projects/{p}") && !t.contains("datasets") => {
            body = json!({"displayName": "Renamed"}).to_string().into_bytes();
        }
        ("PATCH", _) => body = json!({"aclMode": "private"}).to_string().into_bytes(),
        ("POST", t) if t.ends_with("/cors") => {
            body = json!({"origin": "https://app.example.com"})
                .to_string()
                .into_bytes();
        }
        ("DELETE", t) if t.contains("/cors/") => {
            let entry = admin_call(
                server,
                "POST",
                &format!("/v1/projects/{p}/cors"),
                Some(json!({"origin": "https://x.example.com"})),
            );
            path = path.replace("{id}", &entry["id"].to_string());
        }
        ("DELETE", t) if t.contains("/signing-keys/") => {
            let key = admin_call(
                server,
                "POST",
                &format!("/v1/projects/{p}/signing-keys"),
                None,
            );
            path = path.replace("{key}", key["keyId"].as_str().unwrap());
        }
        ("POST", t) if t.ends_with("/tokens") => {
            body = json!({"label": "x", "roleName": "viewer"})
                .to_string()
                .into_bytes();
        }
        ("DELETE", t) if t.contains("/tokens/") => {
            let extra = admin_call(
                server,
                "POST",
                &format!("/v1/projects/{p}/tokens"),
                Some(json!({"label": "doomed", "roleName": "viewer"})),
            );
            path = path.replace("{id}", extra["id"].as_str().unwrap());
        }
        ("POST", t) if t.ends_with("/tags") => {
            body = json!({"name": "fresh"}).to_string().into_bytes();
        }
        ("PUT", t) if t.ends_with("/tags/{tag}") && !t.contains("datasets") => {
            body = json!({"title": "Retitled"}).to_string().into_bytes();
        }
        ("POST", t) if t.contains("/assets/images/") => body = png.clone(),
        ("POST", t) if t.contains("/assets/files/") => body = b"some file bytes".to_vec(),
        ("GET", t) if t.contains("/data/doc/") => {
            let dataset = if t.contains("{priv}") {
                "vault"
            } else {
                "media"
            };
            let doc = upload(server, p, "images", dataset, &png);
            path = path.replace("{id}", doc["_id"].as_str().unwrap());
        }
        ("POST", t) if t.contains("/data/mutate/") => {
            let doc = upload(server, p, "images", "media", &png);
            body = json!({"mutations": [{"delete": {"id": doc["_id"]}}]})
                .to_string()
                .into_bytes();
        }
        ("GET", t) if t.starts_with("/images/") || t.starts_with("/files/") => {
            let dataset = if t.contains("{priv}") {
                "vault"
            } else {
                "media"
            };
            let (kind, bytes) = if t.starts_with("/images/") {
                ("images", png.clone())
            } else {
                ("files", b"a file".to_vec())
            };
            let doc = upload(server, p, kind, dataset, &bytes);
            path = format!("/{}", doc["path"].as_str().unwrap());
            headers.clear();
        }
        _ => {}
    }
    (method.to_owned(), path, headers, body)
}

fn send(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(String, String)],
    body: &[u8],
) -> Reply {
    let url = server.url(path);
    macro_rules! with {
        ($req:expr) => {{
            let mut req = $req;
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            for (k, v) in headers {
                req = req.header(k.as_str(), v.as_str());
            }
            req
        }};
    }
    // A request that names its own type (multipart) gets no JSON default.
    let own_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let typed = |req: ureq::RequestBuilder<ureq::typestate::WithBody>| {
        if own_type {
            req
        } else {
            req.header(JSON.0, JSON.1)
        }
    };
    let resp = match method {
        "GET" => with!(agent().get(url)).call(),
        "DELETE" => with!(agent().delete(url)).call(),
        "POST" => with!(typed(agent().post(url))).send(body),
        "PUT" => with!(typed(agent().put(url))).send(body),
        "PATCH" => with!(typed(agent().patch(url))).send(body),
        other => panic!("method {other}"),
    };
    Reply::from(resp.expect("request"))
}

#[test]
fn every_route_checks_the_callers_role() {
    // A rate far above the test's pace, so no Prismic cell meets a 429.
    let server = Server::start_with(&["--asset-api-rps", "100000"], &[]);
    let table = table();
    let mut routes: Vec<&str> = table.iter().map(|(r, _, _)| r.as_str()).collect();
    routes.dedup();
    let distinct: std::collections::BTreeSet<&str> = routes.iter().copied().collect();
    assert_eq!(distinct.len(), routes.len(), "each route has one row");
    // Every route the server has; a table that lost rows fails here.
    assert!(
        routes.len() >= 62,
        "{} routes in the README's table",
        routes.len()
    );
    let other = new_cell(&server);
    let failures = std::sync::Mutex::new(Vec::new());
    let cells: Vec<&(String, Who, u16)> = table.iter().collect();
    std::thread::scope(|scope| {
        for chunk in cells.chunks(cells.len().div_ceil(4)) {
            let (server, other, failures) = (&server, &other, &failures);
            scope.spawn(move || {
                for (route, who, want) in chunk {
                    let cell = new_cell(server);
                    let (method, path, headers, body) = request(server, &cell, route);
                    let token = match who {
                        Anonymous => None,
                        Viewer => Some(cell.viewer.as_str()),
                        Editor => Some(cell.editor.as_str()),
                        Admin => Some(cell.admin.as_str()),
                        OtherAdmin => Some(other.admin.as_str()),
                        Global => Some(ADMIN),
                    };
                    let reply = send(server, &method, &path, token, &headers, &body);
                    let ok = reply.status == *want
                        && (reply.status < 400 || {
                            let e = reply.json();
                            e["statusCode"] == *want
                                && e["message"].as_str().is_some_and(|m| !m.is_empty())
                        });
                    if !ok {
                        failures.lock().unwrap().push(format!(
                            "{route} as {who:?}: want {want}, got {} {}",
                            reply.status,
                            reply.text().chars().take(200).collect::<String>()
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cells differ:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
    println!(
        "roles: {} cells over {} routes on {}",
        table.len(),
        routes.len(),
        common::backend_name()
    );
}
