//! Sanity asset IDs: `image-<name>-<W>x<H>-<ext>` and `file-<name>-<ext>` ([`AssetId`]).

use std::fmt;
use std::str::FromStr;

/// Shortest accepted asset name.
const MIN_NAME_LEN: usize = 24;
/// Longest accepted asset name (a SHA-1 in hex).
const MAX_NAME_LEN: usize = 40;

/// Whether an asset is an image (with dimensions) or any other file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetKind {
    /// `image-<name>-<W>x<H>-<ext>`.
    Image,
    /// `file-<name>-<ext>`.
    File,
}

impl AssetKind {
    /// The ID prefix: `image` or `file`.
    pub fn prefix(self) -> &'static str {
        match self {
            AssetKind::Image => "image",
            AssetKind::File => "file",
        }
    }
}

/// A validated Sanity asset ID: `image-<name>-<W>x<H>-<ext>` or `file-<name>-<ext>`.
///
/// [`AssetId::parse`] is strict: the name is 24–40 characters of `[A-Za-z0-9_]` (or 40
/// lowercase hex digits, the SHA-1 form), the dimensions are positive decimal integers without
/// sign or leading zeros, and the extension is `[a-z0-9]+`. `Display` prints the ID back
/// exactly, so `AssetId::parse(&id.to_string()) == Ok(id)`.
///
/// ```
/// use pixform::{AssetId, AssetKind};
///
/// let id = AssetId::parse("image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg")?;
/// assert_eq!(id.kind(), AssetKind::Image);
/// assert_eq!((id.width(), id.height()), (Some(2000), Some(3000)));
/// assert_eq!(id.extension(), "jpg");
/// assert_eq!(id.to_string(), "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg");
/// # Ok::<(), pixform::AssetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssetId {
    kind: AssetKind,
    name: String,
    dimensions: Option<(u32, u32)>,
    extension: String,
}

/// Why a text is not a valid asset ID.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssetError {
    /// The ID does not start with `image-` or `file-`.
    UnknownKind {
        /// The ID, shortened to 64 bytes.
        id: String,
    },
    /// The ID does not have the parts its kind needs.
    WrongShape {
        /// The ID, shortened to 64 bytes.
        id: String,
        /// The shape expected.
        expected: &'static str,
    },
    /// The name is not 24–40 of `[A-Za-z0-9_]` (or 40 lowercase hex digits).
    InvalidName {
        /// The name, shortened to 64 bytes.
        name: String,
    },
    /// A dimension is not a positive decimal integer without sign or leading zeros, or does
    /// not fit in `u32`.
    InvalidDimension {
        /// `"width"` or `"height"`.
        side: &'static str,
        /// The text found, shortened to 64 bytes.
        value: String,
    },
    /// The extension is not `[a-z0-9]+`.
    InvalidExtension {
        /// The extension, shortened to 64 bytes.
        extension: String,
    },
}

impl AssetError {
    /// The HTTP status for this error: always 400 (a bad identifier in the request).
    pub fn http_status(&self) -> u16 {
        400
    }
}

impl fmt::Display for AssetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssetError::UnknownKind { id } => {
                write!(f, "asset id \"{id}\": expected it to start with image- or file-")
            }
            AssetError::WrongShape { id, expected } => {
                write!(f, "asset id \"{id}\": expected {expected}")
            }
            AssetError::InvalidName { name } => write!(
                f,
                "asset name \"{name}\": expected 24–40 characters of A-Z a-z 0-9 _ or 40 hex digits"
            ),
            AssetError::InvalidDimension { side, value } => write!(
                f,
                "asset {side} \"{value}\": expected a positive decimal integer without leading zeros"
            ),
            AssetError::InvalidExtension { extension } => {
                write!(f, "asset extension \"{extension}\": expected [a-z0-9]+")
            }
        }
    }
}

impl std::error::Error for AssetError {}

/// At most 64 bytes of `s` (on a character boundary), for error messages.
fn shorten(s: &str) -> String {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").to_owned()
}

