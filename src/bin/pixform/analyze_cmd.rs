//! `pixform analyze FILE…`: the Sanity asset document(s) of local files, as JSON.

use std::path::PathBuf;

use pixform::analyze::{analyze, AnalyzeOptions, AssetDocument, MetadataKind};

/// Arguments of `pixform analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Files to analyse. One file prints one JSON object; several print an array.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Project ID, for the documents' `path` and `url` (needs --dataset).
    #[arg(long)]
    pub project: Option<String>,
    /// Dataset, for the documents' `path` and `url` (needs --project).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Metadata to compute, comma-separated: palette, lqip, blurhash, exif, location.
    /// Default: palette,lqip,blurhash.
    #[arg(long)]
    pub meta: Option<String>,
    /// Origin of the documents' `url`. Default: https://cdn.sanity.io.
    #[arg(long)]
    pub base_url: Option<String>,
}

/// Analyses every file and prints the document(s) to standard output.
pub fn run(args: &AnalyzeArgs) -> Result<(), String> {
    let metadata = match &args.meta {
        Some(list) => MetadataKind::parse_list(list).map_err(|e| e.to_string())?,
        None => MetadataKind::default_set(),
    };
    let mut base = AnalyzeOptions::default();
    base.metadata = metadata;
    base.project_id = args.project.clone();
    base.dataset = args.dataset.clone();
    base.base_url = args.base_url.clone();

    let mut documents: Vec<AssetDocument> = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let shown = file.display();
        let size = std::fs::metadata(file)
            .map_err(|e| format!("{shown}: {e}"))?
            .len();
        if size > base.limits.max_input_bytes {
            return Err(format!(
                "{shown}: {size} bytes exceeds the limit of {} bytes",
                base.limits.max_input_bytes
            ));
        }
        let bytes = std::fs::read(file).map_err(|e| format!("{shown}: {e}"))?;
        let mut opts = base.clone();
        opts.original_filename = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        documents.push(analyze(&bytes, &opts).map_err(|e| format!("{shown}: {e}"))?);
    }
    let json = match documents.as_slice() {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    }
    .map_err(|e| format!("JSON output: {e}"))?;
    crate::stdout::print_line(&json)
}
