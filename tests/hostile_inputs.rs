//! Hostile image bytes through `pixform::transform`: every input gives `Ok` or a typed error —
//! never a panic — and the peak heap use of each stays under a bound derived from the limits.
//!
//! Inputs are synthesized here (header bombs, a zlib bomb, truncations at many offsets,
//! corrupt EXIF, oversized metadata, scan floods, frames off the screen, extreme aspect
//! ratios) and read from `testdata/bad/`.

// A counting global allocator needs `unsafe impl GlobalAlloc`. The library forbids unsafe
// code; this test binary only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pixform::codec::{encode, probe, CodecError, EncodeOptions};
use pixform::{Image, PixelLayout};
use pixform::plan::{plan, SourceFacts};
use pixform::{
    transform, Error, ImageFormat, LimitKind, Limits, TransformOptions, TransformSpec,
};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak measurements are global: one case at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Limits of a small image server: 4 MP sources, 1024 px outputs, 1 MiB metadata.
fn tight() -> Limits {
    let mut limits = Limits::default();
    limits.max_input_bytes = 8 << 20;
    limits.max_source_pixels = 4_000_000;
    limits.max_total_frame_pixels = 16_000_000;
    limits.max_output_side = 1024;
    limits.max_output_pixels = 1024 * 1024;
    limits.max_metadata_bytes = 1 << 20;
    limits
}

/// The heap one request may use: the input twice (it may be copied once), up to 16 bytes per
/// source pixel (16-bit RGBA decode buffer and its 8-bit result), 4 bytes per output pixel
/// for each of a few output buffers, and 16 MiB for decoder tables and metadata.
fn peak_bound(input_len: usize, limits: &Limits) -> u64 {
    2 * u64::try_from(input_len).unwrap_or(u64::MAX)
        + 16 * limits.max_source_pixels
        + 4 * 4 * limits.max_output_pixels
        + (16 << 20)
}

/// The whole request: parse, then [`pixform::transform`] — the output size or the typed error.
fn execute(bytes: &[u8], query: &str, limits: &Limits) -> Result<(u32, u32), Error> {
    let spec = TransformSpec::from_query(query)?;
    let options = TransformOptions::new(limits.clone(), Vec::new());
    let out = transform(bytes, &spec, &options)?;
    assert!(!out.bytes.is_empty());
    Ok((out.width, out.height))
}

/// Runs one case alone, checks that a failure is typed (a 4xx status) and that the peak heap
/// stayed under the bound; returns the outcome.
fn guarded(name: &str, bytes: &[u8], query: &str, limits: &Limits) -> Result<(u32, u32), Error> {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let outcome = execute(bytes, query, limits);
    let peak = u64::try_from(PEAK.load(Ordering::SeqCst).saturating_sub(base)).unwrap_or(u64::MAX);
    let bound = peak_bound(bytes.len(), limits);
    assert!(peak <= bound, "{name}: peak heap {peak} > bound {bound}");
    if std::env::var_os("PIXFORM_SHOW_PEAKS").is_some() && peak > 1 << 20 {
        eprintln!("{name}: peak {peak} of {bound}");
    }
    if let Err(e) = &outcome {
        let status = e.http_status();
        assert!((400..500).contains(&status), "{name}: {e:?} → {status}");
    }
    outcome
}

fn expect_err(name: &str, bytes: &[u8], limits: &Limits) -> Error {
    match guarded(name, bytes, "", limits) {
        Ok(size) => panic!("{name}: decoded to {size:?}"),
        Err(e) => e,
    }
}

// --- Builders -----------------------------------------------------------------------------

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("chunk fits");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

fn ihdr(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&width.to_be_bytes());
    d.extend_from_slice(&height.to_be_bytes());
    d.extend_from_slice(&[depth, color, 0, 0, 0]);
    d
}