impl AssetId {
    /// Parses `image-<name>-<W>x<H>-<ext>` or `file-<name>-<ext>` strictly.
    pub fn parse(id: &str) -> Result<AssetId, AssetError> {
        if let Some(rest) = id.strip_prefix("image-") {
            let shape = || AssetError::WrongShape {
                id: shorten(id),
                expected: "image-<name>-<W>x<H>-<ext>",
            };
            let mut parts = rest.split('-');
            let (Some(name), Some(dims), Some(ext), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(shape());
            };
            let (w, h) = dims.split_once('x').ok_or_else(shape)?;
            AssetId::image(
                name,
                parse_dimension("width", w)?,
                parse_dimension("height", h)?,
                ext,
            )
        } else if let Some(rest) = id.strip_prefix("file-") {
            let (name, ext) = rest.split_once('-').ok_or_else(|| AssetError::WrongShape {
                id: shorten(id),
                expected: "file-<name>-<ext>",
            })?;
            AssetId::file(name, ext)
        } else {
            Err(AssetError::UnknownKind { id: shorten(id) })
        }
    }

    /// An image asset ID from its parts, validated as [`AssetId::parse`] does.
    pub fn image(
        name: &str,
        width: u32,
        height: u32,
        extension: &str,
    ) -> Result<AssetId, AssetError> {
        for (side, v) in [("width", width), ("height", height)] {
            if v == 0 {
                return Err(AssetError::InvalidDimension {
                    side,
                    value: v.to_string(),
                });
            }
        }
        Ok(AssetId {
            kind: AssetKind::Image,
            name: check_name(name)?,
            dimensions: Some((width, height)),
            extension: check_extension(extension)?,
        })
    }

    /// A file asset ID from its parts, validated as [`AssetId::parse`] does.
    pub fn file(name: &str, extension: &str) -> Result<AssetId, AssetError> {
        Ok(AssetId {
            kind: AssetKind::File,
            name: check_name(name)?,
            dimensions: None,
            extension: check_extension(extension)?,
        })
    }

    /// Image or file.
    pub fn kind(&self) -> AssetKind {
        self.kind
    }

    /// The name (the part between the kind and the dimensions or extension).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Width in pixels; `None` for files.
    pub fn width(&self) -> Option<u32> {
        self.dimensions.map(|(w, _)| w)
    }

    /// Height in pixels; `None` for files.
    pub fn height(&self) -> Option<u32> {
        self.dimensions.map(|(_, h)| h)
    }

    /// The file extension, e.g. `jpg`.
    pub fn extension(&self) -> &str {
        &self.extension
    }

    /// The file name the CDN serves the asset under: `<name>-<W>x<H>.<ext>` for images,
    /// `<name>.<ext>` for files.
    pub fn file_name(&self) -> String {
        match self.dimensions {
            Some((w, h)) => format!("{}-{w}x{h}.{}", self.name, self.extension),
            None => format!("{}.{}", self.name, self.extension),
        }
    }
}

fn check_name(name: &str) -> Result<String, AssetError> {
    let valid = (MIN_NAME_LEN..=MAX_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(AssetError::InvalidName {
            name: shorten(name),
        })
    }
}

fn check_extension(ext: &str) -> Result<String, AssetError> {
    if !ext.is_empty()
        && ext
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(ext.to_owned())
    } else {
        Err(AssetError::InvalidExtension {
            extension: shorten(ext),
        })
    }
}

/// A positive decimal integer without sign or leading zeros (so that printing it gives the
/// same text back).
fn parse_dimension(side: &'static str, s: &str) -> Result<u32, AssetError> {
    let invalid = || AssetError::InvalidDimension {
        side,
        value: shorten(s),
    };
    let digits_only = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || s.starts_with('0') {
        return Err(invalid());
    }
    s.parse().map_err(|_| invalid())
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dimensions {
            Some((w, h)) => write!(f, "image-{}-{w}x{h}-{}", self.name, self.extension),
            None => write!(f, "file-{}-{}", self.name, self.extension),
        }
    }
}

