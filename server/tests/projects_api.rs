//! The Sanity Projects API over HTTP: projects, datasets, CORS entries, tokens, features,
//! permissions, users and tags, with their exact fields, errors and cascades.

mod common;

use common::{fixture, Server, ADMIN};
use serde_json::{json, Value};

const V: &str = "/v2021-06-07";

fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 20 && s.ends_with('Z'))
}

/// POST /projects creates (global admin only), GET lists and reads, PATCH edits.
#[test]
fn projects_create_list_get_patch() {
    let server = Server::start();
    let id = format!("q{}", common::unique(8));
    let created = server.call(
        "POST",
        &format!("{V}/projects"),
        Some(ADMIN),
        &[],
        Some(
            &json!({"id": id, "displayName": "My Project", "metadata": {"color": "#112233"},
                     "activityFeedEnabled": true, "isBlocked": false}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    let created_at = body["createdAt"].clone();
    assert!(is_time(&created_at), "{body}");
    assert_eq!(
        body,
        json!({"id": id, "displayName": "My Project", "studioHost": null, "organizationId": null,
               "metadata": {"color": "#112233"}, "isBlocked": false, "isDisabled": false,
               "activityFeedEnabled": true, "createdAt": created_at, "members": []})
    );
    // The same ID again, bad bodies, and callers that may not create.
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"id": id, "displayName": "x"})),
        )
        .assert_error(409, "Conflict", "already exists");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"id": "x"})),
        )
        .assert_error(400, "Bad Request", "displayName");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"displayName": "x", "organizationId": "org_1"})),
        )
        .assert_error(400, "Bad Request", "organizationId");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"displayName": "x", "id": "Bad_Id"})),
        )
        .assert_error(400, "Bad Request", "id \"Bad_Id\"");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"displayName": "x", "isDisabled": true})),
        )
        .assert_error(400, "Bad Request", "isDisabled");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(ADMIN),
            &[],
            Some(&json!({"displayName": "x", "colour": 1})),
        )
        .assert_error(400, "Bad Request", "unknown field \"colour\"");
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            None,
            &[],
            Some(&json!({"displayName": "x"})),
        )
        .assert_error(401, "Unauthorized", "Authorization required");
    // Without an id, one is made: 8 hex digits.
    let made = server.call(
        "POST",
        &format!("{V}/projects"),
        Some(ADMIN),
        &[],
        Some(&json!({"displayName": "Auto"})),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let auto = made.json()["id"].as_str().unwrap().to_owned();
    assert!(
        auto.len() == 8 && auto.bytes().all(|c| c.is_ascii_hexdigit()),
        "{auto}"
    );

    // A project administrator token of the new project.
    let token = server.call(
        "POST",
        &format!("{V}/projects/{id}/tokens"),
        Some(ADMIN),
        &[],
        Some(&json!({"label": "ci", "roleName": "administrator"})),
    );
    assert_eq!(token.status, 200, "{}", token.text());
    let token = token.json();
    let key = token["key"].as_str().unwrap().to_owned();
    let user = format!("robot-{}", token["id"].as_str().unwrap());
    server
        .call(
            "POST",
            &format!("{V}/projects"),
            Some(&key),
            &[],
            Some(&json!({"displayName": "x"})),
        )
        .assert_error(403, "Forbidden", "global administrator");

    // The global admin lists every project; a project token only its own.
    let all = server
        .call("GET", &format!("{V}/projects"), Some(ADMIN), &[], None)
        .json();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for want in [id.as_str(), auto.as_str(), server.project.as_str()] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let own = server
        .call("GET", &format!("{V}/projects"), Some(&key), &[], None)
        .json();
    let member = json!({"id": user, "role": "administrator", "roles": [{"name": "administrator",
        "title": "Administrator",
        "description": "Manages the project: its settings, datasets, CORS origins, tokens and tags"}]});
    let expected = json!({"id": id, "displayName": "My Project", "studioHost": null,
        "organizationId": null, "metadata": {"color": "#112233"}, "isBlocked": false,
        "isDisabled": false, "activityFeedEnabled": true, "createdAt": created_at,
        "members": [member]});
    assert_eq!(own, json!([expected]));
    let bare = server
        .call(
            "GET",
            &format!("{V}/projects?includeMembers=false"),
            Some(&key),
            &[],
            None,
        )
        .json();
    assert!(bare[0].get("members").is_none(), "{bare}");
    assert_eq!(bare[0]["id"], id.as_str());
    let none = server.call(
        "GET",
        &format!("{V}/projects?organizationId=org_1"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(none.json(), json!([]));
    server
        .call("GET", &format!("{V}/projects"), None, &[], None)
        .assert_error(401, "Unauthorized", "Authorization");
    assert_eq!(
        server
            .call("GET", &format!("{V}/projects/{id}"), Some(&key), &[], None)
            .json(),
        expected
    );
    server
        .call(
            "GET",
            &format!("{V}/projects/{}", server.project),
            Some(&key),
            &[],
            None,
        )
        .assert_error(403, "Forbidden", "does not belong");
    server
        .call(
            "GET",
            &format!("{V}/projects/nope{}", common::unique(6)),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not found");

    // PATCH merges the metadata and answers the project.
    let patched = server.call(
        "PATCH",
        &format!("{V}/projects/{id}"),
        Some(&key),
        &[],
        Some(&json!({
        "displayName": "Renamed", "studioHost": "my-project",
        "metadata": {"externalStudioHost": "https://studio.example.com"},
        "activityFeedEnabled": false, "isDisabledByUser": false})),
    );
    assert_eq!(patched.status, 200, "{}", patched.text());
    let p = patched.json();
    assert_eq!(p["displayName"], "Renamed");
    assert_eq!(p["studioHost"], "my-project");
    assert_eq!(
        p["metadata"],
        json!({"color": "#112233", "externalStudioHost": "https://studio.example.com"})
    );
    assert_eq!(p["activityFeedEnabled"], false);
    assert_eq!(
        server
            .call("GET", &format!("{V}/projects/{id}"), Some(ADMIN), &[], None)
            .json(),
        p
    );
    server
        .call(
            "PATCH",
            &format!("{V}/projects/{id}"),
            Some(&key),
            &[],
            Some(&json!({"isDisabledByUser": true})),
        )
        .assert_error(400, "Bad Request", "isDisabledByUser");
    server
        .call(
            "PATCH",
            &format!("{V}/projects/{id}"),
            Some(&key),
            &[],
            Some(&json!({"displayName": 3})),
        )
        .assert_error(400, "Bad Request", "displayName: expected a string");
    server
        .call(
            "PATCH",
            &format!("{V}/projects/{id}"),
            Some(&key),
            &[],
            Some(&json!({"members": []})),
        )
        .assert_error(400, "Bad Request", "unknown field \"members\"");
    server
        .call(
            "PATCH",
            &format!("{V}/projects/{id}"),
            Some(&key),
            &[],
            Some(&json!(["x"])),
        )
        .assert_error(400, "Bad Request", "JSON object");
}

/// Datasets: create (PUT and POST), name rules, list, get, aclMode edit, delete, on both path
/// forms; tags on datasets.
#[test]
fn datasets_and_tags() {
    let server = Server::start();
    let p = server.project.clone();
    let hdr = [("X-Sanity-Project-ID", p.as_str())];
    let created = server.call(
        "PUT",
        &format!("{V}/projects/{p}/datasets/staging"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(created.status, 200, "{}", created.text());
    assert_eq!(
        created.json(),
        json!({"datasetName": "staging", "aclMode": "private"})
    );
    // The header form, with no body: public by default.
    let short = server.call(
        "PUT",
        &format!("{V}/datasets/dev_1"),
        Some(ADMIN),
        &hdr,
        None,
    );
    assert_eq!(
        short.json(),
        json!({"datasetName": "dev_1", "aclMode": "public"})
    );
    let posted = server.call(
        "POST",
        &format!("{V}/projects/{p}/datasets/9-x"),
        Some(ADMIN),
        &[],
        Some(&json!({})),
    );
    assert_eq!(
        posted.json(),
        json!({"datasetName": "9-x", "aclMode": "public"})
    );
    let longest = "a".repeat(64);
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/datasets/{longest}"),
                Some(ADMIN),
                &hdr,
                None
            )
            .status,
        200
    );
    for bad in ["Upper", "-lead", "_lead", "dot.ted", &"a".repeat(65)] {
        server
            .call(
                "PUT",
                &format!("{V}/datasets/{bad}"),
                Some(ADMIN),
                &hdr,
                None,
            )
            .assert_error(400, "Bad Request", "^[a-z0-9][a-z0-9_-]{0,63}$");
    }
    server
        .call(
            "PUT",
            &format!("{V}/datasets/staging"),
            Some(ADMIN),
            &hdr,
            None,
        )
        .assert_error(409, "Conflict", "already exists");
    server
        .call(
            "PUT",
            &format!("{V}/datasets/x1"),
            Some(ADMIN),
            &hdr,
            Some(&json!({"aclMode": "secret"})),
        )
        .assert_error(400, "Bad Request", "aclMode");
    server
        .call(
            "PUT",
            &format!("{V}/datasets/x1"),
            Some(ADMIN),
            &hdr,
            Some(&json!({"embeddings": {}})),
        )
        .assert_error(400, "Bad Request", "unknown field \"embeddings\"");
    let list = json!([
        {"name": "9-x", "aclMode": "public"},
        {"name": longest, "aclMode": "public"},
        {"name": "dev_1", "aclMode": "public"},
        {"name": "production", "aclMode": "public"},
        {"name": "staging", "aclMode": "private"},
    ]);
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{p}/datasets"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        list
    );
    assert_eq!(
        server
            .call("GET", &format!("{V}/datasets"), Some(ADMIN), &hdr, None)
            .json(),
        list
    );
    // The host names the project, as with `useProjectHostname: true`.
    let host = format!("{p}.api.example.com");
    let by_host = server.call(
        "GET",
        &format!("{V}/datasets"),
        Some(ADMIN),
        &[("Host", &host)],
        None,
    );
    assert_eq!(by_host.json(), list);
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/datasets/staging"),
                Some(ADMIN),
                &hdr,
                None
            )
            .json(),
        json!({"name": "staging", "aclMode": "private"})
    );
    server
        .call(
            "GET",
            &format!("{V}/datasets/nothere"),
            Some(ADMIN),
            &hdr,
            None,
        )
        .assert_error(404, "Not Found", "\"nothere\" not found");
    server
        .call("GET", &format!("{V}/datasets"), Some(ADMIN), &[], None)
        .assert_error(400, "Bad Request", "No project");

    // aclMode edits take effect on the CDN at once (the row cache is dropped).
    let png = fixture("two-colour-48x32.png");
    let doc = server.upload_ok("images", &png, "");
    let path = doc["path"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 200);
    let edited = server.call(
        "PATCH",
        &format!("{V}/datasets/production"),
        Some(ADMIN),
        &hdr,
        Some(&json!({"aclMode": "private"})),
    );
    assert_eq!(
        edited.json(),
        json!({"datasetName": "production", "aclMode": "private"})
    );
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 403);
    let back = server.call(
        "PATCH",
        &format!("{V}/projects/{p}/datasets/production"),
        Some(ADMIN),
        &[],
        Some(&json!({"aclMode": "public"})),
    );
    assert_eq!(
        back.json(),
        json!({"datasetName": "production", "aclMode": "public"})
    );
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 200);
    server
        .call(
            "PATCH",
            &format!("{V}/datasets/production"),
            Some(ADMIN),
            &hdr,
            Some(&json!({})),
        )
        .assert_error(400, "Bad Request", "aclMode: required");
    server
        .call(
            "PATCH",
            &format!("{V}/datasets/gone"),
            Some(ADMIN),
            &hdr,
            Some(&json!({"aclMode": "public"})),
        )
        .assert_error(404, "Not Found", "\"gone\" not found");

    // Tags: create, rename, assign, list per dataset, delete only when unassigned.
    let tag = server.call("POST", &format!("{V}/projects/{p}/tags"), Some(ADMIN), &[], Some(&json!({"name": "live", "title": "Live", "description": "On air", "metadata": {"tone": "positive"}})));
    assert_eq!(tag.status, 200, "{}", tag.text());
    assert_eq!(
        tag.json(),
        json!({"name": "live", "title": "Live", "description": "On air", "metadata": {"tone": "positive"}, "datasets": []})
    );
    let plain = server.call(
        "POST",
        &format!("{V}/projects/{p}/tags"),
        Some(ADMIN),
        &[],
        Some(&json!({"name": "old"})),
    );
    assert_eq!(
        plain.json(),
        json!({"name": "old", "title": "old", "description": "", "metadata": {"tone": "default"}, "datasets": []})
    );
    server
        .call(
            "POST",
            &format!("{V}/projects/{p}/tags"),
            Some(ADMIN),
            &[],
            Some(&json!({"name": "live"})),
        )
        .assert_error(409, "Conflict", "already exists");
    server
        .call(
            "POST",
            &format!("{V}/projects/{p}/tags"),
            Some(ADMIN),
            &[],
            Some(&json!({"title": "No name"})),
        )
        .assert_error(400, "Bad Request", "name: required");
    server
        .call(
            "POST",
            &format!("{V}/projects/{p}/tags"),
            Some(ADMIN),
            &[],
            Some(&json!({"name": "t", "metadata": {"tone": "pink"}})),
        )
        .assert_error(400, "Bad Request", "tone");
    let assigned = server.call(
        "PUT",
        &format!("{V}/projects/{p}/datasets/staging/tags/old"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(assigned.json()["datasets"], json!(["staging"]));
    let renamed = server.call(
        "PUT",
        &format!("{V}/projects/{p}/tags/old"),
        Some(ADMIN),
        &[],
        Some(&json!({"name": "archived", "title": "Archived"})),
    );
    assert_eq!(
        renamed.json(),
        json!({"name": "archived", "title": "Archived", "description": "", "metadata": {"tone": "default"}, "datasets": ["staging"]})
    );
    server
        .call(
            "PUT",
            &format!("{V}/projects/{p}/tags/archived"),
            Some(ADMIN),
            &[],
            Some(&json!({"name": "live"})),
        )
        .assert_error(409, "Conflict", "already exists");
    server
        .call(
            "PUT",
            &format!("{V}/projects/{p}/tags/old"),
            Some(ADMIN),
            &[],
            Some(&json!({"title": "x"})),
        )
        .assert_error(404, "Not Found", "\"old\" not found");
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/datasets/staging/tags/live"),
                Some(ADMIN),
                &hdr,
                None
            )
            .status,
        200
    );
    let tags = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/datasets/staging/tags"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(
        tags,
        json!([
            {"name": "archived", "title": "Archived", "description": "", "metadata": {"tone": "default"}, "datasets": ["staging"]},
            {"name": "live", "title": "Live", "description": "On air", "metadata": {"tone": "positive"}, "datasets": ["staging"]},
        ])
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/datasets/production/tags"),
                Some(ADMIN),
                &hdr,
                None
            )
            .json(),
        json!([])
    );
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/tags/live"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(409, "Conflict", "assigned");
    server
        .call(
            "PUT",
            &format!("{V}/datasets/staging/tags/nosuch"),
            Some(ADMIN),
            &hdr,
            None,
        )
        .assert_error(404, "Not Found", "\"nosuch\" not found");
    let removed = server.call(
        "DELETE",
        &format!("{V}/datasets/staging/tags/live"),
        Some(ADMIN),
        &hdr,
        None,
    );
    assert_eq!(removed.json(), json!({"deleted": true}));
    server
        .call(
            "DELETE",
            &format!("{V}/datasets/staging/tags/live"),
            Some(ADMIN),
            &hdr,
            None,
        )
        .assert_error(404, "Not Found", "not assigned");
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("{V}/projects/{p}/tags/live"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!({"deleted": true})
    );
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/tags/live"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not found");

    // Deleting a dataset takes its assets and tag assignments with it.
    let doc = server.call(
        "POST",
        &format!("{V}/projects/{p}/assets/images/dev_1"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(doc.status, 400, "an empty upload: {}", doc.text());
    let url = format!("{V}/assets/images/dev_1");
    let up = server.post(
        &url,
        &[
            ("Authorization", &format!("Bearer {ADMIN}")),
            ("X-Sanity-Project-ID", &p),
        ],
        &png,
    );
    assert_eq!(up.status, 200, "{}", up.text());
    let dev_path = up.json()["document"]["path"].as_str().unwrap().to_owned();
    let dev_id = up.json()["document"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&format!("/{dev_path}?w=10"), &[]).status, 200);
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/datasets/dev_1/tags/archived"),
                Some(ADMIN),
                &hdr,
                None
            )
            .status,
        200
    );
    let deleted = server.call(
        "DELETE",
        &format!("{V}/datasets/dev_1"),
        Some(ADMIN),
        &hdr,
        None,
    );
    assert_eq!(deleted.json(), json!({"deleted": true}));
    assert_eq!(server.get(&format!("/{dev_path}"), &[]).status, 404);
    assert_eq!(server.get(&format!("/{dev_path}?w=10"), &[]).status, 404);
    server
        .call(
            "GET",
            &format!("{V}/data/doc/dev_1/{dev_id}"),
            Some(ADMIN),
            &hdr,
            None,
        )
        .assert_error(404, "Not Found", "\"dev_1\" not found");
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/datasets/dev_1"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not found");
    // Re-created, it is empty and its tags are gone.
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/datasets/dev_1"),
                Some(ADMIN),
                &hdr,
                None
            )
            .status,
        200
    );
    assert_eq!(server.get(&format!("/{dev_path}"), &[]).status, 404);
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/datasets/dev_1/tags"),
                Some(ADMIN),
                &hdr,
                None
            )
            .json(),
        json!([])
    );
    // The other dataset's copy of the same bytes still serves.
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 200);
}

