//! Mounting pixform-server inside another axum app: its routes under `/media`, next to the
//! app's own.
//!
//! `cargo run -p pixform-server --example embed -- ./embed-data`, then
//! `curl http://127.0.0.1:3000/` and `curl http://127.0.0.1:3000/media/health`.

use axum::routing::get;
use axum::Router;
use pixform_server::{AppState, Config};

#[tokio::main]
async fn main() -> Result<(), pixform_server::RunError> {
    let data = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "./embed-data".into());
    let mut config = Config::with_data(data);
    config.listen = "127.0.0.1:3000".parse()?;
    // Document URLs must point where the router is mounted.
    config.public_url = Some("http://127.0.0.1:3000/media".into());
    config.init_project = Some("demo".into());
    config.admin_token = Some("embed-demo-admin-token".into());

    let (db, blobs) = pixform_server::open(&config).await?;
    pixform_server::bootstrap::bootstrap(&db, &config).await?;
    let listen = config.listen;
    let state = AppState::new(config, db, blobs)?;

    let app = Router::new()
        .route("/", get(|| async { "my app; images under /media" }))
        .nest("/media", pixform_server::router(state));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
