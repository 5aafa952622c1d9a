//! Output sizes of plans, one case per line: (source, query, expected `WxH` or the error's
//! start). The first block is every worked example of the geometry rules (300×450 source).

use pixform::plan::{plan, Plan, SourceFacts};
use pixform::{ImageFormat, Limits, TransformSpec};

/// The plan of `query` for an opaque JPEG of `source` size.
fn plan_jpeg(source: (u32, u32), query: &str) -> Result<Plan, String> {
    let spec = TransformSpec::from_query(query).map_err(|e| e.to_string())?;
    let facts = SourceFacts {
        width: source.0,
        height: source.1,
        has_alpha: false,
        frames: 1,
        format: ImageFormat::Jpeg,
    };
    plan(&facts, &spec, &Limits::default().into()).map_err(|e| e.to_string())
}

fn run(source: (u32, u32), query: &str) -> Result<String, String> {
    let p = plan_jpeg(source, query)?;
    Ok(format!("{}x{}", p.width, p.height))
}

const S: (u32, u32) = (300, 450);

#[rustfmt::skip]
const CASES: &[((u32, u32), &str, &str)] = &[
    // Worked examples of the design.
    (S, "h=200", "133x200"),
    (S, "w=100&h=100", "67x100"),
    (S, "w=100&h=100&fit=clip", "67x100"),
    (S, "h=200&fit=crop&max-w=100", "100x200"),
    (S, "w=600&h=600&fit=min", "300x300"),
    (S, "rect=70,20,120,150&h=200", "160x200"),
    // No resize.
    (S, "", "300x450"),
    (S, "fit=crop", "300x450"),
    (S, "q=50&fm=png", "300x450"),
    (S, "pad=10", "320x470"),
    (S, "or=90", "450x300"),
    (S, "or=270&flip=hv", "450x300"),
    (S, "or=180", "300x450"),
    (S, "dpr=2", "300x450"),
    (S, "pad=10&dpr=2", "320x470"),
    // clip.
    (S, "w=100", "100x150"),
    (S, "w=600", "600x900"),
    (S, "w=600&h=600", "400x600"),
    (S, "w=200&h=100", "67x100"),
    (S, "w=100&h=1000", "100x150"),
    (S, "w=1", "1x2"),
    (S, "h=1", "1x1"),
    (S, "w=101", "101x152"),
    (S, "w=100&dpr=2", "200x300"),
    (S, "w=100&h=100&dpr=3", "200x300"),
    (S, "w=100&dpr=1.5", "150x225"),
    (S, "w=333&dpr=1.5", "500x750"),
    // max: never upscales.
    (S, "w=600&fit=max", "300x450"),
    (S, "w=600&h=600&fit=max", "300x450"),
    (S, "w=100&h=100&fit=max", "67x100"),
    (S, "w=300&fit=max", "300x450"),
    (S, "h=451&fit=max", "300x450"),
    // scale.
    (S, "w=100&h=100&fit=scale", "100x100"),
    (S, "w=600&h=50&fit=scale", "600x50"),
    (S, "w=100&fit=scale", "100x150"),
    // crop.
    (S, "w=100&h=100&fit=crop", "100x100"),
    (S, "w=600&h=600&fit=crop", "600x600"),
    (S, "w=100&fit=crop", "100x150"),
    (S, "h=200&fit=crop", "133x200"),
    (S, "w=200&h=100&fit=crop&crop=top,left", "200x100"),
    (S, "w=200&h=100&fit=crop&crop=focalpoint&fp-x=0&fp-y=1", "200x100"),
    (S, "w=200&h=100&fit=crop&crop=entropy", "200x100"),
    (S, "w=100&h=100&fit=crop&min-w=150", "150x100"),
    (S, "w=100&h=100&fit=crop&max-h=50", "100x50"),
    (S, "w=100&h=100&fit=crop&min-h=300&max-h=200", "100x200"),
    (S, "w=100&fit=crop&max-h=120", "100x120"),
    (S, "w=100&h=100&max-w=50", "67x100"),
    (S, "w=100&h=100&fit=crop&dpr=2", "200x200"),
    (S, "w=100&h=100&fit=crop&pad=10", "100x100"),
    // min.
    (S, "w=100&h=100&fit=min", "100x100"),
    (S, "w=600&h=300&fit=min", "300x150"),
    (S, "w=200&h=400&fit=min", "200x400"),
    (S, "w=1000&fit=min", "300x450"),
    (S, "w=100&fit=min", "100x150"),
    // fill / fillmax.
    (S, "w=100&h=100&fit=fill", "100x100"),
    (S, "w=600&h=600&fit=fill", "600x600"),
    (S, "w=600&h=600&fit=fillmax", "600x600"),
    (S, "w=100&fit=fill", "100x150"),
    (S, "w=600&fit=fillmax", "600x900"),
    (S, "w=100&h=100&fit=fill&pad=10", "100x100"),
    // pad with a box: the padded result fits the box.
    (S, "w=100&h=100&pad=10", "73x100"),
    (S, "w=100&pad=10", "100x140"),
    (S, "w=100&h=100&fit=scale&pad=5", "100x100"),
    (S, "w=100&pad=10&dpr=2", "200x280"),
    // rect then rotation.
    (S, "rect=0,0,300,150&or=90&w=50", "50x100"),
    (S, "rect=250,400,100,100", "50x50"),
    (S, "rect=0,0,1000,1000", "300x450"),
    (S, "rect=299,449,1,1&w=10", "10x10"),
    (S, "rect=0,0,100,200&or=90", "200x100"),
    (S, "rect=4294967295,0,4294967295,1", "rect: expected a rectangle overlapping"),
    (S, "rect=300,0,10,10", "rect: expected a rectangle overlapping"),
    (S, "rect=0,450,10,10", "rect: expected a rectangle overlapping"),
    (S, "rect=0,0,0,10", "rect: expected four integers"),
    (S, "rect=0,0,10", "rect: expected four integers"),
    // Output cap.
    (S, "w=8192", "output: 8192x12288 exceeds max_output_side"),
    (S, "w=8192&h=8192", "5461x8192"),
    (S, "w=5000&dpr=2&h=10", "13x20"),
    (S, "h=4096&dpr=2", "5461x8192"),
    (S, "h=4096&dpr=2.01", "output: 5489x8233 exceeds max_output_side"),
    (S, "w=8192&h=8192&fit=crop", "8192x8192"),
    (S, "w=8192&h=8192&fit=crop&pad=1", "8192x8192"),
    (S, "w=8192&h=8192&fit=clip&pad=1", "5462x8192"),
    ((8000, 100), "pad=100", "output: 8200x300 exceeds max_output_side"),
    ((10000, 10000), "", "output: 10000x10000 exceeds max_output_side"),
    ((10000, 10000), "w=100", "100x100"),
    ((8192, 1), "w=1", "1x1"),
    ((1, 8192), "h=8192&fit=crop&w=1", "1x8192"),
    ((1, 1), "w=8192&h=8192&fit=max", "1x1"),
    ((1, 1), "w=8192&h=8192", "8192x8192"),
    // Parse errors.
    (S, "w=0", "w: expected an integer 1–8192, got \"0\""),
    (S, "w=8193", "w: expected an integer 1–8192"),
    (S, "w=100&w=100", "w: given more than once"),
    (S, "sharp=1&sharpen=2", "sharp: given more than once"),
    (S, "fit=cover", "fit: expected one of clip, crop, fill, fillmax, max, min, scale, got \"cover\""),
    (S, "crop=top,bottom", "crop: expected"),
    (S, "dpr=0.5", "dpr: expected a decimal number 1–3"),
    (S, "dpr=4", "dpr: expected a decimal number 1–3"),
    (S, "fp-x=1.5", "fp-x: expected a decimal number 0–1"),
    (S, "or=45", "or: expected one of 0, 90, 180, 270"),
    (S, "q=101", "q: expected an integer 0–100, got \"101\""),
];

