//! CORS on API responses from the project's CORS entries: exact and wildcard origins,
//! credentials, other origins, preflights; the Prismic `/assets` routes, whose project is the
//! `repository` header; the CDN's own `*` on public datasets.

mod common;

use common::{fixture, Reply, Server, ADMIN};
use serde_json::json;

const V: &str = "/v2021-06-07";

fn add(server: &Server, project: &str, origin: &str, credentials: bool) -> i64 {
    let reply = server.call(
        "POST",
        &format!("{V}/projects/{project}/cors"),
        Some(ADMIN),
        &[],
        Some(&json!({"origin": origin, "allowCredentials": credentials})),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_i64().unwrap()
}

fn assert_allowed(reply: &Reply, origin: &str, credentials: bool) {
    assert_eq!(
        reply.header("access-control-allow-origin"),
        origin,
        "{}",
        reply.text()
    );
    let want = if credentials { "true" } else { "" };
    assert_eq!(reply.header("access-control-allow-credentials"), want);
    assert_eq!(
        reply.header("access-control-expose-headers"),
        "X-Request-Id, Retry-After"
    );
    let vary: Vec<&str> = reply
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(vary.contains(&"Origin"), "{vary:?}");
}

fn assert_no_cors(reply: &Reply) {
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ] {
        assert_eq!(
            reply.header(name),
            "",
            "{name} on {} {}",
            reply.status,
            reply.text()
        );
    }
}

