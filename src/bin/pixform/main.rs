//! The `pixform` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod analyze_cmd;

/// Image-URL transforms and Sanity asset tools.
#[derive(Debug, Parser)]
#[command(name = "pixform", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Sanity asset document of files (ID, SHA-1, size, dimensions, LQIP, BlurHash,
    /// palette) as JSON.
    Analyze(analyze_cmd::AnalyzeArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Analyze(args) => analyze_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pixform: {message}");
            ExitCode::FAILURE
        }
    }
}
