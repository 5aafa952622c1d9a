//! The `pixform` command-line tool.
#![forbid(unsafe_code)]

mod analyze_cmd;
mod info_cmd;
mod params_cmd;
mod plan_cmd;
mod stdout;
mod transform_cmd;
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
    /// Transform images: `pixform transform IN 'QUERY' -o OUT` (several inputs: -o DIR).
    Transform(transform_cmd::TransformArgs),
    /// Print the plan of a query for a source size, as JSON (no image needed).
    Plan(plan_cmd::PlanArgs),
    /// Print the parameter registry (Markdown table, or --dict for a fuzzing dictionary).
    Params(params_cmd::ParamsArgs),
    /// Print facts about an image file as JSON (format, size, orientation, alpha, frames).
    Info(info_cmd::InfoArgs),
    /// Compute the Sanity asset document (ID, dimensions, LQIP, BlurHash, palette) of files.
    Analyze(analyze_cmd::AnalyzeArgs),
    /// Build a Sanity image URL from an image JSON, or parse one (--parse URL).
    Url(url_cmd::UrlArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Transform(args) => transform_cmd::run(args),
        Command::Plan(args) => plan_cmd::run(args),
        Command::Url(args) => url_cmd::run(args),
        Command::Info(args) => info_cmd::run(args),
        Command::Params(args) => params_cmd::run(args),
        Command::Analyze(args) => analyze_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pixform: {message}");
            ExitCode::FAILURE
        }
    }
}