/// A PNG with the given IHDR, extra chunks before the image data, and `idat` as its data.
fn png(
    width: u32,
    height: u32,
    depth: u8,
    color: u8,
    extra: &[(&[u8; 4], Vec<u8>)],
    idat: &[u8],
) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(width, height, depth, color));
    for (kind, data) in extra {
        png_chunk(&mut out, kind, data);
    }
    png_chunk(&mut out, b"IDAT", idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// zlib-compressed zeros: `rows` scanlines of `row_bytes` each (filter byte included).
fn zeros_zlib(rows: usize, row_bytes: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; row_bytes];
    for _ in 0..rows {
        z.write_all(&row).expect("in memory");
    }
    z.finish().expect("in memory")
}

/// A baseline JPEG frame header claiming `width`×`height`, with a token scan.
fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
    v.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0,
    ]);
    v.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    v
}

/// A GIF: logical screen, then one frame at (`left`, `top`) of `fw`×`fh` with token data.
fn gif(screen: (u16, u16), left: u16, top: u16, fw: u16, fh: u16) -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&screen.0.to_le_bytes());
    v.extend_from_slice(&screen.1.to_le_bytes());
    v.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2 entries
    v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    v.push(0x2C);
    for f in [left, top, fw, fh] {
        v.extend_from_slice(&f.to_le_bytes());
    }
    v.extend_from_slice(&[0, 2, 2, 0x44, 0x01, 0, 0x3B]);
    v
}

/// A WebP whose VP8X canvas claims `w`×`h` (each up to 2^24) and whose VP8L stream claims
/// `lw`×`lh` (each up to 2^14).
fn webp(canvas: Option<(u32, u32)>, lw: u32, lh: u32) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    if let Some((w, h)) = canvas {
        body.extend_from_slice(b"VP8X");
        body.extend_from_slice(&10u32.to_le_bytes());
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        body.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    }
    let bits = (lw - 1) | ((lh - 1) << 14);
    let mut vp8l = vec![0x2F];
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0, 0, 0]);
    body.extend_from_slice(b"VP8L");
    body.extend_from_slice(&u32::try_from(vp8l.len()).expect("small").to_le_bytes());
    body.extend_from_slice(&vp8l);
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&u32::try_from(body.len()).expect("small").to_le_bytes());
    v.extend_from_slice(&body);
    v
}

/// A gradient image with or without alpha.
fn gradient(width: u32, height: u32, alpha: bool) -> Image {
    let layout = if alpha {
        PixelLayout::Rgba8
    } else {
        PixelLayout::Rgb8
    };
    let channels = if alpha { 4 } else { 3 };
    let mut data = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let px = [
                (x * 7) as u8,
                (y * 5) as u8,
                ((x + y) * 3) as u8,
                (x ^ y) as u8,
            ];
            data.extend_from_slice(&px[..channels]);
        }
    }
    Image::from_vec(width, height, layout, data).expect("sized")
}

fn encoded(image: &Image, format: ImageFormat, progressive: bool) -> Vec<u8> {
    let opts = EncodeOptions {
        progressive,
        ..EncodeOptions::default()
    };
    encode(image, format, &opts).expect("encodes")
}

