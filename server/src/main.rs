//! The `pixform-server` binary.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use pixform_server::config::MigrateArgs;
use pixform_server::db::Db;
use pixform_server::store::Blobs;
use pixform_server::{gc, migrate, server, Cli, Command};
use tracing_subscriber::EnvFilter;

/// Applies the migrations; copies to the `--to-*` backends when named.
async fn migrate(args: MigrateArgs) -> Result<(), server::RunError> {
    let (db, blobs) = server::open(&args.config).await?;
    println!("migrations applied");
    if args.to_database.is_none() && args.to_store.is_none() {
        return Ok(());
    }
    let (Some(to_database), Some(to_store)) = (args.to_database, args.to_store) else {
        return Err("migrate: --to-database and --to-store go together".into());
    };
    let to_db = Db::connect(&to_database).await?;
    to_db.migrate().await?;
    let mut target = args.config.clone();
    target.store = Some(to_store);
    let to_blobs = Blobs::open(&target)?;
    // Progress on stdout, so an operator (or a script) sees how far a long copy got.
    let r = migrate::copy(&db, &blobs, &to_db, &to_blobs, |r, total| {
        println!(
            "blobs: {}/{total} ({} present)",
            r.blobs_copied + r.blobs_present,
            r.blobs_present
        );
    })
    .await?;
    println!(
        "copied {} rows ({} present), {} blobs ({} present)",
        r.rows_copied, r.rows_present, r.blobs_copied, r.blobs_present
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pixform-server: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => server::serve(cli.config).await,
            Some(Command::Serve(config)) => server::serve(*config).await,
            Some(Command::Migrate(args)) => migrate(*args).await,
            Some(Command::Gc(args)) => {
                let (db, blobs) = server::open(&args.config).await?;
                let report = gc::collect(&db, &blobs, args.grace).await?;
                println!(
                    "gc: scanned {} blobs, deleted {}, freed {} bytes",
                    report.scanned, report.deleted, report.freed_bytes
                );
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pixform-server: {e}");
            ExitCode::FAILURE
        }
    }
}
