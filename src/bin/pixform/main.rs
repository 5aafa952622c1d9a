//! The `pixform` command-line tool.
#![forbid(unsafe_code)]

mod info_cmd;
mod plan_cmd;
mod url_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// pixform: image-URL transforms (Sanity/imgix query strings) on image files.
#[derive(Parser)]
#[command(name = "pixform", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the plan of a query for a source size, as JSON (no image needed).
    Plan(plan_cmd::PlanArgs),
    /// Build a Sanity image URL from an image JSON, or parse one (--parse URL).
    Url(url_cmd::UrlArgs),
    /// Print the header facts of an image as JSON.
    Info(info_cmd::InfoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Plan(args) => plan_cmd::run(args),
        Command::Url(args) => url_cmd::run(args),
        Command::Info(args) => info_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pixform: {message}");
            ExitCode::FAILURE
        }
    }
}