/// A JPEG with an APP1 EXIF segment holding `tiff` (the TIFF block after `Exif\0\0`).
fn jpeg_with_exif(tiff: &[u8]) -> Vec<u8> {
    let jpeg = encoded(&gradient(16, 8, false), ImageFormat::Jpeg, false);
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(tiff);
    let len = u16::try_from(segment.len() + 2).expect("segment fits");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

// --- Cases ----------------------------------------------------------------------------------

#[test]
fn garbage_and_wrong_magic_are_typed_errors() {
    let cases: &[(&str, &[u8], u16)] = &[
        ("empty", b"", 415),
        ("one byte", b"\xff", 415),
        ("text", b"hello, world", 415),
        ("png magic only", b"\x89PNG\r\n\x1a\n", 422),
        (
            "png magic, wrong case",
            b"\x89png\r\n\x1a\n\0\0\0\rIHDR",
            415,
        ),
        ("jpeg magic only", b"\xff\xd8\xff", 422),
        ("gif magic only", b"GIF89a", 422),
        ("gif87 magic only", b"GIF87a\x01\x00", 422),
        ("webp magic only", b"RIFF\0\0\0\0WEBP", 422),
        ("riff, not webp", b"RIFF\0\0\0\0WAVEfmt ", 415),
        ("avif brand", b"\0\0\0\x1cftypavif\0\0\0\0", 415),
        ("zeros", &[0u8; 4096], 415),
    ];
    for &(name, bytes, status) in cases {
        let e = expect_err(name, bytes, &tight());
        assert_eq!(e.http_status(), status, "{name}: {e:?}");
    }
}

#[test]
fn headers_claiming_huge_sizes_hit_a_limit_before_allocating() {
    let tiny_idat = zeros_zlib(1, 2);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("png 65535²", png(65535, 65535, 8, 2, &[], &tiny_idat)),
        (
            "png 0x7FFFFFFF²",
            png(0x7FFF_FFFF, 0x7FFF_FFFF, 8, 6, &[], &tiny_idat),
        ),
        ("png u32::MAX x 1", png(u32::MAX, 1, 8, 0, &[], &tiny_idat)),
        (
            "png 1 x 0x7FFFFFFF",
            png(1, 0x7FFF_FFFF, 16, 6, &[], &tiny_idat),
        ),
        ("jpeg 65535²", jpeg_header(65535, 65535)),
        ("jpeg 65535 x 100", jpeg_header(65535, 100)),
        ("gif 65535² screen", gif((65535, 65535), 0, 0, 1, 1)),
        ("gif 65535² frame", gif((1, 1), 0, 0, 65535, 65535)),
        ("webp vp8l 16384²", webp(None, 16384, 16384)),
        ("webp vp8x 2^24²", webp(Some((1 << 24, 1 << 24)), 1, 1)),
    ];
    for (name, bytes) in &cases {
        match expect_err(name, bytes, &tight()) {
            Error::Codec(CodecError::LimitExceeded { limit, .. }) => {
                assert!(limit.name().starts_with("max_"), "{name}: {limit}");
            }
            other => panic!("{name}: expected a limit, got {other:?}"),
        }
    }
}

#[test]
fn png_zlib_bomb_hits_a_limit() {
    // 20000×20000 1-bit zeros: 50 MB of scanlines in ~50 KB.
    let bomb = png(20_000, 20_000, 1, 0, &[], &zeros_zlib(20_000, 2_501));
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    for limits in [tight(), Limits::default()] {
        match expect_err("zlib bomb", &bomb, &limits) {
            Error::Codec(CodecError::LimitExceeded { limit, .. }) => {
                assert_eq!(limit, LimitKind::MaxSourcePixels);
            }
            other => panic!("expected max_source_pixels, got {other:?}"),
        }
    }
    // Within the limits by its header, but with 10× the rows in its data: decoded, bounded.
    let liar = png(2_000, 2_000, 1, 0, &[], &zeros_zlib(20_000, 251));
    let outcome = guarded("lying bomb", &liar, "w=100", &tight());
    assert!(
        matches!(outcome, Ok((100, 100)) | Err(Error::Codec(_))),
        "{outcome:?}"
    );
}

