//! `pixform transform`: run a query on one image, or on many into a directory.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use pixform::accepted_formats;
use pixform::{TransformOptions, TransformSpec, Transformer};

/// Arguments of `pixform transform`.
#[derive(Args)]
pub struct TransformArgs {
    /// Input files, then the query string: `IN… 'w=800&fm=webp'`.
    #[arg(required = true, num_args = 2.., value_name = "IN… QUERY")]
    args: Vec<String>,
    /// Output file (one input), or directory (several inputs; created if missing).
    #[arg(short, long)]
    output: PathBuf,
    /// Formats the client accepts, as an `Accept` header (`image/avif,image/webp`), for
    /// `auto=format`.
    #[arg(long, default_value = "")]
    accept: String,
}

/// Transforms the inputs and writes the results.
pub fn run(args: &TransformArgs) -> Result<(), String> {
    let Some((query, inputs)) = args.args.split_last() else {
        return Err("expected input files and a query".into());
    };
    let spec = TransformSpec::from_query(query).map_err(|e| e.to_string())?;
    let options = TransformOptions::new(Default::default(), accepted_formats(&args.accept));
    let batch = inputs.len() > 1 || args.output.is_dir();
    if !batch {
        let input = Path::new(&inputs[0]);
        let mut transformer = Transformer::new(options);
        let target = Target::File(&args.output);
        return transform_file(input, target, &spec, &mut transformer).map(|_| ());
    }
    // Outputs are named DIR/<input stem>.<output extension>: two inputs with one stem would
    // write the same file (or race for it in parallel), so the batch stops before it starts.
    let mut stems = std::collections::HashMap::new();
    for input in inputs {
        let stem = Path::new(input).file_stem().unwrap_or_default();
        if let Some(first) = stems.insert(stem, input) {
            return Err(format!(
                "{first} and {input} would both be written as {}.*: give them different names",
                args.output.join(stem).display()
            ));
        }
    }
    std::fs::create_dir_all(&args.output).map_err(|e| format!("{}: {e}", args.output.display()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    });
    // One transformer per thread: each image reuses the previous one's large buffers.
    let one = |transformer: &mut Transformer, input: &String| -> bool {
        let input = Path::new(input);
        if let Some(bar) = &bar {
            bar.set_message(input.display().to_string());
        }
        let stem = input.file_stem().unwrap_or_default();
        let target = Target::Dir(&args.output, stem);
        let result = transform_file(input, target, &spec, transformer);
        if let Err(e) = &result {
            let line = format!("pixform: {e}");
            match &bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        result.is_err()
    };
    #[cfg(feature = "parallel")]
    let failures = {
        use rayon::prelude::*;
        inputs
            .par_iter()
            .map_init(
                || Transformer::new(options.clone()),
                |t, i| usize::from(one(t, i)),
            )
            .sum::<usize>()
    };
    #[cfg(not(feature = "parallel"))]
    let failures = {
        let mut transformer = Transformer::new(options.clone());
        inputs.iter().filter(|i| one(&mut transformer, i)).count()
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match failures {
        0 => Ok(()),
        n => Err(format!("{n} of {} inputs failed", inputs.len())),
    }
}

/// Where one result goes.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// This file, as named.
    File(&'a Path),
    /// `DIR/STEM.EXT` with the output format's extension (`json` for `fm=json`).
    Dir(&'a Path, &'a std::ffi::OsStr),
}

/// Transforms one file and writes the result to `target`.
fn transform_file(
    input: &Path,
    target: Target<'_>,
    spec: &TransformSpec,
    transformer: &mut Transformer,
) -> Result<PathBuf, String> {
    let bytes = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let out = transformer
        .transform(&bytes, spec)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    let path = match target {
        Target::File(path) => path.to_path_buf(),
        Target::Dir(dir, stem) => {
            let ext = if out.content_type == "application/json" {
                "json"
            } else {
                out.format.extension()
            };
            // Appended rather than `with_extension`, which would replace the last dotted part
            // of a stem such as `photo.v2`.
            let mut name = stem.to_os_string();
            name.push(".");
            name.push(ext);
            dir.join(name)
        }
    };
    std::fs::write(&path, &out.bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
