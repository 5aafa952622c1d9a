<<<<<<< HEAD
//! The `pixform` command-line tool.
#![forbid(unsafe_code)]

mod plan_cmd;
mod url_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// pixform: image-URL transforms (Sanity/imgix query strings) on image files.
#[derive(Parser)]
#[command(name = "pixform", version, about)]
=======
//! The `pixform` command-line tool (only `info` is wired here).

mod info_cmd;

use clap::{Parser, Subcommand};

/// Image-URL transform engine.
#[derive(Parser)]
#[command(name = "pixform", version)]
>>>>>>> codec
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
<<<<<<< HEAD
    /// Print the plan of a query for a source size, as JSON (no image needed).
    Plan(plan_cmd::PlanArgs),
    /// Build a Sanity image URL from an image JSON, or parse one (--parse URL).
    Url(url_cmd::UrlArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Plan(args) => plan_cmd::run(args),
        Command::Url(args) => url_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pixform: {message}");
            ExitCode::FAILURE
=======
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
>>>>>>> codec
        }
    }
}