/// Containers whose outer header is small while the bitstream inside claims more: the
/// decoder must not allocate for the inner claim.
#[test]
fn inner_bitstreams_larger_than_their_header() {
    let mut two_sofs = jpeg_header(8, 8);
    let second = jpeg_header(65535, 65535);
    two_sofs.splice(2..2, second[2..21].iter().copied());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "webp canvas 1x1, vp8l 16384²",
            webp(Some((1, 1)), 16384, 16384),
        ),
        (
            "webp canvas 16x16, vp8l 16384x1",
            webp(Some((16, 16)), 16384, 1),
        ),
        ("gif screen 1x1, frame 2000²", gif((1, 1), 0, 0, 2000, 2000)),
        ("jpeg with a second, huge SOF", two_sofs),
        (
            "png IHDR 1x1, 2000 rows of data",
            png(1, 1, 8, 0, &[], &zeros_zlib(2000, 2)),
        ),
    ];
    for (name, bytes) in &cases {
        match guarded(name, bytes, "", &tight()) {
            Ok(size) => assert!(size.0 <= 2000 && size.1 <= 2000, "{name}: {size:?}"),
            Err(Error::Codec(_)) => {}
            Err(other) => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn zero_sides_are_errors() {
    let tiny_idat = zeros_zlib(1, 2);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("png 0x0", png(0, 0, 8, 0, &[], &tiny_idat), 422),
        ("png 0x5", png(0, 5, 8, 0, &[], &tiny_idat), 422),
        ("png 5x0", png(5, 0, 8, 0, &[], &tiny_idat), 422),
        // A zero JPEG height means "given later by a DNL marker", which is not supported.
        ("jpeg 0x0", jpeg_header(0, 0), 415),
        ("jpeg 8x0", jpeg_header(8, 0), 415),
        ("jpeg 0x8", jpeg_header(0, 8), 422),
        ("gif 0x0 screen and frame", gif((0, 0), 0, 0, 0, 0), 422),
        ("gif 4x0", gif((4, 0), 0, 0, 4, 0), 422),
    ];
    for (name, bytes, status) in &cases {
        let e = expect_err(name, bytes, &tight());
        assert_eq!(e.http_status(), *status, "{name}: {e:?}");
    }
}

#[test]
fn truncated_samples_never_panic() {
    let opaque = gradient(64, 48, false);
    let alpha = gradient(64, 48, true);
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("png", encoded(&alpha, ImageFormat::Png, false)),
        ("jpeg", encoded(&opaque, ImageFormat::Jpeg, false)),
        ("pjpeg", encoded(&opaque, ImageFormat::Jpeg, true)),
        ("gif", encoded(&alpha, ImageFormat::Gif, false)),
        ("webp", encoded(&opaque, ImageFormat::Webp, false)),
    ];
    for (name, bytes) in &samples {
        assert_eq!(
            guarded(name, bytes, "w=32", &tight()).ok(),
            Some((32, 24)),
            "{name} decodes whole"
        );
        let step = (bytes.len() / 150).max(1);
        for cut in (0..bytes.len())
            .step_by(step)
            .chain(bytes.len().saturating_sub(16)..bytes.len())
        {
            let _ = guarded(
                &format!("{name} cut at {cut}"),
                &bytes[..cut],
                "w=32",
                &tight(),
            );
        }
        // A flipped byte at many offsets.
        for at in (0..bytes.len()).step_by(step) {
            let mut corrupt = bytes.clone();
            corrupt[at] ^= 0x5A;
            let _ = guarded(
                &format!("{name} flipped at {at}"),
                &corrupt,
                "w=32",
                &tight(),
            );
        }
    }
}

