//! [`ImageUrlBuilder`]: a fluent, immutable builder over [`UrlOptions`], method for method
//! the `@sanity/image-url` builder.

use serde_json::Value;

use super::error::UrlError;
use super::options::{FocalPointOption, OptionValue, RectOption, UrlOptions};
use crate::params::{Auto, Crop, Fit, OutputFormat, Rotation};

/// Builds Sanity image URLs fluently. Every method returns a new builder and leaves `self`
/// unchanged, so a configured builder can be shared and extended.
///
/// ```
/// use pixform::params::{Crop, Fit};
/// use pixform::url::ImageUrlBuilder;
///
/// let base = ImageUrlBuilder::new("zp7mbokg", "production")
///     .image_id("image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg");
/// assert_eq!(
///     base.size(300, 200).fit(Fit::Crop).crop(Crop::Entropy).url()?,
///     "https://cdn.sanity.io/images/zp7mbokg/production/Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg\
///      ?w=300&h=200&fit=crop&crop=entropy"
/// );
/// // Without an explicit crop mode the image's crop and hotspot give a `rect`.
/// assert_eq!(
///     base.size(300, 200).url()?,
///     "https://cdn.sanity.io/images/zp7mbokg/production/Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg\
///      ?rect=0,834,2000,1333&w=300&h=200"
/// );
/// assert_eq!(
///     base.rect(10, 20, 300, 400).flip_horizontal().blur(20).vanity_name("cat.jpg").url()?,
///     "https://cdn.sanity.io/images/zp7mbokg/production/Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg/cat.jpg\
///      ?rect=10,20,300,400&flip=h&blur=20"
/// );
/// # Ok::<(), pixform::url::UrlError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageUrlBuilder {
    options: UrlOptions,
    /// A value the client rejects as it is set (`frame` other than 1); reported by `url()`.
    deferred_error: Option<UrlError>,
}

impl ImageUrlBuilder {
    /// A builder for a project and dataset on the default CDN.
    pub fn new(project_id: &str, dataset: &str) -> ImageUrlBuilder {
        ImageUrlBuilder::from_options(UrlOptions {
            project_id: Some(project_id.into()),
            dataset: Some(dataset.into()),
            ..UrlOptions::default()
        })
    }

    /// A builder starting from an option object.
    pub fn from_options(options: UrlOptions) -> ImageUrlBuilder {
        ImageUrlBuilder {
            options,
            deferred_error: None,
        }
    }

    /// The option object held so far.
    pub fn options(&self) -> &UrlOptions {
        &self.options
    }

    /// Builds the URL (see [`UrlOptions::to_url`]).
    pub fn url(&self) -> Result<String, UrlError> {
        match &self.deferred_error {
            Some(e) => Err(e.clone()),
            None => self.options.to_url(),
        }
    }

    fn with(&self, change: impl FnOnce(&mut UrlOptions)) -> ImageUrlBuilder {
        let mut next = self.clone();
        change(&mut next.options);
        next
    }

    /// The image as any source form the client accepts (see [`UrlOptions::source`]), e.g. an
    /// image object as a query returns it, with `crop` and `hotspot`.
    pub fn image(&self, source: Value) -> ImageUrlBuilder {
        self.with(|o| o.source = Some(source))
    }

    /// The image by asset ID or image URL.
    pub fn image_id(&self, id_or_url: &str) -> ImageUrlBuilder {
        self.image(Value::String(id_or_url.to_owned()))
    }

    /// The project ID.
    pub fn project_id(&self, project_id: &str) -> ImageUrlBuilder {
        self.with(|o| o.project_id = Some(project_id.into()))
    }

    /// The dataset.
    pub fn dataset(&self, dataset: &str) -> ImageUrlBuilder {
        self.with(|o| o.dataset = Some(dataset.into()))
    }

    /// The CDN origin (trailing slashes are dropped when the URL is built).
    pub fn base_url(&self, base_url: &str) -> ImageUrlBuilder {
        self.with(|o| o.base_url = Some(base_url.into()))
    }

    /// Serve from a media library instead of a dataset.
    pub fn media_library(&self, id: &str) -> ImageUrlBuilder {
        self.with(|o| o.media_library_id = Some(id.into()))
    }

    /// Serve from a canvas instead of a dataset.
    pub fn canvas(&self, id: &str) -> ImageUrlBuilder {
        self.with(|o| o.canvas_id = Some(id.into()))
    }