#[test]
fn plan_sizes() {
    let mut failures = Vec::new();
    for (source, query, want) in CASES {
        let got = match run(*source, query) {
            Ok(size) => size,
            Err(e) => e,
        };
        if !got.starts_with(want) || (!want.contains(':') && got != *want) {
            failures.push(format!(
                "{}x{} {query:?}: want {want:?}, got {got:?}",
                source.0, source.1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// JPEG shrink-on-load: (source, query, DCT denominator). The largest scale that keeps the
/// target resolution, halved when the resize after it would shrink by less than (d+1)/d.
#[rustfmt::skip]
const DCT_SCALES: &[((u32, u32), &str, u8)] = &[
    ((6028, 3391), "w=800", 4),                  // shrink 7.5: 1/4, then 1.88×
    ((3264, 2448), "w=800", 2),                  // shrink 4.08: 1/4 would leave 1.02×
    ((3264, 2448), "w=1200", 1),                 // shrink 2.72: 1/2 would leave 1.36×
    ((4224, 3168), "w=1200", 2),                 // shrink 3.52
    ((5312, 2988), "w=1200", 2),                 // shrink 4.43: 1/4 would leave 1.11×
    ((6028, 3391), "w=200&h=200&fit=crop", 8),   // shrink 16.9 on the height
    ((4096, 4096), "w=512", 4),                  // shrink exactly 8: 1/8 would leave 1×
    ((4608, 4608), "w=512", 8),                  // shrink exactly 9
    ((2000, 1000), "w=1000", 1),                 // shrink 2
    ((3000, 1000), "w=1000", 2),                 // shrink 3
    ((6028, 3391), "w=1500&h=100&fit=scale", 2), // the width limits: 4.02 wide, 33.9 high
    ((6028, 3391), "rect=0,0,1000,1000&w=100", 8),
    ((6028, 3391), "", 1),
];

#[test]
fn jpeg_shrink_on_load_scales() {
    for &(source, query, want) in DCT_SCALES {
        let p = plan_jpeg(source, query).unwrap();
        assert_eq!(p.decoder.jpeg_scale_denom, want, "{source:?} {query}");
    }
}
