//! Running the process: open the backends, bootstrap, serve until a signal.

use std::time::Duration;

use crate::bootstrap::bootstrap;
use crate::config::Config;
use crate::db::Db;
use crate::gc;
use crate::router::router;
use crate::state::AppState;
use crate::store::Blobs;

/// A startup or runtime failure, as a message for the operator.
pub type RunError = Box<dyn std::error::Error + Send + Sync>;

/// How often a running server reclaims unreferenced blobs, and how old they must be.
const GC_EVERY: Duration = Duration::from_secs(3600);
const GC_GRACE: Duration = Duration::from_secs(3600);

/// Opens the database (migrated) and the blob store of `config`.
pub async fn open(config: &Config) -> Result<(Db, Blobs), RunError> {
    std::fs::create_dir_all(&config.data)
        .map_err(|e| format!("--data {}: {e}", config.data.display()))?;
    let db = Db::connect(&config.database_url()).await?;
    db.migrate().await?;
    let blobs = Blobs::open(config)?;
    Ok((db, blobs))
}

/// `serve`: bootstrap, listen, and stop gracefully on SIGTERM/SIGINT (stop accepting,
/// finish the requests in flight, exit).
pub async fn serve(config: Config) -> Result<(), RunError> {
    let (db, blobs) = open(&config).await?;
    if let Some(created) = bootstrap(&db, &config).await? {
        println!("admin token: {}", created.admin_token);
        println!("project: {}", created.project);
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", config.listen))?;
    let state = AppState::new(config, db.clone(), blobs.clone())?;
    crate::dataset_copy::resume(&state).await?;
    tokio::spawn(async move {
        loop {
            match gc::collect(&db, &blobs, GC_GRACE).await {
                Ok(r) if r.deleted > 0 => {
                    tracing::info!(deleted = r.deleted, freed = r.freed_bytes, "gc")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "gc"),
            }
            tokio::time::sleep(GC_EVERY).await;
        }
    });
    tracing::info!(address = %listener.local_addr()?, "listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