    /// `bg`: background colour, hex RGB/ARGB/RRGGBB/AARRGGBB.
    pub fn bg(&self, colour: &str) -> ImageUrlBuilder {
        self.with(|o| o.bg = Some(colour.into()))
    }

    /// `dpr`. As in the client, 1 (the default) and 0 leave the option unchanged.
    pub fn dpr(&self, dpr: f64) -> ImageUrlBuilder {
        if dpr == 0.0 || dpr == 1.0 || dpr.is_nan() {
            return self.clone();
        }
        self.with(|o| o.dpr = Some(dpr.into()))
    }

    /// `w` in pixels.
    pub fn width(&self, width: u32) -> ImageUrlBuilder {
        self.with(|o| o.width = Some(width.into()))
    }

    /// `h` in pixels.
    pub fn height(&self, height: u32) -> ImageUrlBuilder {
        self.with(|o| o.height = Some(height.into()))
    }

    /// `w` and `h` in pixels.
    pub fn size(&self, width: u32, height: u32) -> ImageUrlBuilder {
        self.width(width).height(height)
    }

    /// `fp-x`, `fp-y` as fractions 0–1 (disables the crop/hotspot fit).
    pub fn focal_point(&self, x: f64, y: f64) -> ImageUrlBuilder {
        self.with(|o| {
            o.focal_point = Some(FocalPointOption {
                x: Some(x.into()),
                y: Some(y.into()),
            })
        })
    }

