//! The `pixform` command-line tool (only `info` is wired here).

mod info_cmd;

use clap::{Parser, Subcommand};

/// Image-URL transform engine.
#[derive(Parser)]
#[command(name = "pixform", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the header facts of an image as JSON.
    Info(info_cmd::InfoArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info(args) => info_cmd::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pixform: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