#[test]
fn corrupt_exif_is_ignored() {
    let le = |v: u32| v.to_le_bytes();
    let entry = |tag: u16, typ: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend_from_slice(&typ.to_le_bytes());
        e.extend_from_slice(&le(count));
        e.extend_from_slice(&le(value));
        e
    };
    let tiff = |ifd_offset: u32, count: u16, entries: &[Vec<u8>], next: u32| {
        let mut t = b"II*\0".to_vec();
        t.extend_from_slice(&le(ifd_offset));
        t.extend_from_slice(&count.to_le_bytes());
        for e in entries {
            t.extend_from_slice(e);
        }
        t.extend_from_slice(&le(next));
        t
    };
    let cases: Vec<(&str, Vec<u8>, u8)> = vec![
        (
            "valid orientation 6",
            tiff(8, 1, &[entry(0x0112, 3, 1, 6)], 0),
            6,
        ),
        (
            "ifd links to itself",
            tiff(8, 1, &[entry(0x0100, 3, 1, 1)], 8),
            1,
        ),
        ("ifd offset past the end", tiff(0xFFFF_FF00, 1, &[], 0), 1),
        ("ifd offset u32::MAX", tiff(u32::MAX, 0, &[], 0), 1),
        (
            "65535 entries, 1 present",
            tiff(8, u16::MAX, &[entry(0x0100, 3, 1, 1)], 0),
            1,
        ),
        (
            "huge count",
            tiff(8, 1, &[entry(0x0112, 3, u32::MAX, 6)], 0),
            1,
        ),
        ("wrong type", tiff(8, 1, &[entry(0x0112, 4, 1, 6)], 0), 1),
        ("orientation 9", tiff(8, 1, &[entry(0x0112, 3, 1, 9)], 0), 1),
        ("orientation 0", tiff(8, 1, &[entry(0x0112, 3, 1, 0)], 0), 1),
        ("header only", b"II*\0".to_vec(), 1),
        ("bad byte order", b"IM*\0\x08\0\0\0".to_vec(), 1),
    ];
    for (name, block, want) in &cases {
        let jpeg = jpeg_with_exif(block);
        let orientation = probe(&jpeg, &Limits::default()).map(|i| i.orientation.exif());
        assert_eq!(orientation, Ok(*want), "{name}");
        let size = guarded(name, &jpeg, "", &tight()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let expected = if *want >= 5 { (8, 16) } else { (16, 8) };
        assert_eq!(size, expected, "{name}");
    }
}

#[test]
fn oversized_metadata_hits_the_metadata_limit() {
    let idat = zeros_zlib(4, 5);
    let big = vec![b'a'; 2 << 20];
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend_from_slice(&big);
    let mut exif = b"MM\0*".to_vec();
    exif.extend_from_slice(&big);
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        (
            "2 MiB iCCP",
            png(4, 4, 8, 0, &[(b"iCCP", iccp)], &idat),
            true,
        ),
        (
            "2 MiB eXIf",
            png(4, 4, 8, 0, &[(b"eXIf", exif)], &idat),
            true,
        ),
        (
            "2 MiB tEXt (ignored)",
            png(4, 4, 8, 0, &[(b"tEXt", big.clone())], &idat),
            false,
        ),
        (
            "2 MiB unknown chunk",
            png(4, 4, 8, 0, &[(b"prVt", big.clone())], &idat),
            false,
        ),
    ];
    for (name, bytes, limited) in &cases {
        let outcome = guarded(name, bytes, "", &tight());
        match (limited, outcome) {
            (true, Err(Error::Codec(CodecError::LimitExceeded { limit, .. }))) => {
                assert_eq!(limit, LimitKind::MaxMetadataBytes, "{name}");
            }
            (false, Ok(size)) => assert_eq!(size, (4, 4), "{name}"),
            (_, other) => panic!("{name}: {other:?}"),
        }
    }
    // A compressed-text bomb: 64 MiB of zeros in a zTXt chunk.
    let mut ztxt = b"k\0\0".to_vec();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        z.write_all(&zeros).expect("in memory");
    }
    ztxt.extend_from_slice(&z.finish().expect("in memory"));
    let bytes = png(4, 4, 8, 0, &[(b"zTXt", ztxt)], &idat);
    let outcome = guarded("zTXt bomb", &bytes, "", &tight());
    assert!(
        matches!(outcome, Ok((4, 4)) | Err(Error::Codec(_))),
        "{outcome:?}"
    );
}

