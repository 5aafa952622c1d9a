//! The router mounted inside another axum app (as examples/embed.rs does) serves uploads and
//! CDN URLs under its prefix.

mod common;

use axum::routing::get;
use axum::Router;
use pixform_server::{AppState, Config};

#[test]
fn router_nests_under_a_prefix() {
    let data = tempfile::tempdir().expect("tmp");
    let port = common::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = Config::with_data(data.path());
    config.listen = format!("127.0.0.1:{port}").parse().expect("addr");
    config.public_url = Some(format!("{base}/media"));
    config.init_project = Some("demo".into());
    config.admin_token = Some(common::ADMIN.into());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (db, blobs) = pixform_server::open(&config).await.expect("open");
        pixform_server::bootstrap::bootstrap(&db, &config)
            .await
            .expect("bootstrap");
        let state = AppState::new(config.clone(), db, blobs).expect("state");
        let app = Router::new()
            .route("/", get(|| async { "host app" }))
            .nest("/media", pixform_server::router(state));
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("bind");
        tokio::spawn(async move { axum::serve(listener, app).await });
    });
    let agent = common::agent();
    let get = |url: String| common::Reply::from(agent.get(url).call().expect("GET"));
    assert_eq!(get(format!("{base}/")).text(), "host app");
    assert_eq!(get(format!("{base}/media/health")).status, 200);
    let upload = common::Reply::from(
        agent
            .post(format!("{base}/media/v1/assets/images/production"))
            .header("Authorization", format!("Bearer {}", common::ADMIN))
            .header("X-Sanity-Project-ID", "demo")
            .send(&common::fixture("two-colour-48x32.png")[..])
            .expect("upload"),
    );
    assert_eq!(upload.status, 200, "{}", upload.text());
    let url = upload.json()["document"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert!(url.starts_with(&format!("{base}/media/images/demo/production/")));
    let image = get(format!("{url}?w=24"));
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/png");
    let missing = get(format!("{base}/media/nope"));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["statusCode"], 404);
    drop(runtime);
}
