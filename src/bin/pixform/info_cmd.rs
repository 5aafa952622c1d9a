//! `pixform info FILE`: the header facts of an image as JSON.

use std::path::PathBuf;

use pixform::codec::probe;
use pixform::Limits;

/// Arguments of `pixform info`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// The image file to inspect.
    pub file: PathBuf,
}

/// Prints the header facts of `args.file` as one JSON object (format, stored size, oriented
/// size, alpha, frames, an animation's duration and plays, ICC, progressive, colour model,
/// bit depth), probed with the default limits.
pub fn run(args: &InfoArgs) -> Result<(), String> {
    let bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let info =
        probe(&bytes, &Limits::default()).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let json = serde_json::to_string_pretty(&info).map_err(|e| format!("json: {e}"))?;
    crate::stdout::print_line(&json)
}
