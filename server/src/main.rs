//! The `pixform-server` binary.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use pixform_server::{gc, server, Cli, Command};
use tracing_subscriber::EnvFilter;

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
            Some(Command::Migrate(config)) => server::open(&config).await.map(|_| {
                println!("migrations applied");
            }),
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