#[test]
fn api_responses_follow_the_projects_cors_entries() {
    let server = Server::start();
    let p = server.project.clone();
    let u = common::unique(8);
    let wild = format!("https://*.{u}.example.com");
    add(&server, &p, &wild, true);
    let local_id = add(&server, &p, "http://localhost:3333", false);
    add(&server, &p, &format!("http://{u}.test:*"), false);
    // Another project's entry does not open this project.
    let other = format!("q{}", common::unique(8));
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects"),
                Some(ADMIN),
                &[],
                Some(&json!({"id": other, "displayName": "Other"}))
            )
            .status,
        201
    );
    let foreign = format!("https://{u}.elsewhere.org");
    add(&server, &other, &foreign, true);

    let list = |origin: &str| {
        server.call(
            "GET",
            &format!("{V}/projects/{p}/datasets"),
            Some(ADMIN),
            &[("Origin", origin)],
            None,
        )
    };
    // Wildcard host with credentials: one label and several labels match.
    for origin in [
        format!("https://app.{u}.example.com"),
        format!("https://a.b.{u}.example.com"),
    ] {
        let reply = list(&origin);
        assert_eq!(reply.status, 200);
        assert_allowed(&reply, &origin, true);
    }
    // Exact entry, no credentials; the host is compared case-insensitively.
    let reply = list("http://localhost:3333");
    assert_allowed(&reply, "http://localhost:3333", false);
    assert_allowed(
        &list("http://LocalHost:3333"),
        "http://LocalHost:3333",
        false,
    );
    // Port wildcard.
    assert_allowed(
        &list(&format!("http://{u}.test:5173")),
        &format!("http://{u}.test:5173"),
        false,
    );
    // Origins that match no entry of this project: no CORS headers, the answer itself unchanged.
    for origin in [
        format!("https://{u}.example.com"),
        format!("http://app.{u}.example.com"),
        format!("https://app.{u}.example.com.evil.io"),
        "http://localhost:3334".to_owned(),
        "http://localhost".to_owned(),
        format!("https://{u}.test:5173"),
        foreign.clone(),
        "null".to_owned(),
    ] {
        let reply = list(&origin);
        assert_eq!(reply.status, 200, "{origin}");
        assert_no_cors(&reply);
        assert_eq!(
            reply.json(),
            json!([{"name": "production", "aclMode": "public"}])
        );
    }
    // No Origin: no CORS headers.
    assert_no_cors(&server.call(
        "GET",
        &format!("{V}/projects/{p}/datasets"),
        Some(ADMIN),
        &[],
        None,
    ));
    // Errors carry them too, so a page can read why it failed.
    let denied = server.call(
        "GET",
        &format!("{V}/projects/{p}/datasets"),
        None,
        &[("Origin", "http://localhost:3333")],
        None,
    );
    denied.assert_error(401, "Unauthorized", "Authorization required");
    assert_allowed(&denied, "http://localhost:3333", false);
    // The header form and uploads.
    let short = server.call(
        "GET",
        &format!("{V}/datasets"),
        Some(ADMIN),
        &[
            ("Origin", "http://localhost:3333"),
            ("X-Sanity-Project-ID", &p),
        ],
        None,
    );
    assert_allowed(&short, "http://localhost:3333", false);
    let origin = format!("https://cms.{u}.example.com");
    let up = server.post(
        &format!("{V}/assets/images/production"),
        &[
            ("Authorization", &format!("Bearer {ADMIN}")),
            ("X-Sanity-Project-ID", &p),
            ("Origin", &origin),
        ],
        &fixture("two-colour-48x32.png"),
    );
    assert_eq!(up.status, 200, "{}", up.text());
    assert_allowed(&up, &origin, true);
    // The other project answers its own origin.
    let theirs = server.call(
        "GET",
        &format!("{V}/projects/{other}/datasets"),
        Some(ADMIN),
        &[("Origin", &foreign)],
        None,
    );
    assert_allowed(&theirs, &foreign, true);

    // Deleting an entry takes effect with the next request.
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("{V}/projects/{p}/cors/{local_id}"),
                Some(ADMIN),
                &[],
                None
            )
            .status,
        200
    );
    assert_no_cors(&list("http://localhost:3333"));

    // The CDN keeps `*` on public datasets whatever the origin, and adds nothing of the API's.
    let path = up.json()["document"]["path"].as_str().unwrap().to_owned();
    let image = server.get(&format!("/{path}"), &[("Origin", "https://nobody.invalid")]);
    assert_eq!(image.status, 200);
    assert_eq!(image.header("access-control-allow-origin"), "*");
    assert_eq!(image.header("access-control-allow-credentials"), "");
    assert_eq!(image.header("vary"), "");
    let edited = server.call(
        "PATCH",
        &format!("{V}/projects/{p}/datasets/production"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(edited.status, 200);
    let private = server.get(
        &format!("/{path}"),
        &[
            ("Origin", &origin),
            ("Authorization", &format!("Bearer {ADMIN}")),
        ],
    );
    assert_eq!(private.status, 200);
    assert_eq!(private.header("access-control-allow-origin"), "");
}

#[test]
fn preflights() {
    let server = Server::start();
    let p = server.project.clone();
    let u = common::unique(8);
    let allowed = format!("https://app.{u}.example.com");
    add(&server, &p, &format!("https://*.{u}.example.com"), true);
    add(&server, &p, &format!("http://{u}.localhost:3333"), false);

    let preflight = |path: &str, origin: &str, headers: Option<&str>| {
        let mut h = vec![("Origin", origin), ("Access-Control-Request-Method", "PUT")];
        if let Some(asked) = headers {
            h.push(("Access-Control-Request-Headers", asked));
        }
        server.call("OPTIONS", path, None, &h, None)
    };
    // Allowed: 204, the asked headers, methods, max age, credentials.
    let ok = preflight(
        &format!("{V}/projects/{p}/datasets/new"),
        &allowed,
        Some("authorization,content-type"),
    );
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert!(ok.body.is_empty());
    assert_allowed(&ok, &allowed, true);
    assert_eq!(
        ok.header("access-control-allow-methods"),
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    );
    assert_eq!(
        ok.header("access-control-allow-headers"),
        "authorization,content-type"
    );
    assert_eq!(ok.header("access-control-max-age"), "600");
    // Without Access-Control-Request-Headers: the headers the API reads.
    let plain = preflight(
        &format!("{V}/projects/{p}/datasets/new"),
        &format!("http://{u}.localhost:3333"),
        None,
    );
    assert_eq!(plain.status, 204);
    assert_allowed(&plain, &format!("http://{u}.localhost:3333"), false);
    assert_eq!(
        plain.header("access-control-allow-headers"),
        "Authorization, Content-Type, X-Sanity-Project-ID, X-Request-Id"
    );
    // Not allowed: 403 in the JSON shape, no CORS headers.
    let no = preflight(
        &format!("{V}/projects/{p}/datasets/new"),
        &format!("https://{u}.example.com"),
        Some("authorization"),
    );
    no.assert_error(403, "Forbidden", "is not allowed");
    assert_no_cors(&no);
    // A browser's preflight of the header form names no project: allowed when some project
    // lists the origin, refused otherwise.
    let short = preflight(
        &format!("{V}/datasets/new"),
        &allowed,
        Some("authorization,x-sanity-project-id"),
    );
    assert_eq!(short.status, 204);
    assert_allowed(&short, &allowed, true);
    let unknown = preflight(
        &format!("{V}/datasets/new"),
        &format!("https://{u}.unknown.org"),
        None,
    );
    unknown.assert_error(403, "Forbidden", "is not allowed");
    assert_no_cors(&unknown);
    // Another project's preflight does not borrow this project's entries.
    let other = format!("q{}", common::unique(8));
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects"),
                Some(ADMIN),
                &[],
                Some(&json!({"id": other, "displayName": "Other"}))
            )
            .status,
        201
    );
    preflight(
        &format!("{V}/projects/{other}/datasets/new"),
        &allowed,
        None,
    )
    .assert_error(403, "Forbidden", "is not allowed");
    // OPTIONS that is not a preflight, or with no Origin, is an ordinary request: 405.
    let bare = server.call(
        "OPTIONS",
        &format!("{V}/projects/{p}/datasets"),
        None,
        &[("Origin", &allowed)],
        None,
    );
    bare.assert_error(405, "Method Not Allowed", "OPTIONS");
    assert_eq!(bare.header("access-control-allow-origin"), allowed);
    let no_origin = server.call(
        "OPTIONS",
        &format!("{V}/projects/{p}/datasets"),
        None,
        &[("Access-Control-Request-Method", "GET")],
        None,
    );
    no_origin.assert_error(405, "Method Not Allowed", "OPTIONS");
    assert_no_cors(&no_origin);
}

