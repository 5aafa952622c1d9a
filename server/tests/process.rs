//! The process: flags, bootstrap, health and the error shape.

mod common;

use common::{agent, Server, ADMIN};

#[test]
fn first_start_prints_a_token_and_a_project_once_and_they_work() {
    let mut server = Server::start_empty(Vec::new());
    let out = server.stdout();
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("admin token: "))
        .unwrap_or_else(|| panic!("no admin token line in {out:?}: {}", server.stderr()))
        .to_owned();
    let project = out
        .lines()
        .find_map(|l| l.strip_prefix("project: "))
        .expect("project line")
        .to_owned();
    assert!(
        token.len() >= 32,
        "token {token:?} shorter than 128 bits of hex"
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    // The printed token and project upload an image.
    let reply = agent()
        .post(server.url("/v1/assets/images/production"))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Sanity-Project-ID", &project)
        .send(&common::fixture("two-colour-48x32.png")[..])
        .expect("upload");
    assert_eq!(reply.status(), 200);
    // A restart on the same data prints nothing.
    server.restart();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        server.stdout().matches("admin token:").count(),
        1,
        "{}",
        server.stdout()
    );
    // The token is stored hashed: its text is nowhere in the database file.
    if std::env::var("PIXFORM_TEST_DATABASE_URL").is_err() {
        let mut db = std::fs::read(server.data.path().join("pixform.db")).unwrap_or_default();
        db.extend(std::fs::read(server.data.path().join("pixform.db-wal")).unwrap_or_default());
        assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()));
    }
}

#[test]
fn admin_token_and_init_project_are_idempotent_and_print_nothing() {
    let mut server = Server::start();
    assert_eq!(server.stdout(), "");
    server.restart();
    assert_eq!(server.stdout(), "");
    let doc = server.upload_ok("images", &common::fixture("two-colour-48x32.png"), "");
    assert_eq!(doc["_type"], "sanity.imageAsset");
}

#[test]
fn health_is_json_and_unknown_routes_are_json_404() {
    let server = Server::start();
    let health = server.get("/health", &[]);
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), serde_json::json!({"status": "ok"}));
    server
        .get("/nope", &[])
        .assert_error(404, "Not Found", "No route for GET /nope");
}

#[test]
fn flags_have_env_twins() {
    // PIXFORM_MAX_UPLOAD_BYTES stands for --max-upload-bytes.
    let server = Server::start_with(&[], &[("PIXFORM_MAX_UPLOAD_BYTES", "100")]);
    let png = common::fixture("two-colour-48x32.png");
    assert!(png.len() > 100);
    server.upload("images", &png, "").assert_error(
        413,
        "Payload Too Large",
        "exceeds the limit of 100 bytes",
    );
}

#[test]
fn bad_flag_values_stop_the_process_with_a_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .args(["serve", "--queue-timeout", "ten"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--queue-timeout"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .args(["serve", "--init-project", "Bad_Name"])
        .arg("--data")
        .arg(tempfile::tempdir().expect("tmp").path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--init-project \"Bad_Name\""), "{err}");
}

#[test]
fn asset_api_rps_must_be_a_finite_number_above_zero() {
    for bad in ["0", "-1", "NaN", "inf", "fast", ""] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
            .args(["serve", &format!("--asset-api-rps={bad}")])
            .arg("--data")
            .arg(tempfile::tempdir().expect("tmp").path())
            .output()
            .expect("run");
        // clap's usage error: status 2, nothing listened on.
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "invalid value '{bad}' for '--asset-api-rps <ASSET_API_RPS>'"
            )),
            "{bad:?}: {err}"
        );
        assert!(
            err.contains(&format!(
                "expected a finite number of requests per second above 0, such as 1 or 0.5, got {bad:?}"
            )),
            "{bad:?}: {err}"
        );
    }
    // The environment twin goes through the same check.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .arg("serve")
        .env("PIXFORM_ASSET_API_RPS", "-0.5")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid value '-0.5' for '--asset-api-rps <ASSET_API_RPS>'"),
        "{err}"
    );
    // A fraction is a valid rate: the server starts.
    let server = Server::start_with(&["--asset-api-rps", "0.5"], &[]);
    assert_eq!(server.get("/health", &[]).status, 200);
}

#[test]
fn migrate_subcommand_applies_the_schema() {
    let data = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pixform-server"))
        .arg("migrate")
        .arg("--data")
        .arg(data.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "migrations applied\n");
    assert!(data.path().join("pixform.db").exists());
    let _ = ADMIN;
}
