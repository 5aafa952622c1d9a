//! `pixform params`: the parameter registry, as a Markdown table or a fuzzing dictionary.

use clap::Args;
use pixform::params::registry;

/// Arguments of `pixform params`.
#[derive(Args)]
pub struct ParamsArgs {
    /// Print a libFuzzer dictionary of `key=value` tokens instead of the Markdown table.
    #[arg(long)]
    dict: bool,
}

/// Prints the registry.
pub fn run(args: &ParamsArgs) -> Result<(), String> {
    let text = if args.dict {
        registry::fuzz_dictionary()
            .iter()
            .map(|token| format!("{token:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        registry::markdown_table().trim_end_matches('\n').to_owned()
    };
    crate::stdout::print_line(&text)
}
