//! `pixform url`: build an image URL from an image JSON, or parse one.

use pixform::url::{parse_image_url, sign_url, UrlOptions};
use serde_json::{Map, Value};

/// Build a Sanity image URL from an image JSON (as a query returns it), or parse a URL.
#[derive(clap::Args, Debug)]
pub struct UrlArgs {
    /// The image: JSON (`{"asset":{"_ref":"image-…"},"crop":…,"hotspot":…}`, a reference or an
    /// asset document) or a bare asset ID or image URL.
    #[arg(required_unless_present = "parse", conflicts_with = "parse")]
    pub image: Option<String>,
    /// Project ID.
    #[arg(long)]
    pub project: Option<String>,
    /// Dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// CDN origin (default https://cdn.sanity.io).
    #[arg(long)]
    pub base_url: Option<String>,
    /// A builder option, repeatable: `width=300`, `w=300`, `fit=crop`, `rect=0,0,10,10`,
    /// `focalPoint=0.3,0.6`, `flip=hv`, `vanityName=cat.jpg`. Values that read as JSON
    /// (numbers, booleans) are taken as such.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Parse this URL and print its parts as JSON instead.
    #[arg(long, value_name = "URL")]
    pub parse: Option<String>,
    /// Sign the URL with this key ID, as `@sanity/image-url/signed` does with
    /// `signWith({keyId, privateKey, expiry})`. Default: unsigned.
    #[arg(long, requires_all = ["private_key", "expiry"], conflicts_with = "parse")]
    pub key_id: Option<String>,
    /// With `--key-id`: the signing key's private half, the Ed25519 seed as 64 hex digits.
    /// Read from the environment when not given, so that it can stay out of the process list.
    /// Default: none.
    #[arg(long, env = "PIXFORM_SIGNING_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// When the signature stops being valid, RFC 3339 (`2026-12-31T23:59:59Z`). Default: none.
    #[arg(long, value_name = "RFC3339", requires = "key_id")]
    pub expiry: Option<String>,
}

/// Query-parameter names accepted as aliases of the client's option names.
const ALIASES: &[(&str, &str)] = &[
    ("w", "width"),
    ("h", "height"),
    ("fm", "format"),
    ("dl", "download"),
    ("sharp", "sharpen"),
    ("or", "orientation"),
    ("min-h", "minHeight"),
    ("max-h", "maxHeight"),
    ("min-w", "minWidth"),
    ("max-w", "maxWidth"),
    ("q", "quality"),
    ("sat", "saturation"),
];

/// Runs the command, printing the URL or the parsed parts to stdout.
pub fn run(args: &UrlArgs) -> Result<(), String> {
    if let Some(url) = &args.parse {
        let parsed = parse_image_url(url).map_err(|e| e.to_string())?;
        let json = serde_json::to_string_pretty(&parsed).map_err(|e| e.to_string())?;
        return crate::stdout::print_line(&json);
    }
    let image = args
        .image
        .as_deref()
        .ok_or("an image JSON or --parse URL is required")?;
    let source = serde_json::from_str(image).unwrap_or_else(|_| Value::String(image.to_owned()));
    let mut options = Map::new();
    let strings = [
        ("projectId", &args.project),
        ("dataset", &args.dataset),
        ("baseUrl", &args.base_url),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            options.insert(key.to_owned(), Value::String(v.clone()));
        }
    }
    options.insert("source".to_owned(), source);
    for param in &args.params {
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| format!("--param {param}: expected KEY=VALUE"))?;
        insert_option(&mut options, key, value)?;
    }
    let options: UrlOptions =
        serde_json::from_value(Value::Object(options)).map_err(|e| e.to_string())?;
    let url = options.to_url().map_err(|e| e.to_string())?;
    let url = match (&args.key_id, &args.private_key, &args.expiry) {
        (Some(key_id), Some(private_key), Some(expiry)) => {
            let expiry =
                time::OffsetDateTime::parse(expiry, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| format!("--expiry {expiry:?}: expected RFC 3339 ({e})"))?;
            sign_url(&url, key_id, private_key, expiry).map_err(|e| e.to_string())?
        }
        _ => url,
    };
    crate::stdout::print_line(&url)
}

fn insert_option(options: &mut Map<String, Value>, key: &str, value: &str) -> Result<(), String> {
    let numbers = |names: &[&str]| -> Result<Value, String> {
        let parts: Vec<&str> = value.split(',').collect();
        if parts.len() != names.len() {
            return Err(format!(
                "{key}: expected {} comma-separated numbers",
                names.len()
            ));
        }
        let mut obj = Map::new();
        for (name, part) in names.iter().zip(parts) {
            let n: f64 = part
                .trim()
                .parse()
                .map_err(|_| format!("{key}: \"{part}\" is not a number"))?;
            obj.insert((*name).to_owned(), serde_json::json!(n));
        }
        Ok(Value::Object(obj))
    };
    match key {
        "rect" => {
            let rect = numbers(&["left", "top", "width", "height"])?;
            options.insert("rect".to_owned(), rect);
        }
        "focalPoint" | "fp" => {
            let fp = numbers(&["x", "y"])?;
            options.insert("focalPoint".to_owned(), fp);
        }
        "flip" => {
            options.insert(
                "flipHorizontal".to_owned(),
                Value::Bool(value.contains('h')),
            );
            options.insert("flipVertical".to_owned(), Value::Bool(value.contains('v')));
        }
        _ => {
            let name = ALIASES
                .iter()
                .find(|(alias, _)| *alias == key)
                .map_or(key, |(_, name)| name);
            let parsed = match serde_json::from_str::<Value>(value) {
                Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => v,
                _ => Value::String(value.to_owned()),
            };
            options.insert(name.to_owned(), parsed);
        }
    }
    Ok(())
}