#[test]
fn progressive_jpeg_with_hundreds_of_scans_is_bounded() {
    let jpeg = encoded(&gradient(64, 48, false), ImageFormat::Jpeg, true);
    let sos = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("has a scan");
    let eoi = jpeg.len() - 2;
    let scans = &jpeg[sos..eoi];
    let mut flood = jpeg[..sos].to_vec();
    for _ in 0..100 {
        flood.extend_from_slice(scans);
    }
    flood.extend_from_slice(&[0xFF, 0xD9]);
    let count = flood.windows(2).filter(|w| *w == [0xFF, 0xDA]).count();
    assert!(count >= 300, "{count} scans");
    let outcome = guarded("scan flood", &flood, "w=32", &tight());
    assert!(
        matches!(outcome, Ok((32, 24)) | Err(Error::Codec(_))),
        "{outcome:?}"
    );
}

fn jpeg_segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    let len = u16::try_from(payload.len() + 2).expect("segment fits");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

/// A grey progressive JPEG of `side`² whose blocks are all zero: one DC scan, then `scans` AC
/// scans of a few bytes each (EOB runs of 32767 blocks), each a full pass for the decoder.
fn eob_run_flood(side: u16, scans: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1u8; 64]);
    jpeg_segment(&mut v, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&side.to_be_bytes());
    sof.extend_from_slice(&side.to_be_bytes());
    sof.extend_from_slice(&[1, 1, 0x11, 0]);
    jpeg_segment(&mut v, 0xC2, &sof);
    // DC: "0" is category 0. AC: "0" is EOB14 (a run of 2^14 + 14 more bits), "10" is 0x00.
    let mut dc = vec![0x00, 1];
    dc.extend_from_slice(&[0u8; 15]);
    dc.push(0);
    jpeg_segment(&mut v, 0xC4, &dc);
    let mut ac = vec![0x10, 1, 1];
    ac.extend_from_slice(&[0u8; 14]);
    ac.extend_from_slice(&[0xE0, 0x00]);
    jpeg_segment(&mut v, 0xC4, &ac);
    let blocks = usize::from(side).div_ceil(8).pow(2);
    jpeg_segment(&mut v, 0xDA, &[1, 1, 0x00, 0, 0, 0x00]);
    v.extend(std::iter::repeat_n(0u8, blocks.div_ceil(8)));
    // Each run: "0" then fourteen "1": 32767 blocks in 15 bits.
    let runs = blocks.div_ceil(32767);
    let bits: Vec<bool> = (0..runs)
        .flat_map(|_| std::iter::once(false).chain(std::iter::repeat_n(true, 14)))
        .collect();
    let mut scan = Vec::new();
    for chunk in bits.chunks(8) {
        let byte = (0..8).fold(0u8, |acc, i| {
            (acc << 1) | u8::from(*chunk.get(i).unwrap_or(&true))
        });
        scan.push(byte);
        if byte == 0xFF {
            scan.push(0);
        }
    }
    for _ in 0..scans {
        jpeg_segment(&mut v, 0xDA, &[1, 1, 0x00, 1, 63, 0x00]);
        v.extend_from_slice(&scan);
    }
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// AC scans, query, and the output size or the error message's start.
type ScanCase = (usize, &'static str, Result<(u32, u32), &'static str>);

