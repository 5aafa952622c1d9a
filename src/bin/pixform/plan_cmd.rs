//! `pixform plan`: the plan of a query for a source of a given size: geometry, output format,
//! alpha, content type, `Vary: Accept` and cache key, exactly what `pixform transform` writes
//! for a source with these facts and the same `--accept`.

use clap::Args;
use pixform::accepted_formats;
use pixform::plan::{plan, PlanOptions, SourceFacts};
use pixform::{ImageFormat, Limits, TransformSpec};

/// Arguments of `pixform plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// Oriented source size, `WIDTHxHEIGHT`.
    #[arg(long, value_parser = parse_size)]
    source: (u32, u32),
    /// The query string, e.g. `w=800&h=600&fit=crop`.
    query: String,
    /// The source has an alpha channel.
    #[arg(long)]
    alpha: bool,
    /// Frames of the source (an animation has more than one). Default: 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    frames: u32,
    /// Source format: jpg, png, webp, gif, avif, tiff or svg.
    #[arg(long, default_value = "jpg", value_parser = parse_format)]
    format: ImageFormat,
    /// Formats the client accepts, as an `Accept` header (`image/avif,image/webp`), for
    /// `auto=format`.
    #[arg(long, default_value = "")]
    accept: String,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let parse = |v: &str| v.parse::<u32>().map_err(|e| format!("{v:?}: {e}"));
    Ok((parse(w)?, parse(h)?))
}

fn parse_format(s: &str) -> Result<ImageFormat, String> {
    ImageFormat::from_extension(s)
        .ok_or_else(|| format!("expected jpg, png, webp, gif, avif, tiff or svg, got {s:?}"))
}

/// Prints the plan as pretty JSON on stdout.
pub fn run(args: &PlanArgs) -> Result<(), String> {
    let spec = TransformSpec::from_query(&args.query).map_err(|e| e.to_string())?;
    let facts = SourceFacts {
        width: args.source.0,
        height: args.source.1,
        has_alpha: args.alpha,
        frames: args.frames,
        format: args.format,
    };
    let options = PlanOptions::new(Limits::default(), accepted_formats(&args.accept));
    let plan = plan(&facts, &spec, &options).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?;
    crate::stdout::print_line(&json)
}
