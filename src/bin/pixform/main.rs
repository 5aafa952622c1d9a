//! The `pixform` command line (url subcommand only in this build).

mod url_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "pixform", version, about = "Image-URL transform engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build or parse a Sanity image URL.
    Url(url_cmd::UrlArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Url(args) => url_cmd::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pixform: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
