//! Sanity image URLs: building them exactly as the `@sanity/image-url` 2.1.1 client does,
//! parsing them back, and signing and verifying them as `@sanity/signed-urls` 2.0.6 does.
//!
//! * [`UrlOptions`] is the client's option object (serde, camelCase keys) and
//!   [`UrlOptions::to_url`] returns the byte-identical URL, or an error where the client throws.
//! * [`ImageUrlBuilder`] is the fluent, immutable front end.
//! * [`parse_image_url`] splits a URL from any host into resource, asset, vanity name, query
//!   and signing parameters.
//! * [`sign_url`] and [`verify_url`] make and check Ed25519-signed URLs.
//!
//! ```
//! use pixform::params::Fit;
//! use pixform::url::ImageUrlBuilder;
//!
//! let url = ImageUrlBuilder::new("zp7mbokg", "production")
//!     .image_id("image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg")
//!     .width(400)
//!     .fit(Fit::Max)
//!     .url()?;
//! assert_eq!(
//!     url,
//!     "https://cdn.sanity.io/images/zp7mbokg/production/Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000.jpg?w=400&fit=max"
//! );
//! # Ok::<(), pixform::url::UrlError>(())
//! ```
//!
//! # Decisions where the client is loose or ambiguous
//!
//! * **Values are kept as the client holds them.** Option values are JSON scalars
//!   ([`OptionValue`]) printed with JavaScript's `String()` (`1.5`, `1e+21`, `true`), so a
//!   width of `100.5` or `"100"` reaches the URL exactly as the client would write it. A held
//!   `null` prints `null` and an unset project or dataset prints `undefined`, as in the client.
//!   Only `download` and the mapped parameters are percent-encoded (`encodeURIComponent`);
//!   `bg`, `fp-x`/`fp-y`, `rect` and the vanity name are written raw, as the client does.
//! * **Asset references are read leniently when building**, like the client's `parseAssetId`:
//!   any name, dimensions through JavaScript `Number()` (`image-abc-12x-jpg` is 12×0, `010` is
//!   10). [`crate::AssetId::parse`] and [`parse_image_url`] are strict.
//! * **Errors** come exactly where the client throws: an unresolvable source, a malformed
//!   reference, and the `TypeError`s of a null `asset`, a non-string `_ref`, or a non-string
//!   `baseUrl`. An image with `_upload` and no asset yields the client's placeholder data URL.
//! * **Option keys** are the builder's held keys; the parameter-name aliases (`w`, `fm`, …)
//!   are not read, because the builder renames them before holding them.
//! * **Parsing**: `/images/canvases/<id>/<file>` is read as a canvas (a project named
//!   `canvases` cannot be told apart); the vanity name is returned as written in the path.
//! * **Signing** does not read the clock: [`sign_url`] takes the expiry as given (the client
//!   refuses an expiry in the past); [`verify_url`] takes `now` as an argument and accepts a URL
//!   while `now < expiry`. Verification rebuilds the canonical form from the parameters, so the
//!   order of parameters and equivalent percent-encodings do not matter; any change of a value,
//!   the path, the host or the key does.

mod builder;
mod error;
mod js;
mod options;
mod parse;
mod sign;
mod source;
mod url_for_image;

pub use builder::ImageUrlBuilder;
pub use error::UrlError;
pub use options::{FocalPointOption, OptionValue, RectOption, UrlOptions};
pub use parse::{parse_image_url, ImageResource, ParsedImageUrl, SigningParams, SIGNING_KEYS};
pub use sign::{sign_url, verify_url, VerifiedUrl};
pub use url_for_image::{DEFAULT_BASE_URL, IN_PROGRESS_PLACEHOLDER};
