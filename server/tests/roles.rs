//! Roles on every route, over HTTP: one line per (route, caller) cell, each checked against a
//! project of its own so that an allowed delete cannot disturb another cell. The same table is
//! in the server's README ("Roles").

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

/// Route × caller → status. `{p}` is the project, `{ds}` a dataset, `{priv}` a private one,
/// `{asset}` an asset of the project's `production` dataset (the Prismic routes' library).
#[rustfmt::skip]
const TABLE: &[(&str, Who, u16)] = &[
    ("GET /v1/projects", Anonymous, 401),
    ("GET /v1/projects", Viewer, 200),
    ("GET /v1/projects", Editor, 200),
    ("GET /v1/projects", Admin, 200),
    ("GET /v1/projects", OtherAdmin, 200),
    ("GET /v1/projects", Global, 200),
    ("POST /v1/projects", Anonymous, 401),
    ("POST /v1/projects", Viewer, 403),
    ("POST /v1/projects", Editor, 403),
    ("POST /v1/projects", Admin, 403),
    ("POST /v1/projects", OtherAdmin, 403),
    ("POST /v1/projects", Global, 201),
    ("GET /v1/projects/{p}", Anonymous, 401),
    ("GET /v1/projects/{p}", Viewer, 200),
    ("GET /v1/projects/{p}", Editor, 200),
    ("GET /v1/projects/{p}", Admin, 200),
    ("GET /v1/projects/{p}", OtherAdmin, 403),
    ("GET /v1/projects/{p}", Global, 200),
    ("PATCH /v1/projects/{p}", Anonymous, 401),
    ("PATCH /v1/projects/{p}", Viewer, 403),
    ("PATCH /v1/projects/{p}", Editor, 403),
    ("PATCH /v1/projects/{p}", Admin, 200),
    ("PATCH /v1/projects/{p}", OtherAdmin, 403),
    ("PATCH /v1/projects/{p}", Global, 200),
    ("DELETE /v1/projects/{p}", Anonymous, 401),
    ("DELETE /v1/projects/{p}", Viewer, 403),
    ("DELETE /v1/projects/{p}", Editor, 403),
    ("DELETE /v1/projects/{p}", Admin, 200),
    ("DELETE /v1/projects/{p}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}", Global, 200),
    ("GET /v1/projects/{p}/cors", Anonymous, 401),
    ("GET /v1/projects/{p}/cors", Viewer, 200),
    ("GET /v1/projects/{p}/cors", Editor, 200),
    ("GET /v1/projects/{p}/cors", Admin, 200),
    ("GET /v1/projects/{p}/cors", OtherAdmin, 403),
    ("GET /v1/projects/{p}/cors", Global, 200),
    ("POST /v1/projects/{p}/cors", Anonymous, 401),
    ("POST /v1/projects/{p}/cors", Viewer, 403),
    ("POST /v1/projects/{p}/cors", Editor, 403),
    ("POST /v1/projects/{p}/cors", Admin, 201),
    ("POST /v1/projects/{p}/cors", OtherAdmin, 403),
    ("POST /v1/projects/{p}/cors", Global, 201),
    ("DELETE /v1/projects/{p}/cors/{id}", Anonymous, 401),
    ("DELETE /v1/projects/{p}/cors/{id}", Viewer, 403),
    ("DELETE /v1/projects/{p}/cors/{id}", Editor, 403),
    ("DELETE /v1/projects/{p}/cors/{id}", Admin, 200),
    ("DELETE /v1/projects/{p}/cors/{id}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}/cors/{id}", Global, 200),
    ("GET /v1/projects/{p}/datasets", Anonymous, 401),
    ("GET /v1/projects/{p}/datasets", Viewer, 200),
    ("GET /v1/projects/{p}/datasets", Editor, 200),
    ("GET /v1/projects/{p}/datasets", Admin, 200),
    ("GET /v1/projects/{p}/datasets", OtherAdmin, 403),
    ("GET /v1/projects/{p}/datasets", Global, 200),
    ("GET /v1/projects/{p}/datasets/{ds}", Anonymous, 401),
    ("GET /v1/projects/{p}/datasets/{ds}", Viewer, 200),
    ("GET /v1/projects/{p}/datasets/{ds}", Editor, 200),
    ("GET /v1/projects/{p}/datasets/{ds}", Admin, 200),
    ("GET /v1/projects/{p}/datasets/{ds}", OtherAdmin, 403),
    ("GET /v1/projects/{p}/datasets/{ds}", Global, 200),
    ("PUT /v1/projects/{p}/datasets/{new}", Anonymous, 401),
    ("PUT /v1/projects/{p}/datasets/{new}", Viewer, 403),
    ("PUT /v1/projects/{p}/datasets/{new}", Editor, 403),
    ("PUT /v1/projects/{p}/datasets/{new}", Admin, 200),
    ("PUT /v1/projects/{p}/datasets/{new}", OtherAdmin, 403),
    ("PUT /v1/projects/{p}/datasets/{new}", Global, 200),
    ("POST /v1/projects/{p}/datasets/{new}", Anonymous, 401),
    ("POST /v1/projects/{p}/datasets/{new}", Viewer, 403),
    ("POST /v1/projects/{p}/datasets/{new}", Editor, 403),
    ("POST /v1/projects/{p}/datasets/{new}", Admin, 200),
    ("POST /v1/projects/{p}/datasets/{new}", OtherAdmin, 403),
    ("POST /v1/projects/{p}/datasets/{new}", Global, 200),
    ("PATCH /v1/projects/{p}/datasets/{ds}", Anonymous, 401),
    ("PATCH /v1/projects/{p}/datasets/{ds}", Viewer, 403),
    ("PATCH /v1/projects/{p}/datasets/{ds}", Editor, 403),
    ("PATCH /v1/projects/{p}/datasets/{ds}", Admin, 200),
    ("PATCH /v1/projects/{p}/datasets/{ds}", OtherAdmin, 403),
    ("PATCH /v1/projects/{p}/datasets/{ds}", Global, 200),
    ("DELETE /v1/projects/{p}/datasets/{ds}", Anonymous, 401),
    ("DELETE /v1/projects/{p}/datasets/{ds}", Viewer, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}", Editor, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}", Admin, 200),
    ("DELETE /v1/projects/{p}/datasets/{ds}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}", Global, 200),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", Anonymous, 401),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", Viewer, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", Editor, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", Admin, 200),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", OtherAdmin, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/copy", Global, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", Anonymous, 401),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", Viewer, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", Editor, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", Admin, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", OtherAdmin, 403),
    ("GET /v1/projects/{p}/datasets/{ds}/copy", Global, 200),
    ("GET /v1/datasets", Anonymous, 401),
    ("GET /v1/datasets", Viewer, 200),
    ("GET /v1/datasets", Editor, 200),
    ("GET /v1/datasets", Admin, 200),
    ("GET /v1/datasets", OtherAdmin, 403),
    ("GET /v1/datasets", Global, 200),
    ("GET /v1/datasets/{ds}", Anonymous, 401),
    ("GET /v1/datasets/{ds}", Viewer, 200),
    ("GET /v1/datasets/{ds}", Editor, 200),
    ("GET /v1/datasets/{ds}", Admin, 200),
    ("GET /v1/datasets/{ds}", OtherAdmin, 403),
    ("GET /v1/datasets/{ds}", Global, 200),
    ("PUT /v1/datasets/{new}", Anonymous, 401),
    ("PUT /v1/datasets/{new}", Viewer, 403),
    ("PUT /v1/datasets/{new}", Editor, 403),
    ("PUT /v1/datasets/{new}", Admin, 200),
    ("PUT /v1/datasets/{new}", OtherAdmin, 403),
    ("PUT /v1/datasets/{new}", Global, 200),
    ("POST /v1/datasets/{new}", Anonymous, 401),
    ("POST /v1/datasets/{new}", Viewer, 403),
    ("POST /v1/datasets/{new}", Editor, 403),
    ("POST /v1/datasets/{new}", Admin, 200),
    ("POST /v1/datasets/{new}", OtherAdmin, 403),
    ("POST /v1/datasets/{new}", Global, 200),
    ("PATCH /v1/datasets/{ds}", Anonymous, 401),
    ("PATCH /v1/datasets/{ds}", Viewer, 403),
    ("PATCH /v1/datasets/{ds}", Editor, 403),
    ("PATCH /v1/datasets/{ds}", Admin, 200),
    ("PATCH /v1/datasets/{ds}", OtherAdmin, 403),
    ("PATCH /v1/datasets/{ds}", Global, 200),
    ("DELETE /v1/datasets/{ds}", Anonymous, 401),
    ("DELETE /v1/datasets/{ds}", Viewer, 403),
    ("DELETE /v1/datasets/{ds}", Editor, 403),
    ("DELETE /v1/datasets/{ds}", Admin, 200),
    ("DELETE /v1/datasets/{ds}", OtherAdmin, 403),
    ("DELETE /v1/datasets/{ds}", Global, 200),
    ("PUT /v1/datasets/{ds}/copy", Anonymous, 401),
    ("PUT /v1/datasets/{ds}/copy", Viewer, 403),
    ("PUT /v1/datasets/{ds}/copy", Editor, 403),
    ("PUT /v1/datasets/{ds}/copy", Admin, 200),
    ("PUT /v1/datasets/{ds}/copy", OtherAdmin, 403),
    ("PUT /v1/datasets/{ds}/copy", Global, 200),
    ("GET /v1/datasets/{ds}/copy", Anonymous, 401),
    ("GET /v1/datasets/{ds}/copy", Viewer, 200),
    ("GET /v1/datasets/{ds}/copy", Editor, 200),
    ("GET /v1/datasets/{ds}/copy", Admin, 200),
    ("GET /v1/datasets/{ds}/copy", OtherAdmin, 403),
    ("GET /v1/datasets/{ds}/copy", Global, 200),
    ("GET /v1/projects/{p}/features", Anonymous, 401),
    ("GET /v1/projects/{p}/features", Viewer, 200),
    ("GET /v1/projects/{p}/features", Editor, 200),
    ("GET /v1/projects/{p}/features", Admin, 200),
    ("GET /v1/projects/{p}/features", OtherAdmin, 403),
    ("GET /v1/projects/{p}/features", Global, 200),
    ("GET /v1/projects/{p}/permissions", Anonymous, 401),
    ("GET /v1/projects/{p}/permissions", Viewer, 200),
    ("GET /v1/projects/{p}/permissions", Editor, 200),
    ("GET /v1/projects/{p}/permissions", Admin, 200),
    ("GET /v1/projects/{p}/permissions", OtherAdmin, 403),
    ("GET /v1/projects/{p}/permissions", Global, 200),
    ("GET /v1/projects/{p}/users/me", Anonymous, 401),
    ("GET /v1/projects/{p}/users/me", Viewer, 200),
    ("GET /v1/projects/{p}/users/me", Editor, 200),
    ("GET /v1/projects/{p}/users/me", Admin, 200),
    ("GET /v1/projects/{p}/users/me", OtherAdmin, 403),
    ("GET /v1/projects/{p}/users/me", Global, 200),
    ("GET /v1/projects/{p}/tokens", Anonymous, 401),
    ("GET /v1/projects/{p}/tokens", Viewer, 403),
    ("GET /v1/projects/{p}/tokens", Editor, 403),
    ("GET /v1/projects/{p}/tokens", Admin, 200),
    ("GET /v1/projects/{p}/tokens", OtherAdmin, 403),
    ("GET /v1/projects/{p}/tokens", Global, 200),
    ("POST /v1/projects/{p}/tokens", Anonymous, 401),
    ("POST /v1/projects/{p}/tokens", Viewer, 403),
    ("POST /v1/projects/{p}/tokens", Editor, 403),
    ("POST /v1/projects/{p}/tokens", Admin, 200),
    ("POST /v1/projects/{p}/tokens", OtherAdmin, 403),
    ("POST /v1/projects/{p}/tokens", Global, 200),
    ("DELETE /v1/projects/{p}/tokens/{id}", Anonymous, 401),
    ("DELETE /v1/projects/{p}/tokens/{id}", Viewer, 403),
    ("DELETE /v1/projects/{p}/tokens/{id}", Editor, 403),
    ("DELETE /v1/projects/{p}/tokens/{id}", Admin, 200),
    ("DELETE /v1/projects/{p}/tokens/{id}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}/tokens/{id}", Global, 200),
    ("POST /v1/projects/{p}/tags", Anonymous, 401),
    ("POST /v1/projects/{p}/tags", Viewer, 403),
    ("POST /v1/projects/{p}/tags", Editor, 403),
    ("POST /v1/projects/{p}/tags", Admin, 200),
    ("POST /v1/projects/{p}/tags", OtherAdmin, 403),
    ("POST /v1/projects/{p}/tags", Global, 200),
    ("PUT /v1/projects/{p}/tags/{tag}", Anonymous, 401),
    ("PUT /v1/projects/{p}/tags/{tag}", Viewer, 403),
    ("PUT /v1/projects/{p}/tags/{tag}", Editor, 403),
    ("PUT /v1/projects/{p}/tags/{tag}", Admin, 200),
    ("PUT /v1/projects/{p}/tags/{tag}", OtherAdmin, 403),
    ("PUT /v1/projects/{p}/tags/{tag}", Global, 200),
    ("DELETE /v1/projects/{p}/tags/{tag}", Anonymous, 401),
    ("DELETE /v1/projects/{p}/tags/{tag}", Viewer, 403),
    ("DELETE /v1/projects/{p}/tags/{tag}", Editor, 403),
    ("DELETE /v1/projects/{p}/tags/{tag}", Admin, 200),
    ("DELETE /v1/projects/{p}/tags/{tag}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}/tags/{tag}", Global, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", Anonymous, 401),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", Viewer, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", Editor, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", Admin, 200),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", OtherAdmin, 403),
    ("GET /v1/projects/{p}/datasets/{ds}/tags", Global, 200),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", Anonymous, 401),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", Viewer, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", Editor, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", Admin, 200),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", OtherAdmin, 403),
    ("PUT /v1/projects/{p}/datasets/{ds}/tags/{tag}", Global, 200),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", Anonymous, 401),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", Viewer, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", Editor, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", Admin, 200),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", OtherAdmin, 403),
    ("DELETE /v1/projects/{p}/datasets/{ds}/tags/{tag}", Global, 200),
    ("GET /v1/datasets/{ds}/tags", Anonymous, 401),
    ("GET /v1/datasets/{ds}/tags", Viewer, 200),
    ("GET /v1/datasets/{ds}/tags", Editor, 200),
    ("GET /v1/datasets/{ds}/tags", Admin, 200),
    ("GET /v1/datasets/{ds}/tags", OtherAdmin, 403),
    ("GET /v1/datasets/{ds}/tags", Global, 200),
    ("PUT /v1/datasets/{ds}/tags/{tag}", Anonymous, 401),
    ("PUT /v1/datasets/{ds}/tags/{tag}", Viewer, 403),
    ("PUT /v1/datasets/{ds}/tags/{tag}", Editor, 403),
    ("PUT /v1/datasets/{ds}/tags/{tag}", Admin, 200),
    ("PUT /v1/datasets/{ds}/tags/{tag}", OtherAdmin, 403),
    ("PUT /v1/datasets/{ds}/tags/{tag}", Global, 200),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", Anonymous, 401),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", Viewer, 403),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", Editor, 403),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", Admin, 200),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", OtherAdmin, 403),
    ("DELETE /v1/datasets/{ds}/tags/{tag}", Global, 200),
    ("POST /v1/assets/images/{ds}", Anonymous, 401),
    ("POST /v1/assets/images/{ds}", Viewer, 403),
    ("POST /v1/assets/images/{ds}", Editor, 200),
    ("POST /v1/assets/images/{ds}", Admin, 200),
    ("POST /v1/assets/images/{ds}", OtherAdmin, 403),
    ("POST /v1/assets/images/{ds}", Global, 200),
    ("POST /v1/assets/files/{ds}", Anonymous, 401),
    ("POST /v1/assets/files/{ds}", Viewer, 403),
    ("POST /v1/assets/files/{ds}", Editor, 200),
    ("POST /v1/assets/files/{ds}", Admin, 200),
    ("POST /v1/assets/files/{ds}", OtherAdmin, 403),
    ("POST /v1/assets/files/{ds}", Global, 200),
    ("POST /v1/projects/{p}/assets/images/{ds}", Anonymous, 401),
    ("POST /v1/projects/{p}/assets/images/{ds}", Viewer, 403),
    ("POST /v1/projects/{p}/assets/images/{ds}", Editor, 200),
    ("POST /v1/projects/{p}/assets/images/{ds}", Admin, 200),
    ("POST /v1/projects/{p}/assets/images/{ds}", OtherAdmin, 403),
    ("POST /v1/projects/{p}/assets/images/{ds}", Global, 200),
    ("POST /v1/projects/{p}/assets/files/{ds}", Anonymous, 401),
    ("POST /v1/projects/{p}/assets/files/{ds}", Viewer, 403),
    ("POST /v1/projects/{p}/assets/files/{ds}", Editor, 200),
    ("POST /v1/projects/{p}/assets/files/{ds}", Admin, 200),
    ("POST /v1/projects/{p}/assets/files/{ds}", OtherAdmin, 403),
    ("POST /v1/projects/{p}/assets/files/{ds}", Global, 200),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", Anonymous, 401),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", Viewer, 200),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", Editor, 200),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", Admin, 200),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", OtherAdmin, 403),
    ("GET /v1/projects/{p}/data/doc/{priv}/{id}", Global, 200),
    ("POST /v1/projects/{p}/data/mutate/{ds}", Anonymous, 401),
    ("POST /v1/projects/{p}/data/mutate/{ds}", Viewer, 403),
    ("POST /v1/projects/{p}/data/mutate/{ds}", Editor, 200),
    ("POST /v1/projects/{p}/data/mutate/{ds}", Admin, 200),
    ("POST /v1/projects/{p}/data/mutate/{ds}", OtherAdmin, 403),
    ("POST /v1/projects/{p}/data/mutate/{ds}", Global, 200),
    ("GET /v1/data/doc/{ds}/{id}", Anonymous, 200),
    ("GET /v1/data/doc/{ds}/{id}", Viewer, 200),
    ("GET /v1/data/doc/{ds}/{id}", Editor, 200),
    ("GET /v1/data/doc/{ds}/{id}", Admin, 200),
    ("GET /v1/data/doc/{ds}/{id}", OtherAdmin, 200),
    ("GET /v1/data/doc/{ds}/{id}", Global, 200),
    ("GET /v1/data/doc/{priv}/{id}", Anonymous, 401),
    ("GET /v1/data/doc/{priv}/{id}", Viewer, 200),
    ("GET /v1/data/doc/{priv}/{id}", Editor, 200),
    ("GET /v1/data/doc/{priv}/{id}", Admin, 200),
    ("GET /v1/data/doc/{priv}/{id}", OtherAdmin, 403),
    ("GET /v1/data/doc/{priv}/{id}", Global, 200),
    ("POST /v1/data/mutate/{ds}", Anonymous, 401),
    ("POST /v1/data/mutate/{ds}", Viewer, 403),
    ("POST /v1/data/mutate/{ds}", Editor, 200),
    ("POST /v1/data/mutate/{ds}", Admin, 200),
    ("POST /v1/data/mutate/{ds}", OtherAdmin, 403),
    ("POST /v1/data/mutate/{ds}", Global, 200),
    ("GET /images/{p}/{ds}/{image}", Anonymous, 200),
    ("GET /images/{p}/{ds}/{image}", Viewer, 200),
    ("GET /images/{p}/{ds}/{image}", Editor, 200),
    ("GET /images/{p}/{ds}/{image}", Admin, 200),
    ("GET /images/{p}/{ds}/{image}", OtherAdmin, 200),
    ("GET /images/{p}/{ds}/{image}", Global, 200),
    ("GET /images/{p}/{priv}/{image}", Anonymous, 403),
    ("GET /images/{p}/{priv}/{image}", Viewer, 200),
    ("GET /images/{p}/{priv}/{image}", Editor, 200),
    ("GET /images/{p}/{priv}/{image}", Admin, 200),
    ("GET /images/{p}/{priv}/{image}", OtherAdmin, 403),
    ("GET /images/{p}/{priv}/{image}", Global, 200),
    ("GET /files/{p}/{ds}/{file}", Anonymous, 200),
    ("GET /files/{p}/{ds}/{file}", Viewer, 200),
    ("GET /files/{p}/{ds}/{file}", Editor, 200),
    ("GET /files/{p}/{ds}/{file}", Admin, 200),
    ("GET /files/{p}/{ds}/{file}", OtherAdmin, 200),
    ("GET /files/{p}/{ds}/{file}", Global, 200),
    ("GET /files/{p}/{priv}/{file}", Anonymous, 403),
    ("GET /files/{p}/{priv}/{file}", Viewer, 200),
    ("GET /files/{p}/{priv}/{file}", Editor, 200),
    ("GET /files/{p}/{priv}/{file}", Admin, 200),
    ("GET /files/{p}/{priv}/{file}", OtherAdmin, 403),
    ("GET /files/{p}/{priv}/{file}", Global, 200),
    ("GET /assets", Anonymous, 401),
    ("GET /assets", Viewer, 200),
    ("GET /assets", Editor, 200),
    ("GET /assets", Admin, 200),
    ("GET /assets", OtherAdmin, 403),
    ("GET /assets", Global, 200),
    ("POST /assets", Anonymous, 401),
    ("POST /assets", Viewer, 403),
    ("POST /assets", Editor, 200),
    ("POST /assets", Admin, 200),
    ("POST /assets", OtherAdmin, 403),
    ("POST /assets", Global, 200),
    ("PATCH /assets/{asset}", Anonymous, 401),
    ("PATCH /assets/{asset}", Viewer, 403),
    ("PATCH /assets/{asset}", Editor, 200),
    ("PATCH /assets/{asset}", Admin, 200),
    ("PATCH /assets/{asset}", OtherAdmin, 403),
    ("PATCH /assets/{asset}", Global, 200),
    ("DELETE /assets/{asset}", Anonymous, 401),
    ("DELETE /assets/{asset}", Viewer, 403),
    ("DELETE /assets/{asset}", Editor, 204),
    ("DELETE /assets/{asset}", Admin, 204),
    ("DELETE /assets/{asset}", OtherAdmin, 403),
    ("DELETE /assets/{asset}", Global, 204),
    ("GET /health", Anonymous, 200),
    ("GET /health", Viewer, 200),
    ("GET /health", Editor, 200),
    ("GET /health", Admin, 200),
    ("GET /health", OtherAdmin, 200),
    ("GET /health", Global, 200),
    ("GET /ready", Anonymous, 200),
    ("GET /ready", Viewer, 200),
    ("GET /ready", Editor, 200),
    ("GET /ready", Admin, 200),
    ("GET /ready", OtherAdmin, 200),
    ("GET /ready", Global, 200),
    ("GET /metrics", Anonymous, 200),
    ("GET /metrics", Viewer, 200),
    ("GET /metrics", Editor, 200),
    ("GET /metrics", Admin, 200),
    ("GET /metrics", OtherAdmin, 200),
    ("GET /metrics", Global, 200),
];

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
    // Every route has exactly one line per caller.
    let mut routes: Vec<&str> = TABLE.iter().map(|(r, _, _)| *r).collect();
    routes.dedup();
    for route in &routes {
        let whos: Vec<Who> = TABLE
            .iter()
            .filter(|(r, _, _)| r == route)
            .map(|(_, w, _)| *w)
            .collect();
        assert_eq!(whos, WHO, "{route}: one line per caller, in order");
    }
    let other = new_cell(&server);
    let failures = std::sync::Mutex::new(Vec::new());
    let cells: Vec<&(&str, Who, u16)> = TABLE.iter().collect();
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
        TABLE.len(),
        failures.join("\n")
    );
    println!(
        "roles: {} cells over {} routes on {}",
        TABLE.len(),
        routes.len(),
        common::backend_name()
    );
}