#[test]
fn prismic_asset_api_follows_the_repositorys_cors_entries() {
    // The default rate (1 a second, no burst), so the second request is refused.
    let server = Server::start();
    let p = server.project.clone();
    let u = common::unique(8);
    let allowed = format!("https://app.{u}.example.com");
    let local = format!("http://{u}.localhost:3333");
    add(&server, &p, &format!("https://*.{u}.example.com"), true);
    add(&server, &p, &local, false);
    let other = format!("q{}", common::unique(8));
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects"),
                Some(ADMIN),
                &[],
                Some(&json!({"id": other, "displayName": "Other"}))
            )
            .status,
        201
    );
    let foreign = format!("https://{u}.elsewhere.org");
    add(&server, &other, &foreign, false);
    let list = |repository: Option<&str>, token: &str, origin: &str| {
        let mut headers = vec![("Origin", origin)];
        if let Some(r) = repository {
            headers.push(("repository", r));
        }
        server.call("GET", "/assets", Some(token), &headers, None)
    };

    // An origin the repository lists: the answer and, at once after it, the 429 carry the
    // CORS headers, and the page may read Retry-After.
    let first = list(Some(&p), ADMIN, &allowed);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["total"], 0);
    assert_allowed(&first, &allowed, true);
    let limited = list(Some(&p), ADMIN, &local);
    limited.assert_error(429, "Too Many Requests", "requests per second");
    assert_allowed(&limited, &local, false);
    let wait: u64 = limited.header("retry-after").parse().expect("Retry-After");
    assert!((1..=2).contains(&wait), "{wait}");
    // Errors before the rate limit carry them too: a bad token is 401.
    let refused = list(Some(&p), "not-a-token", &allowed);
    refused.assert_error(401, "Unauthorized", "Unknown or revoked token");
    assert_allowed(&refused, &allowed, true);
    // Another repository's entries do not open this one, nor this one's that one.
    let foreign_here = list(Some(&p), "not-a-token", &foreign);
    foreign_here.assert_error(401, "Unauthorized", "token");
    assert_no_cors(&foreign_here);
    assert_eq!(foreign_here.header("vary"), "Origin");
    let mine_there = list(Some(&other), "not-a-token", &allowed);
    mine_there.assert_error(401, "Unauthorized", "token");
    assert_no_cors(&mine_there);
    let theirs = list(Some(&other), "not-a-token", &foreign);
    theirs.assert_error(401, "Unauthorized", "token");
    assert_allowed(&theirs, &foreign, false);
    // No repository header names no project: no CORS headers, whatever the origin.
    let nameless = list(None, ADMIN, &allowed);
    nameless.assert_error(400, "Bad Request", "Header repository is required");
    assert_no_cors(&nameless);
    // PATCH and DELETE on `/assets/{id}` follow the same entries (404: no such asset).
    let missing = server.call(
        "DELETE",
        "/assets/image-0000000000000000000000000000000000000000-1x1-png",
        Some("not-a-token"),
        &[("Origin", &allowed), ("repository", &p)],
        None,
    );
    missing.assert_error(401, "Unauthorized", "token");
    assert_allowed(&missing, &allowed, true);

    // Preflights: a browser sends no `repository` value, so any project's entry admits the
    // origin; without Access-Control-Request-Headers the answer lists `Repository`.
    let preflight = |path: &str, origin: &str, extra: &[(&str, &str)]| {
        let mut h = vec![
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
        ];
        h.extend_from_slice(extra);
        server.call("OPTIONS", path, None, &h, None)
    };
    let asked = preflight(
        "/assets",
        &allowed,
        &[(
            "Access-Control-Request-Headers",
            "authorization,repository,content-type",
        )],
    );
    assert_eq!(asked.status, 204, "{}", asked.text());
    assert!(asked.body.is_empty());
    assert_allowed(&asked, &allowed, true);
    assert_eq!(
        asked.header("access-control-allow-headers"),
        "authorization,repository,content-type"
    );
    assert_eq!(
        asked.header("access-control-allow-methods"),
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    );
    assert_eq!(asked.header("access-control-max-age"), "600");
    let plain = preflight("/assets/image-x", &foreign, &[]);
    assert_eq!(plain.status, 204, "{}", plain.text());
    assert_allowed(&plain, &foreign, false);
    assert_eq!(
        plain.header("access-control-allow-headers"),
        "Authorization, Content-Type, Repository, X-Request-Id"
    );
    let unknown = preflight("/assets", &format!("https://{u}.unknown.org"), &[]);
    unknown.assert_error(403, "Forbidden", "is not allowed");
    assert_no_cors(&unknown);
    // A preflight that does name its repository uses that repository's entries only.
    preflight("/assets", &foreign, &[("repository", &p)]).assert_error(
        403,
        "Forbidden",
        "is not allowed",
    );
}