    /// `max-w`.
    pub fn max_width(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.max_width = Some(v.into()))
    }

    /// `min-w`.
    pub fn min_width(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.min_width = Some(v.into()))
    }

    /// `max-h`.
    pub fn max_height(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.max_height = Some(v.into()))
    }

    /// `min-h`.
    pub fn min_height(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.min_height = Some(v.into()))
    }

    /// `blur`.
    pub fn blur(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.blur = Some(v.into()))
    }

    /// `sharp`.
    pub fn sharpen(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.sharpen = Some(v.into()))
    }

    /// `rect`: source rectangle in pixels (disables the crop/hotspot fit).
    pub fn rect(&self, left: u32, top: u32, width: u32, height: u32) -> ImageUrlBuilder {
        self.with(|o| {
            o.rect = Some(RectOption {
                left: Some(left.into()),
                top: Some(top.into()),
                width: Some(width.into()),
                height: Some(height.into()),
            })
        })
    }

    /// `fm`.
    pub fn format(&self, format: OutputFormat) -> ImageUrlBuilder {
        self.with(|o| o.format = Some(format.as_str().into()))
    }

    /// `invert`.
    pub fn invert(&self, invert: bool) -> ImageUrlBuilder {
        self.with(|o| o.invert = Some(invert.into()))
    }

    /// `or`: clockwise rotation.
    pub fn orientation(&self, rotation: Rotation) -> ImageUrlBuilder {
        self.with(|o| o.orientation = Some(u32::from(rotation.degrees()).into()))
    }

    /// `q`, 0–100.
    pub fn quality(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.quality = Some(v.into()))
    }

    /// `dl=true` (or `dl=false`): serve as a download with the default file name.
    pub fn force_download(&self, download: bool) -> ImageUrlBuilder {
        self.with(|o| o.download = Some(download.into()))
    }

    /// `dl=<file name>`: serve as a download under this name.
    pub fn download_as(&self, file_name: &str) -> ImageUrlBuilder {
        self.with(|o| o.download = Some(file_name.into()))
    }

    /// `flip=h`.
    pub fn flip_horizontal(&self) -> ImageUrlBuilder {
        self.with(|o| o.flip_horizontal = Some(true.into()))
    }

    /// `flip=v`.
    pub fn flip_vertical(&self) -> ImageUrlBuilder {
        self.with(|o| o.flip_vertical = Some(true.into()))
    }

    /// Do not apply the image's crop and hotspot.
    pub fn ignore_image_params(&self) -> ImageUrlBuilder {
        self.with(|o| o.ignore_image_params = Some(true.into()))
    }

    /// `fit`.
    pub fn fit(&self, fit: Fit) -> ImageUrlBuilder {
        self.with(|o| o.fit = Some(fit.as_str().into()))
    }

    /// `crop` (disables the crop/hotspot fit): edge anchors (`top,left`), `center`,
    /// `focalpoint` or `entropy`.
    pub fn crop(&self, crop: Crop) -> ImageUrlBuilder {
        self.with(|o| o.crop = Some(crop.to_string().into()))
    }

    /// `sat`, −100–100.
    pub fn saturation(&self, v: i32) -> ImageUrlBuilder {
        self.with(|o| o.saturation = Some(v.into()))
    }

    /// `auto`.
    pub fn auto(&self, auto: Auto) -> ImageUrlBuilder {
        self.with(|o| o.auto = Some(auto.as_str().into()))
    }

    /// `pad` in pixels.
    pub fn pad(&self, v: u32) -> ImageUrlBuilder {
        self.with(|o| o.pad = Some(v.into()))
    }

    /// A file name appended to the path for SEO (written raw, as the client does).
    pub fn vanity_name(&self, name: &str) -> ImageUrlBuilder {
        self.with(|o| o.vanity_name = Some(name.into()))
    }

    /// `frame`: only 1 (the first frame) is valid; another value makes `url()` fail, as the
    /// client throws on it.
    pub fn frame(&self, frame: u32) -> ImageUrlBuilder {
        if frame != 1 {
            let mut next = self.clone();
            next.deferred_error = Some(UrlError::InvalidOption {
                option: "frame",
                value: frame.to_string(),
                expected: "1",
            });
            return next;
        }
        self.with(|o| o.frame = Some(OptionValue::from(1_u32)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{HorizontalAnchor, VerticalAnchor};

    #[test]
    fn methods_do_not_change_the_original() {
        let base = ImageUrlBuilder::new("p", "d").image_id("image-abc-10x20-png");
        let wide = base.width(5);
        assert_eq!(
            base.url().as_deref(),
            Ok("https://cdn.sanity.io/images/p/d/abc-10x20.png")
        );
        assert_eq!(
            wide.url().as_deref(),
            Ok("https://cdn.sanity.io/images/p/d/abc-10x20.png?w=5")
        );
    }

    #[test]
    fn dpr_one_keeps_the_previous_value_and_bad_frames_fail() {
        let b = ImageUrlBuilder::new("p", "d").image_id("image-abc-10x20-png");
        assert_eq!(
            b.dpr(2.0).dpr(1.0).url().as_deref(),
            Ok("https://cdn.sanity.io/images/p/d/abc-10x20.png?dpr=2")
        );
        assert_eq!(
            b.frame(1).url().as_deref(),
            Ok("https://cdn.sanity.io/images/p/d/abc-10x20.png?frame=1")
        );
        assert!(matches!(
            b.frame(2).url(),
            Err(UrlError::InvalidOption {
                option: "frame",
                ..
            })
        ));
    }

    #[test]
    fn every_parameter_in_client_order() {
        let url = ImageUrlBuilder::new("p", "d")
            .image_id("image-abc-10x20-png")
            .frame(1)
            .pad(3)
            .dpr(1.5)
            .auto(Auto::Format)
            .saturation(-20)
            .crop(Crop::Anchor {
                horizontal: HorizontalAnchor::Center,
                vertical: VerticalAnchor::Top,
            })
            .fit(Fit::FillMax)
            .quality(80)
            .max_width(9)
            .min_width(2)
            .max_height(8)
            .min_height(1)
            .orientation(Rotation::R270)
            .invert(false)
            .sharpen(4)
            .blur(7)
            .download_as("a b&c")
            .format(OutputFormat::Pjpg)
            .size(5, 6)
            .flip_vertical()
            .flip_horizontal()
            .focal_point(0.25, 0.125)
            .bg("80ff0000")
            .url();
        assert_eq!(
            url.as_deref(),
            Ok(
                "https://cdn.sanity.io/images/p/d/abc-10x20.png?bg=80ff0000&fp-x=0.25&fp-y=0.125\
                &flip=hv&w=5&h=6&fm=pjpg&dl=a%20b%26c&blur=7&sharp=4&invert=false&or=270\
                &min-h=1&max-h=8&min-w=2&max-w=9&q=80&fit=fillmax&crop=top&sat=-20&auto=format\
                &dpr=1.5&pad=3&frame=1"
            )
        );
    }

    #[test]
    fn resource_hosts() {
        let b = ImageUrlBuilder::new("p", "d")
            .image_id("image-abc-10x20-png")
            .base_url("https://x.test//");
        assert_eq!(
            b.url().as_deref(),
            Ok("https://x.test/images/p/d/abc-10x20.png")
        );
        assert_eq!(
            b.canvas("c1").url().as_deref(),
            Ok("https://x.test/images/canvases/c1/abc-10x20.png")
        );
        assert_eq!(
            b.canvas("c1").media_library("m1").url().as_deref(),
            Ok("https://x.test/media-libraries/m1/images/abc-10x20.png")
        );
    }
}