/// CORS entries, tokens, features, permissions and users.
#[test]
fn cors_tokens_features_permissions_users() {
    let server = Server::start();
    let p = server.project.clone();
    let cors = server.call(
        "POST",
        &format!("{V}/projects/{p}/cors"),
        Some(ADMIN),
        &[],
        Some(&json!({"origin": "https://*.Example.com", "allowCredentials": true})),
    );
    assert_eq!(cors.status, 201, "{}", cors.text());
    let entry = cors.json();
    let id = entry["id"].as_i64().expect("integer id");
    assert!(is_time(&entry["createdAt"]), "{entry}");
    assert_eq!(
        entry,
        json!({"id": id, "origin": "https://*.example.com", "allowCredentials": true, "createdAt": entry["createdAt"]})
    );
    let second = server
        .call(
            "POST",
            &format!("{V}/projects/{p}/cors"),
            Some(ADMIN),
            &[],
            Some(&json!({"origin": "http://localhost:3333"})),
        )
        .json();
    assert_eq!(second["allowCredentials"], false);
    server
        .call(
            "POST",
            &format!("{V}/projects/{p}/cors"),
            Some(ADMIN),
            &[],
            Some(&json!({"origin": "http://localhost:3333"})),
        )
        .assert_error(409, "Conflict", "already exists");
    for bad in [
        "localhost:3333",
        "https://example.com/path",
        "*",
        "https://",
        "http://a:99999",
    ] {
        server
            .call(
                "POST",
                &format!("{V}/projects/{p}/cors"),
                Some(ADMIN),
                &[],
                Some(&json!({"origin": bad})),
            )
            .assert_error(400, "Bad Request", "scheme://host[:port]");
    }
    server
        .call(
            "POST",
            &format!("{V}/projects/{p}/cors"),
            Some(ADMIN),
            &[],
            Some(&json!({})),
        )
        .assert_error(400, "Bad Request", "origin: required");
    let list = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/cors"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(list, json!([entry, second]));
    let gone = server.call(
        "DELETE",
        &format!("{V}/projects/{p}/cors/{id}"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(gone.json(), json!({"id": id, "deleted": true}));
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/cors/{id}"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not found");
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/cors/abc"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(400, "Bad Request", "expected an integer");
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{p}/cors"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!([second])
    );

    // Tokens: the key once, a hash stored, roles enforced, deletion effective at once.
    let made = server.call(
        "POST",
        &format!("{V}/projects/{p}/tokens"),
        Some(ADMIN),
        &[],
        Some(&json!({"label": "uploader", "roleName": "editor"})),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let t = made.json();
    let tid = t["id"].as_str().unwrap().to_owned();
    let key = t["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("pxt_") && key.len() == 68, "{key}");
    assert_eq!(
        t,
        json!({"id": tid, "label": "uploader", "key": key, "projectUserId": format!("robot-{tid}"), "roles": [{"name": "editor", "title": "Editor"}]})
    );
    let viewer = server
        .call(
            "POST",
            &format!("{V}/projects/{p}/tokens"),
            Some(ADMIN),
            &[],
            Some(&json!({"label": "reader", "roleName": "viewer"})),
        )
        .json();
    let vkey = viewer["key"].as_str().unwrap().to_owned();
    let vid = viewer["id"].as_str().unwrap().to_owned();
    for (body, needle) in [
        (
            json!({"label": "x", "roleName": "deploy-studio"}),
            "roleName: expected viewer, editor or administrator",
        ),
        (json!({"roleName": "viewer"}), "label: required"),
        (json!({"label": "x"}), "roleName: required"),
    ] {
        server
            .call(
                "POST",
                &format!("{V}/projects/{p}/tokens"),
                Some(ADMIN),
                &[],
                Some(&body),
            )
            .assert_error(400, "Bad Request", needle);
    }
    let listed = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/tokens"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    let items = listed.as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    assert!(is_time(&items[0]["createdAt"]));
    let mine = items
        .iter()
        .find(|i| i["id"] == tid.as_str())
        .expect("listed");
    assert_eq!(
        mine,
        &json!({"id": tid, "label": "uploader", "projectUserId": format!("robot-{tid}"), "createdAt": mine["createdAt"], "roles": [{"name": "editor", "title": "Editor"}]})
    );
    assert!(
        !listed.to_string().contains(&key),
        "the key is never listed"
    );
    let png = fixture("two-colour-48x32.png");
    let upload = |k: &str| {
        server.post(
            &format!("{V}/assets/images/production"),
            &[
                ("Authorization", &format!("Bearer {k}")),
                ("X-Sanity-Project-ID", &p),
            ],
            &png,
        )
    };
    assert_eq!(upload(&key).status, 200);
    upload(&vkey).assert_error(403, "Forbidden", "insufficient");
    server
        .call(
            "GET",
            &format!("{V}/projects/{p}/tokens"),
            Some(&key),
            &[],
            None,
        )
        .assert_error(403, "Forbidden", "insufficient");

    // Features, permissions, users.
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{p}/features"),
                Some(&vkey),
                &[],
                None
            )
            .json(),
        json!(["privateDataset"])
    );
    let read = json!([
        "sanity.project.read",
        "sanity.datasets.read",
        "sanity.documents.read"
    ]);
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{p}/permissions"),
                Some(&vkey),
                &[],
                None
            )
            .json(),
        read
    );
    let perms = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/permissions"),
            Some(&key),
            &[],
            None,
        )
        .json();
    assert_eq!(
        perms,
        json!([
            "sanity.project.read",
            "sanity.datasets.read",
            "sanity.documents.read",
            "sanity.documents.create",
            "sanity.documents.update",
            "sanity.documents.delete"
        ])
    );
    let admin_perms = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/permissions"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(admin_perms.as_array().unwrap().len(), 12);
    assert_eq!(admin_perms[11], "sanity.tags.manage");
    let me = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/users/me"),
            Some(&key),
            &[],
            None,
        )
        .json();
    assert!(is_time(&me["createdAt"]), "{me}");
    let uid = format!("robot-{tid}");
    assert_eq!(
        me,
        json!({"id": uid, "sanityUserId": uid, "projectId": p, "displayName": "uploader", "familyName": null, "givenName": null, "imageUrl": null, "createdAt": me["createdAt"], "updatedAt": me["createdAt"]})
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{p}/users/{uid}"),
                Some(&vkey),
                &[],
                None
            )
            .json(),
        me
    );
    server
        .call(
            "GET",
            &format!("{V}/projects/{p}/users/robot-nobody"),
            Some(&vkey),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not a member");

    // Deleting a token: the next request with it is 401.
    let del = server.call(
        "DELETE",
        &format!("{V}/projects/{p}/tokens/{tid}"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(del.json(), json!({"deleted": true, "id": tid}));
    upload(&key).assert_error(401, "Unauthorized", "Unknown or revoked token");
    server
        .call(
            "DELETE",
            &format!("{V}/projects/{p}/tokens/{tid}"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "not found");
    let left = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/tokens"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], vid.as_str());
}

/// Deleting a project takes its datasets, assets, tokens, CORS entries and tags; its tokens
/// and URLs stop at once.
#[test]
fn project_delete_cascades() {
    let server = Server::start();
    let id = format!("d{}", common::unique(8));
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects"),
                Some(ADMIN),
                &[],
                Some(&json!({"id": id, "displayName": "Doomed"}))
            )
            .status,
        201
    );
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/projects/{id}/datasets/media"),
                Some(ADMIN),
                &[],
                None
            )
            .status,
        200
    );
    let key = server
        .call(
            "POST",
            &format!("{V}/projects/{id}/tokens"),
            Some(ADMIN),
            &[],
            Some(&json!({"label": "a", "roleName": "administrator"})),
        )
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects/{id}/cors"),
                Some(&key),
                &[],
                Some(&json!({"origin": "https://a.example"}))
            )
            .status,
        201
    );
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects/{id}/tags"),
                Some(&key),
                &[],
                Some(&json!({"name": "t"}))
            )
            .status,
        200
    );
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/projects/{id}/datasets/media/tags/t"),
                Some(&key),
                &[],
                None
            )
            .status,
        200
    );
    let png = fixture("two-colour-48x32.png");
    let up = server.post(
        &format!("{V}/projects/{id}/assets/images/media"),
        &[("Authorization", &format!("Bearer {key}"))],
        &png,
    );
    assert_eq!(up.status, 200, "{}", up.text());
    let path = up.json()["document"]["path"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 200);
    assert_eq!(server.get(&format!("/{path}?w=12"), &[]).status, 200);
    // The same bytes in the test's own project share the blob and must survive.
    let keep = server.upload_ok("images", &png, "");
    let keep_path = keep["path"].as_str().unwrap().to_owned();

    let deleted = server.call(
        "DELETE",
        &format!("{V}/projects/{id}"),
        Some(&key),
        &[],
        None,
    );
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    assert_eq!(deleted.json(), json!({"deleted": true}));
    server
        .call("GET", &format!("{V}/projects/{id}"), Some(&key), &[], None)
        .assert_error(401, "Unauthorized", "Unknown or revoked token");
    server
        .call("GET", &format!("{V}/projects/{id}"), Some(ADMIN), &[], None)
        .assert_error(404, "Not Found", "not found");
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 404);
    assert_eq!(server.get(&format!("/{path}?w=12"), &[]).status, 404);
    assert_eq!(server.get(&format!("/{keep_path}"), &[]).status, 200);
    // Re-created under the same ID, nothing of the old project is back.
    assert_eq!(
        server
            .call(
                "POST",
                &format!("{V}/projects"),
                Some(ADMIN),
                &[],
                Some(&json!({"id": id, "displayName": "Again"}))
            )
            .status,
        201
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{id}/datasets"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!([])
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{id}/cors"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!([])
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{id}/tokens"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!([])
    );
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("{V}/projects/{id}/datasets/media"),
                Some(ADMIN),
                &[],
                None
            )
            .status,
        200
    );
    assert_eq!(
        server
            .call(
                "GET",
                &format!("{V}/projects/{id}/datasets/media/tags"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!([])
    );
    assert_eq!(server.get(&format!("/{path}"), &[]).status, 404);
    // Deleting it again as the global administrator.
    assert_eq!(
        server
            .call(
                "DELETE",
                &format!("{V}/projects/{id}"),
                Some(ADMIN),
                &[],
                None
            )
            .json(),
        json!({"deleted": true})
    );
}
