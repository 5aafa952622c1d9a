//! What kind of file a byte string is: magic bytes first, the filename's extension second.

use crate::format::ImageFormat;

/// The outcome of sniffing the magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// An image pixform decodes.
    Image(ImageFormat),
    /// An image format pixform does not decode (its extension, e.g. `avif`).
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
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Image(ImageFormat::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Image(ImageFormat::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Sniffed::Image(ImageFormat::Gif);
    }
    if starts(b"RIFF") && at(8, b"WEBP") {
        return Sniffed::Image(ImageFormat::Webp);
    }
    if at(4, b"ftypavif") || at(4, b"ftypavis") {
        return Sniffed::UnsupportedImage("avif");
    }
    if at(4, b"ftypheic") || at(4, b"ftypheix") || at(4, b"ftypmif1") {
        return Sniffed::UnsupportedImage("heic");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Sniffed::UnsupportedImage("tiff");
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
    Sniffed::Unknown
}

/// The media type usually served for a lowercase file extension.
pub(crate) fn mime_for_extension(extension: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("pdf", "application/pdf"),
        ("zip", "application/zip"),
        ("gz", "application/gzip"),
        ("json", "application/json"),
        ("txt", "text/plain"),
        ("csv", "text/csv"),
        ("html", "text/html"),
        ("htm", "text/html"),
        ("css", "text/css"),
        ("js", "text/javascript"),
        ("xml", "application/xml"),
        ("svg", "image/svg+xml"),
        ("md", "text/markdown"),
        ("mp3", "audio/mpeg"),
        ("ogg", "audio/ogg"),
        ("wav", "audio/wav"),
        ("flac", "audio/flac"),
        ("mp4", "video/mp4"),
        ("mov", "video/quicktime"),
        ("webm", "video/webm"),
        ("woff", "font/woff"),
        ("woff2", "font/woff2"),
        ("ttf", "font/ttf"),
        ("otf", "font/otf"),
        ("doc", "application/msword"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("xls", "application/vnd.ms-excel"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("gif", "image/gif"),
        ("webp", "image/webp"),
        ("avif", "image/avif"),
        ("heic", "image/heic"),
        ("tif", "image/tiff"),
        ("tiff", "image/tiff"),
        ("bmp", "image/bmp"),
    ];
    TABLE
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map(|(_, mime)| *mime)
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
            (b"\0\0\0\x1cftypavif", Sniffed::UnsupportedImage("avif")),
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
