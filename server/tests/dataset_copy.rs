//! Dataset copy over HTTP: `PUT …/datasets/{name}/copy` answers at once with a pending job, the
//! job copies every asset row in the background without adding a blob, and
//! `GET …/datasets/{name}/copy` lists the jobs with their state.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{fixture, png_chunk, Server, ADMIN};
use pixform_server::db::{AclMode, CopyJobRow};
use serde_json::{json, Value};

const V: &str = "/v2021-06-07";

/// Files uploaded to the source dataset.
const FILES: usize = 1000;
/// Images uploaded to the source dataset (distinct PNGs), on top of the files.
const IMAGES: usize = 24;

/// The 48×32 fixture PNG with a text chunk that makes its bytes (so its SHA-1) unique.
fn distinct_png(i: usize) -> Vec<u8> {
    let png = fixture("two-colour-48x32.png");
    // Signature (8) + IHDR chunk (4 + 4 + 13 + 4).
    let split = 8 + 25;
    let mut out = png[..split].to_vec();
    png_chunk(
        &mut out,
        b"tEXt",
        format!("Comment\0copy test {i}").as_bytes(),
    );
    out.extend_from_slice(&png[split..]);
    out
}

fn upload_all(server: &Server) -> Vec<(Value, Vec<u8>)> {
    let threads = 4;
    let total = FILES + IMAGES;
    let mut all: Vec<(usize, Value, Vec<u8>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for i in (t..total).step_by(threads) {
                        let (kind, bytes) = if i < FILES {
                            ("files", format!("copy test file {i}\n").into_bytes())
                        } else {
                            ("images", distinct_png(i))
                        };
                        let doc = server.upload_ok(kind, &bytes, &format!("filename=a{i}"));
                        out.push((i, doc, bytes));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    all.sort_by_key(|(i, _, _)| *i);
    all.into_iter().map(|(_, d, b)| (d, b)).collect()
}

fn copy_history(server: &Server, dataset: &str, query: &str) -> Value {
    let got = server.call(
        "GET",
        &format!(
            "{V}/projects/{}/datasets/{dataset}/copy{query}",
            server.project
        ),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(got.status, 200, "{}", got.text());
    got.json()
}

#[test]
fn copy_a_dataset_of_a_thousand_assets() {
    let started = Instant::now();
    let server = Server::start();
    let p = server.project.clone();
    let uploaded = upload_all(&server);
    assert_eq!(uploaded.len(), FILES + IMAGES);
    let blobs_before = server.blob_count();
    assert_eq!(blobs_before, FILES + IMAGES);
    let upload_time = started.elapsed();

    // Bad requests first: nothing is created by them.
    let path = format!("{V}/projects/{p}/datasets/production/copy");
    server
        .call("PUT", &path, Some(ADMIN), &[], Some(&json!({})))
        .assert_error(400, "Bad Request", "targetDataset: required");
    server
        .call(
            "PUT",
            &path,
            Some(ADMIN),
            &[],
            Some(&json!({"targetDataset": "Bad Name"})),
        )
        .assert_error(400, "Bad Request", "targetDataset \"Bad Name\"");
    server
        .call(
            "PUT",
            &path,
            Some(ADMIN),
            &[],
            Some(&json!({"targetDataset": "x", "nope": 1})),
        )
        .assert_error(400, "Bad Request", "nope");
    server
        .call(
            "PUT",
            &path,
            Some(ADMIN),
            &[],
            Some(&json!({"targetDataset": "production"})),
        )
        .assert_error(409, "Conflict", "onto itself");
    server
        .call(
            "PUT",
            &format!("{V}/projects/{p}/datasets/missing/copy"),
            Some(ADMIN),
            &[],
            Some(&json!({"targetDataset": "x"})),
        )
        .assert_error(404, "Not Found", "missing");
    server
        .call("GET", &format!("{path}?state=done"), Some(ADMIN), &[], None)
        .assert_error(400, "Bad Request", "state: expected pending");
    server
        .call("GET", &format!("{path}?limit=-1"), Some(ADMIN), &[], None)
        .assert_error(400, "Bad Request", "limit: expected an integer");
    assert_eq!(copy_history(&server, "production", ""), json!([]));

    let t0 = Instant::now();
    let answer = server.call(
        "PUT",
        &path,
        Some(ADMIN),
        &[],
        Some(&json!({"targetDataset": "copy", "skipHistory": true, "aclMode": "public"})),
    );
    let answer_time = t0.elapsed();
    let me = server
        .call(
            "GET",
            &format!("{V}/projects/{p}/users/me"),
            Some(ADMIN),
            &[],
            None,
        )
        .json();
    assert!(
        me["id"].as_str().is_some_and(|s| s.starts_with("robot-")),
        "{me}"
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let job = answer.json();
    let id = job["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 24, "{job}");
    assert_eq!(
        job,
        json!({"id": id, "jobId": id, "state": "pending", "createdAt": job["createdAt"],
               "updatedAt": job["createdAt"], "sourceDataset": "production",
               "targetDataset": "copy", "authors": [me["id"]], "datasetName": "copy",
               "aclMode": "public"}),
    );
    // The target exists at once, so a second copy onto it is refused.
    server
        .call(
            "PUT",
            &path,
            Some(ADMIN),
            &[],
            Some(&json!({"targetDataset": "copy"})),
        )
        .assert_error(409, "Conflict", "already exists");

    // Poll the history until the job is done (bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    let done = loop {
        let history = copy_history(&server, "production", "");
        let list = history.as_array().expect("array");
        assert_eq!(list.len(), 1, "{history}");
        let state = list[0]["state"].as_str().unwrap_or("").to_owned();
        assert!(
            ["pending", "running", "completed"].contains(&state.as_str()),
            "{history}"
        );
        if state == "completed" {
            break list[0].clone();
        }
        assert!(Instant::now() < deadline, "copy not done: {history}");
        thread::sleep(Duration::from_millis(50));
    };
    let copy_time = t0.elapsed();
    let mut expected = job.clone();
    for k in ["jobId", "datasetName", "aclMode"] {
        expected.as_object_mut().unwrap().remove(k);
    }
    expected["state"] = json!("completed");
    expected["updatedAt"] = done["updatedAt"].clone();
    assert_eq!(done, expected);
    assert!(done["updatedAt"].as_str() >= done["createdAt"].as_str());
    assert_eq!(
        copy_history(&server, "production", "?state=pending,running"),
        json!([])
    );
    assert_eq!(
        copy_history(&server, "production", "?state=completed&limit=5"),
        json!([done])
    );
    assert_eq!(copy_history(&server, "production", "?offset=1"), json!([]));
    assert_eq!(copy_history(&server, "copy", ""), json!([]));

    // Every document is in the copy with the same id, SHA-1 and size.
    let mut ids: Vec<&str> = uploaded
        .iter()
        .map(|(d, _)| d["_id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    let mut copied = Vec::new();
    for chunk in ids.chunks(100) {
        let got = server.get(
            &format!("/v2024-06-24/data/doc/copy/{}", chunk.join(",")),
            &[("X-Sanity-Project-ID", &p)],
        );
        assert_eq!(got.status, 200, "{}", got.text());
        let body = got.json();
        assert_eq!(body["omitted"], json!([]), "{body}");
        copied.extend(body["documents"].as_array().expect("docs").iter().cloned());
    }
    assert_eq!(copied.len(), FILES + IMAGES);
    let by_id: std::collections::HashMap<&str, &Value> = copied
        .iter()
        .map(|d| (d["_id"].as_str().expect("id"), d))
        .collect();
    for (doc, bytes) in &uploaded {
        let c = by_id[doc["_id"].as_str().unwrap()];
        for k in [
            "_id",
            "_type",
            "sha1hash",
            "size",
            "mimeType",
            "extension",
            "assetId",
        ] {
            assert_eq!(c[k], doc[k], "{k}: {c} vs {doc}");
        }
        assert_eq!(c["size"], json!(bytes.len()));
        let url = c["url"].as_str().expect("url");
        assert!(url.contains(&format!("/{p}/copy/")), "{url}");
    }

    // CDN bytes: every 50th file and every image (original, then once at w=8).
    let sample: Vec<&(Value, Vec<u8>)> = uploaded
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 50 == 0 || *i >= FILES)
        .map(|(_, x)| x)
        .collect();
    for (doc, bytes) in &sample {
        let c = by_id[doc["_id"].as_str().unwrap()];
        let url = c["url"].as_str().unwrap().replace(&server.base, "");
        let got = server.get(&url, &[]);
        assert_eq!(got.status, 200, "{url}: {}", got.text());
        assert_eq!(&got.body, bytes, "{url}");
        if c["_type"] == "sanity.imageAsset" {
            let small = server.get(&format!("{url}?w=8&fm=png"), &[]);
            assert_eq!(small.status, 200, "{url}: {}", small.text());
            assert_eq!(small.header("content-type"), "image/png");
            assert_eq!(&small.body[12..16], b"IHDR");
            assert_eq!(&small.body[16..24], &[0, 0, 0, 8, 0, 0, 0, 5][..], "{url}");
        }
    }
    // The source still serves as before.
    assert_eq!(
        server
            .get(
                &format!("/v2024-06-24/data/doc/production/{}", ids[0]),
                &[("X-Sanity-Project-ID", &p)]
            )
            .json()["documents"][0]["_id"],
        json!(ids[0])
    );

    // No blob was duplicated.
    assert_eq!(server.blob_count(), blobs_before);

    // Deleting the source drops its job history; the copy keeps its assets.
    let deleted = server.call(
        "DELETE",
        &format!("{V}/projects/{p}/datasets/production"),
        Some(ADMIN),
        &[],
        None,
    );
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    let first = &uploaded[0].0;
    let url = by_id[first["_id"].as_str().unwrap()]["url"]
        .as_str()
        .unwrap()
        .replace(&server.base, "");
    assert_eq!(server.get(&url, &[]).body, uploaded[0].1);

    eprintln!(
        "[{}] {} assets uploaded in {upload_time:?}; copy answered in {answer_time:?}, \
         completed in {copy_time:?}; total {:?}",
        common::backend_name(),
        FILES + IMAGES,
        started.elapsed()
    );
}

#[test]
fn a_job_a_stopped_process_left_runs_again_at_the_next_start() {
    let mut server = Server::start();
    let p = server.project.clone();
    let files: Vec<Value> = (0..5)
        .map(|i| server.upload_ok("files", format!("left job {i}\n").as_bytes(), ""))
        .collect();
    let image = server.upload_ok("images", &distinct_png(7), "");
    let blobs_before = server.blob_count();

    // What a process killed mid-copy leaves: a target dataset and a job still `running`; and a
    // `pending` job whose target has since been deleted.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (db, _) = server.open_storage(&runtime);
    let job = |id: &str, state: &str, target: &str, ms: i64| CopyJobRow {
        id: id.to_owned(),
        project_id: p.clone(),
        source_dataset: "production".to_owned(),
        target_dataset: target.to_owned(),
        state: state.to_owned(),
        authors: vec!["robot-test".to_owned()],
        created_at: "2026-01-01T00:00:00Z".to_owned(),
        updated_at: "2026-01-01T00:00:00Z".to_owned(),
        created_ms: ms,
    };
    runtime.block_on(async {
        assert!(db
            .ensure_dataset(&p, "resumed", AclMode::Public)
            .await
            .unwrap());
        db.insert_copy_job(&job("a".repeat(24).as_str(), "running", "resumed", 1))
            .await
            .unwrap();
        db.insert_copy_job(&job("b".repeat(24).as_str(), "pending", "vanished", 2))
            .await
            .unwrap();
    });
    server.restart();

    let deadline = Instant::now() + Duration::from_secs(20);
    let history = loop {
        let history = copy_history(&server, "production", "");
        let states: Vec<&str> = history
            .as_array()
            .expect("array")
            .iter()
            .map(|j| j["state"].as_str().unwrap_or(""))
            .collect();
        if states == ["failed", "completed"] {
            break history;
        }
        assert!(Instant::now() < deadline, "jobs not finished: {history}");
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(history[0]["targetDataset"], "vanished", "{history}");
    assert_eq!(history[1]["targetDataset"], "resumed", "{history}");
    assert!(history[1]["updatedAt"].as_str() > history[1]["createdAt"].as_str());

    // The resumed copy has every asset, serves it, and added no blob; the failed one made no
    // dataset.
    for doc in files.iter().chain([&image]) {
        let id = doc["_id"].as_str().unwrap();
        let got = server.get(
            &format!("/v2024-06-24/data/doc/resumed/{id}"),
            &[("X-Sanity-Project-ID", &p)],
        );
        assert_eq!(got.json()["documents"][0]["sha1hash"], doc["sha1hash"]);
        // The restarted server listens elsewhere: keep the URL's path only.
        let url = doc["url"].as_str().unwrap();
        let path = url
            .find("/images/")
            .or_else(|| url.find("/files/"))
            .map(|at| url[at..].replace("/production/", "/resumed/"))
            .expect("a CDN URL");
        let bytes = server.get(&path, &[]);
        assert_eq!(bytes.status, 200, "{path}: {}", bytes.text());
        assert_eq!(bytes.body.len() as u64, doc["size"].as_u64().unwrap());
    }
    server
        .call(
            "GET",
            &format!("{V}/projects/{p}/datasets/vanished"),
            Some(ADMIN),
            &[],
            None,
        )
        .assert_error(404, "Not Found", "vanished");
    assert_eq!(server.blob_count(), blobs_before);
}