/// Scans that cost a full pass each for two bytes of data: capped at 100 at full size and
/// with jpeg-decoder's shrink-on-load (`w=300`: 1/2), so a 24 KB file cannot take seconds. The
/// 1/8 path (`w=100`) decodes DC scans only and steps over AC scans by their bytes, so its time
/// is linear in the input and it needs no cap.
#[test]
fn jpeg_scan_count_is_capped() {
    let cases: &[ScanCase] = &[
        (10, "", Ok((1000, 1000))),
        (10, "w=300", Ok((300, 300))),
        (99, "w=300", Ok((300, 300))),
        (
            100,
            "w=300",
            Err("jpg: corrupt or truncated data: 101 scans, expected at most 100"),
        ),
        (
            1000,
            "",
            Err("jpg: corrupt or truncated data: 1001 scans, expected at most 100"),
        ),
        (1000, "w=100", Ok((100, 100))),
    ];
    for &(scans, query, want) in cases {
        let bytes = eob_run_flood(1000, scans);
        let name = format!("{scans} AC scans, {query:?}");
        match (guarded(&name, &bytes, query, &tight()), want) {
            (Ok(size), Ok(expected)) => assert_eq!(size, expected, "{name}"),
            (Err(e), Err(prefix)) => assert!(e.to_string().starts_with(prefix), "{name}: {e}"),
            (got, want) => panic!("{name}: {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn gif_frames_outside_the_screen() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("frame far outside", gif((10, 10), 60_000, 60_000, 100, 100)),
        (
            "frame larger than the screen",
            gif((10, 10), 0, 0, 1000, 1000),
        ),
        ("frame overlapping the edge", gif((10, 10), 8, 8, 4, 4)),
        ("frame of zero size", gif((10, 10), 0, 0, 0, 0)),
    ];
    for (name, bytes) in &cases {
        match guarded(name, bytes, "", &tight()) {
            Ok(size) => assert_eq!(size, (10, 10), "{name}"),
            Err(Error::Codec(e)) => assert_eq!(e.http_status(), 422, "{name}: {e}"),
            Err(other) => panic!("{name}: {other:?}"),
        }
    }
}

const FITS: &[&str] = &["clip", "crop", "fill", "fillmax", "max", "min", "scale"];

#[test]
fn extreme_aspect_ratios_through_every_fit_mode() {
    let mut limits = tight();
    limits.max_output_side = 8192;
    limits.max_output_pixels = 8192 * 8192;
    for (w, h) in [(1, 1), (1, 8192), (8192, 1)] {
        let bytes = encoded(&gradient(w, h, false), ImageFormat::Png, false);
        for fit in FITS {
            for boxed in ["w=100", "h=100", "w=100&h=100", "w=1&h=8192", "w=8192&h=1"] {
                let query = format!("{boxed}&fit={fit}");
                let name = format!("{w}x{h} {query}");
                let source = TransformSpec::from_query(&query).expect("valid");
                let facts = SourceFacts {
                    width: w,
                    height: h,
                    has_alpha: false,
                    frames: 1,
                    format: ImageFormat::Png,
                };
                let planned = plan(&facts, &source, &(&limits).into());
                match (guarded(&name, &bytes, &query, &limits), planned) {
                    (Ok(size), Ok(p)) => assert_eq!(size, (p.width, p.height), "{name}"),
                    (Err(Error::Plan(e)), Err(want)) => assert_eq!(e, want, "{name}"),
                    (got, want) => panic!("{name}: {got:?} vs plan {want:?}"),
                }
            }
        }
    }
}

#[test]
fn every_bad_file_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bad");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/bad") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let bytes = std::fs::read(&path).expect("readable");
        let e = expect_err(&name, &bytes, &Limits::default());
        assert!(matches!(e, Error::Codec(_)), "{name}: {e:?}");
        names.push(name);
    }
    assert!(names.len() >= 20, "{names:?}");
}

/// A wide, short source scaled to a tall, narrow output: in one pass the resampler's
/// intermediate image would be source width × output height (8192 × 8192 RGB = 201 MB here,
/// 2 GiB for a 65535×1 source under default limits); the pipeline resizes in two steps then.
#[test]
fn resize_intermediate_stays_bounded() {
    let mut limits = tight();
    limits.max_output_side = 8192;
    let bytes = encoded(&gradient(8192, 1, false), ImageFormat::Png, false);
    let outcome = guarded("8192x1 to 1x8192", &bytes, "w=1&h=8192&fit=scale", &limits);
    assert!(matches!(outcome, Ok((1, 8192))), "{outcome:?}");
}