impl FromStr for AssetId {
    type Err = AssetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssetId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME24: &str = "Tb9Ew8CXIwaY6R1kjMvI0uRR";
    const SHA: &str = "546b1773b3f2eac5526da3a95f7ce9badeeda733";

    /// Text, kind, name, dimensions, extension.
    type ValidCase = (
        &'static str,
        AssetKind,
        &'static str,
        Option<(u32, u32)>,
        &'static str,
    );

    #[test]
    fn valid_ids_round_trip() {
        let cases: &[ValidCase] = &[
            (
                "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg",
                AssetKind::Image,
                NAME24,
                Some((2000, 3000)),
                "jpg",
            ),
            (
                "image-546b1773b3f2eac5526da3a95f7ce9badeeda733-1x1-webp",
                AssetKind::Image,
                SHA,
                Some((1, 1)),
                "webp",
            ),
            (
                "image-a_b_c_d_e_f_g_h_i_j_k_l_-4294967295x7-mp4",
                AssetKind::Image,
                "a_b_c_d_e_f_g_h_i_j_k_l_",
                Some((u32::MAX, 7)),
                "mp4",
            ),
            (
                "file-546b1773b3f2eac5526da3a95f7ce9badeeda733-pdf",
                AssetKind::File,
                SHA,
                None,
                "pdf",
            ),
        ];
        for &(text, kind, name, dims, ext) in cases {
            let id = AssetId::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(id.kind(), kind);
            assert_eq!(id.name(), name);
            assert_eq!(id.width().zip(id.height()), dims);
            assert_eq!(id.extension(), ext);
            assert_eq!(id.to_string(), text);
            assert_eq!(text.parse::<AssetId>(), Ok(id));
        }
    }

    proptest::proptest! {
        #[test]
        fn generated_ids_round_trip(
            name in "[A-Za-z0-9_]{24,40}", w in 1_u32.., h in 1_u32.., ext in "[a-z0-9]{1,5}", file in proptest::bool::ANY
        ) {
            let text = if file { format!("file-{name}-{ext}") } else { format!("image-{name}-{w}x{h}-{ext}") };
            let id = AssetId::parse(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn invalid_ids_are_rejected_with_the_reason() {
        let n = NAME24;
        let cases: Vec<(String, &str)> = vec![
            ("image-abc-10x10-png".into(), "InvalidName"),
            (format!("image-{n}!-10x10-png"), "InvalidName"),
            (format!("image-{}-10x10-png", "a".repeat(41)), "InvalidName"),
            (format!("image-{}-10x10-png", "a-b".repeat(9)), "WrongShape"),
            (format!("image-{n}-10x-png"), "InvalidDimension"),
            (format!("image-{n}-010x10-png"), "InvalidDimension"),
            (format!("image-{n}-+10x10-png"), "InvalidDimension"),
            (format!("image-{n}-0x10-png"), "InvalidDimension"),
            (format!("image-{n}-10x4294967296-png"), "InvalidDimension"),
            (format!("image-{n}-10x10-PNG"), "InvalidExtension"),
            (format!("image-{n}-10x10-"), "InvalidExtension"),
            (format!("image-{n}-10x10"), "WrongShape"),
            (format!("image-{n}-10x10-png-x"), "WrongShape"),
            (format!("image-{n}-10y10-png"), "WrongShape"),
            (format!("file-{n}"), "WrongShape"),
            (format!("file-{n}-p.df"), "InvalidExtension"),
            (format!("video-{n}-mp4"), "UnknownKind"),
            (String::new(), "UnknownKind"),
        ];
        for (text, want) in cases {
            let err = AssetId::parse(&text).expect_err(&text);
            let got = format!("{err:?}");
            assert!(got.starts_with(want), "{text}: got {got}, want {want}");
            assert_eq!(err.http_status(), 400);
        }
    }
}
