//! The command line shared by the timing examples: `[--query Q] [--passes N] FILE…`.

/// Parsed arguments.
pub struct Args {
    /// The transform query.
    pub query: String,
    /// Timed passes over the files.
    pub passes: usize,
    /// Input files.
    pub files: Vec<String>,
}

/// Parses the process arguments, with these defaults for the options.
pub fn parse(query: &str, passes: usize) -> Args {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        query: query.to_string(),
        passes,
        files: Vec::new(),
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--query" => parsed.query = args.next().expect("--query needs a value"),
            "--passes" => {
                parsed.passes = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--passes needs a number")
            }
            _ => parsed.files.push(a),
        }
    }
    parsed
}
