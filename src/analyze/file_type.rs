//! What kind of file a byte string is: its magic bytes decide; the filename's extension only
//! refines bytes with no signature pixform knows.

use crate::format::ImageFormat;

/// The outcome of sniffing the magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// An image format of the codec (decoded, or a typed 415 naming the Cargo feature that would).
    Image(ImageFormat),
    /// An image format pixform does not read (its extension: `bmp`).
    UnsupportedImage(&'static str),
    /// Another known file type: its media type.
    Other(&'static str),
    /// Nothing recognisable.
    Unknown,
}

/// Classifies `bytes` by their leading magic bytes.
pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| {
        bytes
            .get(offset..)
            .is_some_and(|rest| rest.starts_with(magic))
    };
    // Every image format pixform reads, by the codec's own signatures (one table): AVIF and
    // HEIC are images in every build, decoded or answered 415 naming the Cargo feature.
    if let Ok(format) = crate::codec::sniff_format(bytes) {
        return Sniffed::Image(format);
    }
    if starts(b"BM") && bytes.len() >= 26 {
        return Sniffed::UnsupportedImage("bmp");
    }
    const OTHERS: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (&[0x1F, 0x8B], "application/gzip"),
        (b"OggS", "audio/ogg"),
        (b"fLaC", "audio/flac"),
        (b"ID3", "audio/mpeg"),
        (&[0x1A, 0x45, 0xDF, 0xA3], "video/webm"),
        (b"wOFF", "font/woff"),
        (b"wOF2", "font/woff2"),
    ];
    if let Some((_, mime)) = OTHERS.iter().find(|(magic, _)| starts(magic)) {
        return Sniffed::Other(mime);
    }
    if at(4, b"ftyp") {
        return Sniffed::Other("video/mp4");
    }
    // The codec's own test (XML prologue, then `<svg` within the first 4 KiB), so what the
    // analysis calls an image is what the transform decodes.
    Sniffed::Unknown
}

/// Lowercase file extension, the media type usually served for it, and whether [`sniff`]
/// recognises files of that type by their bytes (OOXML documents are ZIP archives, so their
/// bytes always sniff as `application/zip`).
const EXTENSIONS: &[(&str, &str, bool)] = &[
    ("pdf", "application/pdf", true),
    ("zip", "application/zip", true),
    ("gz", "application/gzip", true),
    ("json", "application/json", false),
    ("txt", "text/plain", false),
    ("csv", "text/csv", false),
    ("html", "text/html", false),
    ("htm", "text/html", false),
    ("css", "text/css", false),
    ("js", "text/javascript", false),
    ("xml", "application/xml", false),
    ("svg", "image/svg+xml", true),
    ("md", "text/markdown", false),
    ("mp3", "audio/mpeg", false),
    ("ogg", "audio/ogg", true),
    ("wav", "audio/wav", false),
    ("flac", "audio/flac", true),
    ("mp4", "video/mp4", true),
    ("mov", "video/quicktime", false),
    ("webm", "video/webm", true),
    ("woff", "font/woff", true),
    ("woff2", "font/woff2", true),
    ("ttf", "font/ttf", false),
    ("otf", "font/otf", false),
    ("doc", "application/msword", false),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        true,
    ),
    ("xls", "application/vnd.ms-excel", false),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        true,
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        true,
    ),
    ("jpg", "image/jpeg", true),
    ("jpeg", "image/jpeg", true),
    ("png", "image/png", true),
    ("gif", "image/gif", true),
    ("webp", "image/webp", true),
    ("avif", "image/avif", true),
    ("heic", "image/heic", true),
    ("tif", "image/tiff", true),
    ("tiff", "image/tiff", true),
    ("bmp", "image/bmp", true),
];

/// The media type usually served for a lowercase file extension.
pub(crate) fn mime_for_extension(extension: &str) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .find(|(ext, _, _)| *ext == extension)
        .map(|(_, mime, _)| *mime)
}

/// The media type a file name's extension may give bytes that [`sniff`] did not recognise:
/// only a type without a signature pixform checks. The bytes of any other type would have
/// been recognised, so a name claiming one (a text file called `photo.jpg`) names, but does
/// not type, the file.
pub(crate) fn mime_for_unrecognised(extension: &str) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .find(|(ext, _, signed)| *ext == extension && !signed)
        .map(|(_, mime, _)| *mime)
}

/// The lowercase extension of `filename` when it is a plain ASCII alphanumeric suffix (at most
/// 16 characters), else `None`: such an extension is safe inside a document ID and a path.
pub(crate) fn extension_of(filename: &str) -> Option<String> {
    let name = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let (stem, ext) = name.rsplit_once('.')?;
    let usable = !stem.is_empty()
        && !ext.is_empty()
        && ext.len() <= 16
        && ext.bytes().all(|b| b.is_ascii_alphanumeric());
    usable.then(|| ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_cases() {
        let cases: &[(&[u8], Sniffed)] = &[
            (b"\xFF\xD8\xFF\xE0rest", Sniffed::Image(ImageFormat::Jpeg)),
            (b"\x89PNG\r\n\x1a\n....", Sniffed::Image(ImageFormat::Png)),
            (b"GIF89a...", Sniffed::Image(ImageFormat::Gif)),
            (b"RIFF\0\0\0\0WEBPVP8 ", Sniffed::Image(ImageFormat::Webp)),
            (b"\0\0\0\x1cftypavif", Sniffed::Image(ImageFormat::Avif)),
            (
                b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
                Sniffed::Image(ImageFormat::Heic),
            ),
            (b"II*\0\x08\0\0\0", Sniffed::Image(ImageFormat::Tiff)),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                Sniffed::Image(ImageFormat::Svg),
            ),
            (
                b"BM\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                Sniffed::UnsupportedImage("bmp"),
            ),
            (
                b"\0\0\0\x18ftypisom\0\0\0\0isomavc1",
                Sniffed::Other("video/mp4"),
            ),
            (b"%PDF-1.7", Sniffed::Other("application/pdf")),
            (b"PK\x03\x04", Sniffed::Other("application/zip")),
            (b"hello", Sniffed::Unknown),
            (b"", Sniffed::Unknown),
            (b"RIFF", Sniffed::Unknown),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff(bytes), *want, "{bytes:?}");
        }
    }

    #[test]
    fn a_name_types_only_what_bytes_cannot_show() {
        let cases = [
            ("txt", Some("text/plain")),
            ("csv", Some("text/csv")),
            ("doc", Some("application/msword")),
            ("jpg", None),
            ("png", None),
            ("webp", None),
            ("pdf", None),
            ("zip", None),
            ("docx", None),
            ("exe", None),
        ];
        for (ext, want) in cases {
            assert_eq!(mime_for_unrecognised(ext), want, "{ext}");
        }
    }

    #[test]
    fn extension_cases() {
        let cases = [
            ("report.PDF", Some("pdf")),
            ("archive.tar.gz", Some("gz")),
            ("dir.d/README", None),
            (".bashrc", None),
            ("name.", None),
            ("bad.e x t", None),
            ("C:\\x\\photo.Jpeg", Some("jpeg")),
        ];
        for (name, want) in cases {
            assert_eq!(extension_of(name).as_deref(), want, "{name}");
        }
    }
}
