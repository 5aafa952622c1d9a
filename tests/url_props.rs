//! Image URLs: parse → assemble gives the URL back, and the builder's URLs parse back to the
//! asset and resource they were built from.

use proptest::prelude::*;
use proptest::sample::select;

use pixform::url::{parse_image_url, ImageResource, ImageUrlBuilder};
use pixform::AssetId;

fn resource_path() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z0-9]{1,10}", "[a-z0-9_-]{1,10}")
            .prop_filter("canvases is a resource word", |(p, _)| p != "canvases")
            .prop_map(|(p, d)| format!("images/{p}/{d}")),
        "[A-Za-z0-9]{1,12}".prop_map(|id| format!("media-libraries/{id}/images")),
        "[A-Za-z0-9]{1,12}".prop_map(|id| format!("images/canvases/{id}")),
    ]
}

fn query() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        select(vec![
            "w=100",
            "h=2",
            "fit=crop",
            "crop=top,left",
            "rect=1,2,3,4",
            "bg=80ff0000",
            "dl=a%20b",
            "sharpen=5",
            "cb=%E2%82%AC",
            "fp-x=.5",
        ]),
        0..6,
    )
    .prop_filter("no duplicate keys", |pairs| {
        let mut keys: Vec<&str> = pairs.iter().filter_map(|p| p.split('=').next()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        keys.len() == n
    })
    .prop_map(|pairs| pairs.join("&"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn parse_then_assemble_gives_the_url_back(
        host in select(vec!["https://cdn.sanity.io", "http://localhost:8080/cdn", "https://x.test/a/b"]),
        resource in resource_path(),
        name in "[A-Za-z0-9_]{24,40}",
        w in 1u32..,
        h in 1u32..,
        ext in select(vec!["jpg", "png", "webp", "gif", "avif"]),
        vanity in proptest::option::of("[a-z0-9._-]{1,12}(/[a-z0-9._-]{1,12})?"),
        query in query(),
    ) {
        let vanity = vanity.map_or(String::new(), |v| format!("/{v}"));
        let query = if query.is_empty() { query } else { format!("?{query}") };
        let url = format!("{host}/{resource}/{name}-{w}x{h}.{ext}{vanity}{query}");
        let parsed = parse_image_url(&url).map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
        prop_assert_eq!(parsed.to_url(), url);
        let id = format!("image-{name}-{w}x{h}-{ext}");
        prop_assert_eq!(parsed.asset.to_string(), id.clone());
        prop_assert_eq!(AssetId::parse(&id), Ok(parsed.asset.clone()));
        prop_assert_eq!(pixform::TransformSpec::from_query(&parsed.query), Ok(parsed.spec.clone()));
    }

    #[test]
    fn built_urls_parse_back(
        project in "[a-z0-9]{1,10}",
        dataset in "[a-z0-9_]{1,10}",
        name in "[A-Za-z0-9]{24,40}",
        w in 1u32..=100_000,
        h in 1u32..=100_000,
        width in 1u32..=8192,
        blur in 0u32..=2000,
    ) {
        prop_assume!(project != "canvases");
        let id = format!("image-{name}-{w}x{h}-png");
        let url = ImageUrlBuilder::new(&project, &dataset)
            .image_id(&id)
            .width(width)
            .blur(blur)
            .url()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = parse_image_url(&url).map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
        prop_assert_eq!(parsed.asset.to_string(), id);
        prop_assert_eq!(&parsed.resource, &ImageResource::Dataset { project_id: project, dataset });
        prop_assert_eq!(parsed.spec.width.map(|d| d.get()), Some(width));
        prop_assert_eq!(parsed.spec.blur.map(u32::from), Some(blur));
        prop_assert_eq!(parsed.to_url(), url);
    }
}
