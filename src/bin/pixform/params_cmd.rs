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
    if args.dict {
        for token in registry::fuzz_dictionary() {
            println!("{token:?}");
        }
    } else {
        print!("{}", registry::markdown_table());
    }
    Ok(())
}
