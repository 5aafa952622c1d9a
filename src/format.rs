//! Image container formats, shared by every layer.

use std::fmt;

/// An image container format pixform reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (baseline or progressive).
    Jpeg,
    /// PNG.
    Png,
    /// WebP (lossy or lossless).
    Webp,
    /// GIF.
    Gif,
    /// AVIF.
    Avif,
    /// TIFF: read (first page), never written; see [`ImageFormat::can_encode`].
    Tiff,
    /// HEIC (HEVC-coded HEIF): read (primary image), never written; decoding needs the `heic`
    /// Cargo feature, the header is read by every build.
    Heic,
    /// SVG: rasterised at the output size, or served as it is when no parameter changes
    /// pixels; never written as a raster target ([`ImageFormat::can_encode`]).
    Svg,
}

impl ImageFormat {
    /// Every format, in declaration order: the one list the lookups below search.
    pub const ALL: [ImageFormat; 8] = [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Webp,
        ImageFormat::Gif,
        ImageFormat::Avif,
        ImageFormat::Tiff,
        ImageFormat::Heic,
        ImageFormat::Svg,
    ];

    /// The format whose [`extension`](Self::extension) is `ext`, ignoring ASCII case; `jpeg`
    /// is accepted for JPEG, `tif` for TIFF and `heif` for HEIC as well. `None` for anything else.
    pub fn from_extension(ext: &str) -> Option<ImageFormat> {
        if ext.eq_ignore_ascii_case("jpeg") {
            return Some(ImageFormat::Jpeg);
        }
        if ext.eq_ignore_ascii_case("tif") {
            return Some(ImageFormat::Tiff);
        }
        if ext.eq_ignore_ascii_case("heif") {
            return Some(ImageFormat::Heic);
        }
        Self::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(ext))
    }

    /// The format whose [`mime_type`](Self::mime_type) is `mime` (ASCII case ignored, no
    /// parameters). `None` for anything else, wildcards included.
    pub fn from_mime_type(mime: &str) -> Option<ImageFormat> {
        Self::ALL
            .into_iter()
            .find(|f| f.mime_type().eq_ignore_ascii_case(mime))
    }

    /// The IANA media type, e.g. `image/jpeg`.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Avif => "image/avif",
            ImageFormat::Tiff => "image/tiff",
            ImageFormat::Heic => "image/heic",
            ImageFormat::Svg => "image/svg+xml",
        }
    }

    /// The usual file extension, without the dot (`jpg`, `png`, …).
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Gif => "gif",
            ImageFormat::Avif => "avif",
            ImageFormat::Tiff => "tiff",
            ImageFormat::Heic => "heic",
            ImageFormat::Svg => "svg",
        }
    }

    /// Whether the format can carry an alpha channel.
    pub fn supports_alpha(self) -> bool {
        !matches!(self, ImageFormat::Jpeg)
    }

    /// Whether pixform writes an animation in this format: GIF, WebP and PNG (as APNG).
    /// JPEG and AVIF outputs of an animation are its first frame.
    pub fn supports_animation(self) -> bool {
        matches!(
            self,
            ImageFormat::Gif | ImageFormat::Webp | ImageFormat::Png
        )
    }

    /// Whether pixform writes this format: every format but TIFF, HEIC and SVG, which are inputs only
    /// (a camera or print master is served as JPEG, or PNG when it has alpha; a rasterised SVG
    /// as PNG; an SVG asked for with no pixel parameter as its own bytes). Output
    /// negotiation (`fm`, `auto=format`, [`crate::accepted_formats`]) only ever yields
    /// formats for which this is true.
    pub fn can_encode(self) -> bool {
        !matches!(
            self,
            ImageFormat::Tiff | ImageFormat::Heic | ImageFormat::Svg
        )
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

#[cfg(test)]
mod tests {
    use super::ImageFormat;

    #[test]
    fn lookups_invert_the_names() {
        for f in ImageFormat::ALL {
            assert_eq!(ImageFormat::from_extension(f.extension()), Some(f));
            assert_eq!(ImageFormat::from_mime_type(f.mime_type()), Some(f));
        }
        let cases = [
            ("JPG", Some(ImageFormat::Jpeg)),
            ("jpeg", Some(ImageFormat::Jpeg)),
            ("Png", Some(ImageFormat::Png)),
            ("tiff", Some(ImageFormat::Tiff)),
            ("TIF", Some(ImageFormat::Tiff)),
            ("heic", Some(ImageFormat::Heic)),
            ("HEIF", Some(ImageFormat::Heic)),
            ("SVG", Some(ImageFormat::Svg)),
            ("", None),
            (".png", None),
        ];
        for (ext, want) in cases {
            assert_eq!(ImageFormat::from_extension(ext), want, "{ext}");
        }
        assert_eq!(
            ImageFormat::from_mime_type("IMAGE/WEBP"),
            Some(ImageFormat::Webp)
        );
        assert_eq!(
            ImageFormat::from_mime_type("image/tiff"),
            Some(ImageFormat::Tiff)
        );
        assert_eq!(
            ImageFormat::from_mime_type("image/svg+xml"),
            Some(ImageFormat::Svg)
        );
        assert_eq!(ImageFormat::from_mime_type("image/*"), None);
        assert_eq!(ImageFormat::from_mime_type("image/jpg"), None);
    }

    #[test]
    fn only_tiff_heic_and_svg_are_input_only() {
        let writable: Vec<ImageFormat> = ImageFormat::ALL
            .into_iter()
            .filter(|f| f.can_encode())
            .collect();
        assert_eq!(
            writable,
            [
                ImageFormat::Jpeg,
                ImageFormat::Png,
                ImageFormat::Webp,
                ImageFormat::Gif,
                ImageFormat::Avif
            ]
        );
    }
}
