//! [`UrlOptions::to_url`]: `urlForImage` and `specToImageUrl` of `@sanity/image-url` 2.1.1.

use super::error::UrlError;
use super::js::{encode_uri_component, math_max, math_round, number_to_string};
use super::options::{OptionValue, UrlOptions};
use super::source::{resolve, CropFractions, HotspotFractions, LooseAsset, Resolved};

/// The client's placeholder for an image whose upload has not finished: a 1×1 transparent PNG.
pub const IN_PROGRESS_PLACEHOLDER: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8HwQACfsD/QNViZkAAAAASUVORK5CYII=";

/// The CDN origin when `baseUrl` is unset.
pub const DEFAULT_BASE_URL: &str = "https://cdn.sanity.io";

/// A rectangle in source pixels, as JavaScript numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PixelRect {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

/// The hotspot as pixel edges.
#[derive(Debug, Clone, Copy)]
struct PixelEdges {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

/// The option name and the query key it becomes, in the order the client emits them.
fn mapped_params(o: &UrlOptions) -> [(&'static str, Option<&OptionValue>); 20] {
    [
        ("w", o.width.as_ref()),
        ("h", o.height.as_ref()),
        ("fm", o.format.as_ref()),
        ("dl", o.download.as_ref()),
        ("blur", o.blur.as_ref()),
        ("sharp", o.sharpen.as_ref()),
        ("invert", o.invert.as_ref()),
        ("or", o.orientation.as_ref()),
        ("min-h", o.min_height.as_ref()),
        ("max-h", o.max_height.as_ref()),
        ("min-w", o.min_width.as_ref()),
        ("max-w", o.max_width.as_ref()),
        ("q", o.quality.as_ref()),
        ("fit", o.fit.as_ref()),
        ("crop", o.crop.as_ref()),
        ("sat", o.saturation.as_ref()),
        ("auto", o.auto.as_ref()),
        ("dpr", o.dpr.as_ref()),
        ("pad", o.pad.as_ref()),
        ("frame", o.frame.as_ref()),
    ]
}

fn truthy(v: Option<&OptionValue>) -> bool {
    v.is_some_and(OptionValue::is_truthy)
}

/// `${value}` in a template literal (`undefined` when unset).
fn interpolate(v: Option<&OptionValue>) -> String {
    v.map_or_else(|| "undefined".to_owned(), OptionValue::to_js_string)
}

impl UrlOptions {
    /// Builds the URL exactly as `@sanity/image-url` 2.1.1 does for this option object, or
    /// the error where the client throws.
    ///
    /// ```
    /// use pixform::url::UrlOptions;
    ///
    /// let options = UrlOptions::from_json(r#"{
    ///     "projectId": "zp7mbokg", "dataset": "production",
    ///     "source": {"asset": {"_ref": "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg"},
    ///                "crop": {"left": 0.1, "top": 0, "right": 0, "bottom": 0}},
    ///     "width": 300, "height": 300, "download": "my photo.jpg"
    /// }"#)?;
    /// assert_eq!(
    ///     options.to_url()?,
    ///     "https://cdn.sanity.io/images/zp7mbokg/production/\
    ///      Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg\
    ///      ?rect=200,600,1800,1800&w=300&h=300&dl=my%20photo.jpg"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_url(&self) -> Result<String, UrlError> {
        let image = match resolve(self.source.as_ref())? {
            Resolved::InProgressUpload => return Ok(IN_PROGRESS_PLACEHOLDER.to_owned()),
            Resolved::Image(image) => image,
        };
        let asset = &image.asset;
        let crop = crop_rect(&image.crop, asset);
        let hotspot = hotspot_edges(&image.hotspot, asset);

        let explicit = self.rect.is_some()
            || self.focal_point.is_some()
            || truthy(self.ignore_image_params.as_ref())
            || truthy(self.crop.as_ref());
        // The rect parts as the client holds them: user values, or numbers it computed.
        let rect: Option<[Option<OptionValue>; 4]> = if explicit {
            self.rect.as_ref().map(|r| {
                [
                    r.left.clone(),
                    r.top.clone(),
                    r.width.clone(),
                    r.height.clone(),
                ]
            })
        } else {
            let r = self.fit_rect(crop, hotspot);
            Some([r.left, r.top, r.width, r.height].map(|x| Some(OptionValue::Number(x))))
        };

        let mut url = self.base_path(asset)?;
        let mut params: Vec<String> = Vec::new();
        if let Some(parts) = rect {
            if is_effective_crop(&parts, asset) {
                let printed: Vec<String> = parts.iter().map(|p| interpolate(p.as_ref())).collect();
                params.push(format!("rect={}", printed.join(",")));
            }
        }
        if truthy(self.bg.as_ref()) {
            params.push(format!("bg={}", interpolate(self.bg.as_ref())));
        }
        if let Some(fp) = &self.focal_point {
            params.push(format!("fp-x={}", interpolate(fp.x.as_ref())));
            params.push(format!("fp-y={}", interpolate(fp.y.as_ref())));
        }
        let mut flip = String::new();
        if truthy(self.flip_horizontal.as_ref()) {
            flip.push('h');
        }
        if truthy(self.flip_vertical.as_ref()) {
            flip.push('v');
        }
        if !flip.is_empty() {
            params.push(format!("flip={flip}"));
        }
        for (key, value) in mapped_params(self) {
            if let Some(v) = value {
                params.push(format!("{key}={}", encode_uri_component(&v.to_js_string())));
            }
        }
        if !params.is_empty() {
            url.push('?');
            url.push_str(&params.join("&"));
        }
        Ok(url)
    }

    /// Origin, resource path and file name (with the vanity name), without the query.
    fn base_path(&self, asset: &LooseAsset) -> Result<String, UrlError> {
        let cdn = match &self.base_url {
            Some(OptionValue::String(s)) if !s.is_empty() => s.trim_end_matches('/').to_owned(),
            Some(v) if v.is_truthy() => {
                // The client calls `.replace` on it, which only strings have.
                return Err(UrlError::InvalidSourceValue {
                    field: "baseUrl",
                    found: v.to_js_string(),
                });
            }
            _ => DEFAULT_BASE_URL.to_owned(),
        };
        let vanity = if truthy(self.vanity_name.as_ref()) {
            format!("/{}", interpolate(self.vanity_name.as_ref()))
        } else {
            String::new()
        };
        let file = format!(
            "{}-{}x{}.{}{vanity}",
            asset.name,
            number_to_string(asset.width),
            number_to_string(asset.height),
            asset.format
        );
        Ok(if truthy(self.media_library_id.as_ref()) {
            let id = interpolate(self.media_library_id.as_ref());
            format!("{cdn}/media-libraries/{id}/images/{file}")
        } else if truthy(self.canvas_id.as_ref()) {
            let id = interpolate(self.canvas_id.as_ref());
            format!("{cdn}/images/canvases/{id}/{file}")
        } else {
            let project = interpolate(self.project_id.as_ref());
            let dataset = interpolate(self.dataset.as_ref());
            format!("{cdn}/images/{project}/{dataset}/{file}")
        })
    }

    /// The client's `fit`: the crop rectangle, narrowed to the requested aspect ratio around
    /// the hotspot when both `width` and `height` are set.
    fn fit_rect(&self, crop: PixelRect, hotspot: PixelEdges) -> PixelRect {
        let (Some(w), Some(h)) = (&self.width, &self.height) else {
            return crop;
        };
        if !(w.is_truthy() && h.is_truthy()) {
            return crop;
        }
        let desired = w.to_number() / h.to_number();
        let crop_aspect = crop.width / crop.height;
        if crop_aspect > desired {
            // Wider than wanted: cut from the sides, centred on the hotspot.
            let height = math_round(crop.height);
            let width = math_round(height * desired);
            let top = math_max(0.0, math_round(crop.top));
            let centre_x = math_round((hotspot.right - hotspot.left) / 2.0 + hotspot.left);
            let mut left = math_max(0.0, math_round(centre_x - width / 2.0));
            if left < crop.left {
                left = crop.left;
            } else if left + width > crop.left + crop.width {
                left = crop.left + crop.width - width;
            }
            PixelRect {
                left,
                top,
                width,
                height,
            }
        } else {
            // Taller than wanted: cut from top and bottom, centred on the hotspot.
            let width = crop.width;
            let height = math_round(width / desired);
            let left = math_max(0.0, math_round(crop.left));
            let centre_y = math_round((hotspot.bottom - hotspot.top) / 2.0 + hotspot.top);
            let mut top = math_max(0.0, math_round(centre_y - height / 2.0));
            if top < crop.top {
                top = crop.top;
            } else if top + height > crop.top + crop.height {
                top = crop.top + crop.height - height;
            }
            PixelRect {
                left,
                top,
                width,
                height,
            }
        }
    }
}

/// The crop in source pixels, rounded as the client rounds it.
fn crop_rect(c: &CropFractions, a: &LooseAsset) -> PixelRect {
    let left = math_round(c.left * a.width);
    let top = math_round(c.top * a.height);
    PixelRect {
        left,
        top,
        width: math_round(a.width - c.right * a.width - left),
        height: math_round(a.height - c.bottom * a.height - top),
    }
}

fn hotspot_edges(h: &HotspotFractions, a: &LooseAsset) -> PixelEdges {
    let radius_y = (h.height * a.height) / 2.0;
    let radius_x = (h.width * a.width) / 2.0;
    let centre_x = h.x * a.width;
    let centre_y = h.y * a.height;
    PixelEdges {
        left: centre_x - radius_x,
        top: centre_y - radius_y,
        right: centre_x + radius_x,
        bottom: centre_y + radius_y,
    }
}

/// `left !== 0 || top !== 0 || height !== asset.height || width !== asset.width` with
/// JavaScript's strict inequality (a string `"0"` is not `0`).
fn is_effective_crop(parts: &[Option<OptionValue>; 4], asset: &LooseAsset) -> bool {
    let strictly_equals =
        |v: &Option<OptionValue>, n: f64| matches!(v, Some(OptionValue::Number(x)) if *x == n);
    let [left, top, width, height] = parts;
    !strictly_equals(left, 0.0)
        || !strictly_equals(top, 0.0)
        || !strictly_equals(height, asset.height)
        || !strictly_equals(width, asset.width)
}
