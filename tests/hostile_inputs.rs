//! Hostile image bytes through `pixform::transform`: each input gives one exact outcome (the
//! output size, or the error variant with the limit and value it names), and the peak heap use
//! stays under a bound: 1 MiB for files rejected from their header, a bound derived from the
//! limits for files that are decoded.
//!
//! Inputs are synthesized here (header bombs, a zlib bomb, truncations at many offsets,
//! corrupt EXIF, oversized metadata, scan floods, frames off the screen, extreme aspect
//! ratios) and read from `testdata/bad/`.

// A counting global allocator needs `unsafe impl GlobalAlloc`. The library forbids unsafe
// code; this test binary only forwards to `System` and counts.
#![allow(unsafe_code)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use base64::Engine as _;
use pixform::codec::{encode, probe, CodecError, EncodeOptions};
use pixform::plan::{plan, PlanError, SourceFacts};
use pixform::{transform, Error, ImageFormat, LimitKind, Limits, TransformOptions, TransformSpec};
use pixform::{Image, PixelLayout};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

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

/// Peak measurements are global: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

thread_local! {
    static HOLDS_SERIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// [`SERIAL`], held by the calling thread until dropped; a nested call on the same thread
/// holds nothing. Every test takes it first, so no other test allocates (building its inputs,
/// say) while a peak is measured.
struct Serial(Option<std::sync::MutexGuard<'static, ()>>);

impl Drop for Serial {
    fn drop(&mut self) {
        if self.0.is_some() {
            HOLDS_SERIAL.with(|h| h.set(false));
        }
    }
}

fn serial() -> Serial {
    if HOLDS_SERIAL.with(std::cell::Cell::get) {
        return Serial(None);
    }
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    HOLDS_SERIAL.with(|h| h.set(true));
    Serial(Some(guard))
}

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

/// The peak heap of a request rejected from its header: it may parse the header and the
/// query, but must not allocate a pixel buffer (the smallest bomb here claims 4 MP, 12 MiB).
const HEADER_BOUND: u64 = 1 << 20;

/// The whole request: parse, then [`pixform::transform`] — the output size or the typed error.
fn execute(bytes: &[u8], query: &str, limits: &Limits) -> Result<(u32, u32), Error> {
    let spec = TransformSpec::from_query(query)?;
    let options = TransformOptions::new(limits.clone(), Vec::new());
    let out = transform(bytes, &spec, &options)?;
    assert!(!out.bytes.is_empty());
    Ok((out.width, out.height))
}

/// Runs one case alone, checks that a failure is typed (a 4xx status) and that the peak heap
/// stayed under the bound for decoded files; returns the outcome.
fn guarded(name: &str, bytes: &[u8], query: &str, limits: &Limits) -> Result<(u32, u32), Error> {
    let bound = peak_bound(bytes.len(), limits);
    bounded(name, bytes, query, limits, bound)
}

/// [`guarded`] for a file that must be rejected from its header: at most [`HEADER_BOUND`].
fn rejected(name: &str, bytes: &[u8], query: &str, limits: &Limits) -> Error {
    match bounded(name, bytes, query, limits, HEADER_BOUND) {
        Ok(size) => panic!("{name}: decoded to {size:?}"),
        Err(e) => e,
    }
}

fn bounded(
    name: &str,
    bytes: &[u8],
    query: &str,
    limits: &Limits,
    bound: u64,
) -> Result<(u32, u32), Error> {
    let _serial = serial();
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let outcome = execute(bytes, query, limits);
    let peak = u64::try_from(PEAK.load(Ordering::SeqCst).saturating_sub(base)).unwrap_or(u64::MAX);
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

/// The [`Limits`] field a limit error names. Every test compares limits through this one
/// function, so a change of the error's limit type touches only it.
fn limit_name(limit: &LimitKind) -> &'static str {
    limit.name()
}

/// A limit hit as a test expects it: the [`Limits`] field, the value found, the limit.
type Hit = (&'static str, u64, u64);

/// The limit a codec error reports, if it is a limit error.
fn codec_hit(e: &CodecError) -> Option<Hit> {
    match e {
        CodecError::LimitExceeded {
            limit, value, max, ..
        } => Some((limit_name(limit), *value, *max)),
        CodecError::InputTooLarge { bytes, max } => Some(("max_input_bytes", *bytes, *max)),
        _ => None,
    }
}

/// Asserts that `e` is the codec limit error `want` of `format`, with status 413.
fn assert_hit(name: &str, e: &Error, format: ImageFormat, want: Hit) {
    let Error::Codec(codec) = e else {
        panic!("{name}: expected {want:?}, got {e:?}");
    };
    assert_eq!(codec_hit(codec), Some(want), "{name}: {e:?}");
    if let CodecError::LimitExceeded { format: got, .. } = codec {
        assert_eq!(*got, format, "{name}");
    }
    assert_eq!(e.http_status(), 413, "{name}");
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

/// A little-endian TIFF declaring a `width`×`height` 8-bit grey image in one uncompressed
/// strip of no bytes: a header that passes every check but the decode.
fn tiff_header(width: u32, height: u32) -> Vec<u8> {
    tiff_grey(width, height, 1, &[])
}

/// A little-endian TIFF of a `width`×`height` 8-bit grey image whose one strip, stored after
/// the directory, is `strip` with `compression`.
fn tiff_grey(width: u32, height: u32, compression: u16, strip: &[u8]) -> Vec<u8> {
    const ENTRIES: u16 = 8;
    let data_at = 8 + 2 + 12 * u32::from(ENTRIES) + 4;
    // (tag, type, value): LONG sizes and strip fields, SHORT sample fields.
    let entries: [(u16, u16, u32); ENTRIES as usize] = [
        (256, 4, width),
        (257, 4, height),
        (258, 3, 8),
        (259, 3, compression.into()),
        (262, 3, 1),
        (273, 4, data_at),
        (278, 4, height),
        (279, 4, u32::try_from(strip.len()).expect("small strip")),
    ];
    let mut v = b"II*\0\x08\0\0\0".to_vec();
    v.extend_from_slice(&ENTRIES.to_le_bytes());
    for (tag, typ, value) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&typ.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        if typ == 3 {
            v.extend_from_slice(&u16::try_from(value).expect("short").to_le_bytes());
            v.extend_from_slice(&[0, 0]);
        } else {
            v.extend_from_slice(&value.to_le_bytes());
        }
    }
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(strip);
    v
}

/// A GIF: logical screen, then one frame at (`left`, `top`) of `fw`×`fh` with token data.
fn gif(screen: (u16, u16), left: u16, top: u16, fw: u16, fh: u16) -> Vec<u8> {
    gif_frames(screen, &[(left, top, fw, fh)])
}

/// A GIF with the given frames (left, top, width, height), each with token data (one pixel).
fn gif_frames(screen: (u16, u16), frames: &[(u16, u16, u16, u16)]) -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&screen.0.to_le_bytes());
    v.extend_from_slice(&screen.1.to_le_bytes());
    v.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2 entries
    v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    for &(left, top, fw, fh) in frames {
        v.push(0x2C);
        for f in [left, top, fw, fh] {
            v.extend_from_slice(&f.to_le_bytes());
        }
        v.extend_from_slice(&[0, 2, 2, 0x44, 0x01, 0]);
    }
    v.push(0x3B);
    v
}

/// A GIF whose single `fw`×`fh` frame of colour 0 at `at` is fully encoded, on a `screen`.
fn gif_whole_frame(screen: (u16, u16), at: (u16, u16), fw: u16, fh: u16) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = ::gif::Encoder::new(&mut out, screen.0, screen.1, &[0, 0, 0, 255, 255, 255])
            .expect("in memory");
        let mut frame = ::gif::Frame::default();
        (frame.left, frame.top) = at;
        frame.width = fw;
        frame.height = fh;
        let pixels = vec![0u8; usize::from(fw) * usize::from(fh)];
        frame.buffer = std::borrow::Cow::Owned(pixels);
        enc.write_frame(&frame).expect("in memory");
    }
    out
}

/// A PNG `width`×`height` grey header declaring `frames` APNG frames (acTL), token data.
fn apng(width: u32, height: u32, frames: u32) -> Vec<u8> {
    let mut actl = frames.to_be_bytes().to_vec();
    actl.extend_from_slice(&0u32.to_be_bytes());
    png(width, height, 8, 0, &[(b"acTL", actl)], &zeros_zlib(1, 2))
}

/// A RIFF WebP holding `chunks` (FourCC, payload) after the `WEBP` tag.
fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (fourcc, data) in chunks {
        body.extend_from_slice(*fourcc);
        body.extend_from_slice(&u32::try_from(data.len()).expect("small").to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&u32::try_from(body.len()).expect("small").to_le_bytes());
    v.extend_from_slice(&body);
    v
}

/// An animated WebP: a `canvas` and one ANMF chunk per frame size (bitstreams are tokens).
fn webp_anim(canvas: (u32, u32), frames: &[(u32, u32)]) -> Vec<u8> {
    let u24 = |v: u32| v.to_le_bytes()[..3].to_vec();
    let mut vp8x = vec![0x02, 0, 0, 0];
    vp8x.extend(u24(canvas.0 - 1));
    vp8x.extend(u24(canvas.1 - 1));
    let mut chunks: Vec<(&[u8; 4], Vec<u8>)> = vec![(b"VP8X", vp8x), (b"ANIM", vec![0; 6])];
    for &(w, h) in frames {
        let mut anmf = [u24(0), u24(0), u24(w - 1), u24(h - 1), u24(100)].concat();
        anmf.push(0);
        anmf.extend_from_slice(b"VP8L\x05\0\0\0\x2f\0\0\0\0\0");
        chunks.push((b"ANMF", anmf));
    }
    riff(&chunks)
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
    let _serial = serial();
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
        // The container is recognised; its `ftyp` box runs past the end.
        (
            "avif brand, ftyp cut short",
            b"\0\0\0\x1cftypavif\0\0\0\0",
            422,
        ),
        ("heic brand, no meta", b"\0\0\0\x10ftypheic\0\0\0\0", 422),
        ("zeros", &[0u8; 4096], 415),
    ];
    for &(name, bytes, status) in cases {
        let e = expect_err(name, bytes, &tight());
        assert_eq!(e.http_status(), status, "{name}: {e:?}");
    }
}

/// Limits for the header bombs: sides of 30 000 px, so that JPEG (at most 65 535) and WebP
/// canvases can exceed them, 100 frames and 1 MiB inputs; otherwise [`tight`].
fn bomb_limits() -> Limits {
    let mut limits = tight();
    limits.max_input_bytes = 1 << 20;
    limits.max_source_width = 30_000;
    limits.max_source_height = 30_000;
    limits.max_frames = 100;
    limits.max_animation_pixels = 16_000_000;
    limits
}

/// A bomb, its format and the limit it must hit.
type Bomb = (&'static str, Vec<u8>, ImageFormat, Hit);

#[test]
fn headers_claiming_huge_sizes_hit_a_limit_before_allocating() {
    let _serial = serial();
    use ImageFormat::{Gif, Jpeg, Png, Tiff, Webp};
    const W: &str = "max_source_width";
    const H: &str = "max_source_height";
    const PX: &str = "max_source_pixels";
    const FR: &str = "max_frames";
    const TOT: &str = "max_total_frame_pixels";
    const ANIM: &str = "max_animation_pixels";
    let (side, px, tot) = (30_000, 4_000_000, 16_000_000);
    let tiny_idat = zeros_zlib(1, 2);
    let big_4 = [(2000, 2000); 5];
    let one_1 = [(1, 1); 101];
    let one_5 = [(1, 1); 5];
    let mut padded = png(
        4,
        4,
        8,
        0,
        &[(b"prVt", vec![0; 1 << 20])],
        &zeros_zlib(4, 5),
    );
    padded.truncate((1 << 20) + 1);
    #[rustfmt::skip]
    let cases: Vec<Bomb> = vec![
        ("input 1 MiB + 1", padded, Png, ("max_input_bytes", (1 << 20) + 1, 1 << 20)),
        ("jpeg 30001x8", jpeg_header(30_001, 8), Jpeg, (W, 30_001, side)),
        ("jpeg 8x30001", jpeg_header(8, 30_001), Jpeg, (H, 30_001, side)),
        ("jpeg 2001x2000", jpeg_header(2001, 2000), Jpeg, (PX, 4_002_000, px)),
        ("jpeg 65535²", jpeg_header(65535, 65535), Jpeg, (W, 65535, side)),
        ("png 30001x1", png(30_001, 1, 8, 0, &[], &tiny_idat), Png, (W, 30_001, side)),
        ("png 1x30001", png(1, 30_001, 8, 0, &[], &tiny_idat), Png, (H, 30_001, side)),
        ("png 2001x2000", png(2001, 2000, 8, 2, &[], &tiny_idat), Png, (PX, 4_002_000, px)),
        ("png u32::MAX x 1", png(u32::MAX, 1, 8, 0, &[], &tiny_idat), Png, (W, u32::MAX.into(), side)),
        ("png 1 x 0x7FFFFFFF", png(1, 0x7FFF_FFFF, 16, 6, &[], &tiny_idat), Png, (H, 0x7FFF_FFFF, side)),
        ("png 20000² rgba", png(20_000, 20_000, 8, 6, &[], &tiny_idat), Png, (PX, 400_000_000, px)),
        ("apng 101 frames", apng(1, 1, 101), Png, (FR, 101, 100)),
        ("apng 5 frames of 2000²", apng(2000, 2000, 5), Png, (TOT, 20_000_000, tot)),
        ("gif 30001x1 screen", gif((30_001, 1), 0, 0, 1, 1), Gif, (W, 30_001, side)),
        ("gif 1x30001 screen", gif((1, 30_001), 0, 0, 1, 1), Gif, (H, 30_001, side)),
        ("gif 2001x2000 screen", gif((2001, 2000), 0, 0, 1, 1), Gif, (PX, 4_002_000, px)),
        ("gif 1x1 screen, frame 2001x2000", gif((1, 1), 0, 0, 2001, 2000), Gif, (PX, 4_002_000, px)),
        ("gif 1x1 screen, frame 65535²", gif((1, 1), 0, 0, 65535, 65535), Gif, (PX, 4_294_836_225, px)),
        ("gif 101 frames", gif_frames((1, 1), &[(0, 0, 1, 1); 101]), Gif, (FR, 101, 100)),
        ("gif 5 frames of 2000²", gif_frames((2000, 2000), &[(0, 0, 2000, 2000); 5]), Gif, (TOT, 20_000_000, tot)),
        ("gif 65535² screen", gif((65535, 65535), 0, 0, 1, 1), Gif, (W, 65535, side)),
        ("gif 5 frames of 1x1 on 2000²", gif_frames((2000, 2000), &[(0, 0, 1, 1); 5]), Gif, (ANIM, 20_000_000, tot)),
        ("webp 30001x1 canvas", webp_anim((30_001, 1), &[(1, 1)]), Webp, (W, 30_001, side)),
        ("webp 1x30001 canvas", webp_anim((1, 30_001), &[(1, 1)]), Webp, (H, 30_001, side)),
        ("webp 2^24² canvas", webp_anim((1 << 24, 1 << 24), &[(1, 1)]), Webp, (W, 1 << 24, side)),
        ("webp vp8l 2001x2000", webp(None, 2001, 2000), Webp, (PX, 4_002_000, px)),
        ("webp vp8l 16384²", webp(None, 16384, 16384), Webp, (PX, 268_435_456, px)),
        ("webp 1x1 canvas, frame 2001x2000", webp_anim((1, 1), &[(2001, 2000)]), Webp, (PX, 4_002_000, px)),
        ("webp 101 frames", webp_anim((1, 1), &one_1), Webp, (FR, 101, 100)),
        ("webp 5 frames of 2000²", webp_anim((2000, 2000), &big_4), Webp, (TOT, 20_000_000, tot)),
        ("webp 5 frames of 1x1 on 2000²", webp_anim((2000, 2000), &one_5), Webp, (ANIM, 20_000_000, tot)),
        ("tiff 30001x8", tiff_header(30_001, 8), Tiff, (W, 30_001, side)),
        ("tiff 8x30001", tiff_header(8, 30_001), Tiff, (H, 30_001, side)),
        ("tiff 2001x2000", tiff_header(2001, 2000), Tiff, (PX, 4_002_000, px)),
        ("tiff u32::MAX²", tiff_header(u32::MAX, u32::MAX), Tiff, (W, u32::MAX.into(), side)),
    ];
    for (name, bytes, format, want) in &cases {
        let e = rejected(name, bytes, "", &bomb_limits());
        assert_hit(name, &e, *format, *want);
    }
}

#[test]
fn png_zlib_bomb_hits_a_limit() {
    let _serial = serial();
    // 20000×20000 1-bit zeros: 50 MB of scanlines in ~50 KB.
    let bomb = png(20_000, 20_000, 1, 0, &[], &zeros_zlib(20_000, 2_501));
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    for limits in [tight(), Limits::default()] {
        let e = rejected("zlib bomb", &bomb, "", &limits);
        let want = ("max_source_pixels", 400_000_000, limits.max_source_pixels);
        assert_hit("zlib bomb", &e, ImageFormat::Png, want);
    }
    // Within the limits by its header, but with 10× the rows in its data: the decoder stops
    // at the rows the header declares.
    let liar = png(2_000, 2_000, 1, 0, &[], &zeros_zlib(20_000, 251));
    let outcome = guarded("lying bomb", &liar, "w=100", &tight());
    assert_eq!(outcome.ok(), Some((100, 100)));
}

#[test]
fn tiff_deflate_bombs_are_bounded_by_the_header() {
    let _serial = serial();
    // 20000×20000 grey in one Deflate strip of zeros: 400 MB of samples in ~400 KB, refused
    // from the header.
    let bomb = tiff_grey(20_000, 20_000, 8, &zeros_zlib(20_000, 20_000));
    assert!(bomb.len() < 1_000_000, "{}", bomb.len());
    let e = rejected("tiff deflate bomb", &bomb, "", &tight());
    assert_hit(
        "tiff deflate bomb",
        &e,
        ImageFormat::Tiff,
        ("max_source_pixels", 400_000_000, 4_000_000),
    );
    // Within the limits by its header (2000×2000), with 10× the rows in its strip: only the
    // declared rows are inflated, and the heap stays within the bound of a 4 MP source.
    let liar = tiff_grey(2_000, 2_000, 8, &zeros_zlib(20_000, 2_000));
    let outcome = guarded("lying tiff bomb", &liar, "w=100", &tight());
    assert_eq!(outcome.ok(), Some((100, 100)));
    // PackBits: runs of 127 zeros in 2 bytes each, a little more than the image needs.
    let runs: Vec<u8> = [0x82u8, 0].repeat(2_000 * 2_000 / 127 + 1);
    let packbits = tiff_grey(2_000, 2_000, 32773, &runs);
    let outcome = guarded("tiff packbits runs", &packbits, "w=100", &tight());
    assert_eq!(outcome.ok(), Some((100, 100)));
}

/// What one hostile input must give.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    /// This output size.
    Size(u32, u32),
    /// This size, or `Corrupt`: a flipped byte in entropy-coded data may still decode (to
    /// other pixels) or be detected, depending on where it lands in the code stream.
    SizeOrCorrupt(u32, u32),
    /// `CodecError::Corrupt` of the sample's format.
    Corrupt,
    /// `CodecError::Corrupt` with this detail (the header reader's own message).
    CorruptWith(&'static str),
    /// `CodecError::Unsupported` with this feature.
    Unsupported(&'static str),
    /// `CodecError::UnknownFormat`.
    Unknown,
    /// `CodecError::LimitExceeded` with this limit, value and maximum.
    Limit(Hit),
    /// `PlanError::OutputTooLarge` for this output size and limit.
    Output(u64, u64, &'static str, u64),
}

fn corrupt_detail(e: &Error, format: ImageFormat) -> Option<&str> {
    match e {
        Error::Codec(CodecError::Corrupt { format: f, detail }) if *f == format => Some(detail),
        _ => None,
    }
}

fn check_want(name: &str, format: ImageFormat, got: &Result<(u32, u32), Error>, want: &Want) {
    let corrupt = |e: &Error| corrupt_detail(e, format).map(str::to_owned);
    let ok = match (want, got) {
        (Want::Size(w, h), Ok(size)) => *size == (*w, *h),
        (Want::SizeOrCorrupt(w, h), Ok(size)) => *size == (*w, *h),
        (Want::SizeOrCorrupt(..) | Want::Corrupt, Err(e)) => corrupt(e).is_some(),
        (Want::CorruptWith(detail), Err(e)) => corrupt(e).is_some_and(|d| d == *detail),
        (
            Want::Unsupported(what),
            Err(Error::Codec(CodecError::Unsupported { format: f, feature })),
        ) => *f == format && feature == what,
        (Want::Unknown, Err(Error::Codec(CodecError::UnknownFormat { .. }))) => true,
        (Want::Limit(hit), Err(Error::Codec(e))) => codec_hit(e) == Some(*hit),
        (
            Want::Output(w, h, limit, max),
            Err(Error::Plan(PlanError::OutputTooLarge {
                width,
                height,
                limit: l,
                max: m,
            })),
        ) => (width, height, limit_name(l), m) == (w, h, *limit, max),
        _ => false,
    };
    assert!(ok, "{name}: wanted {want:?}, got {got:?}");
}

/// Containers whose outer header is small while the bitstream inside claims more: rejected
/// from the header when the inner claim is readable there, otherwise decoded to exactly the
/// size the header promised.
#[test]
fn inner_bitstreams_larger_than_their_header() {
    let _serial = serial();
    use ImageFormat::{Gif, Jpeg, Png, Webp};
    // A huge frame header before the real one, and after it.
    let mut huge_first = jpeg_header(8, 8);
    let second = jpeg_header(65535, 65535);
    huge_first.splice(2..2, second[2..21].iter().copied());
    let mut huge_second = jpeg_header(8, 8);
    huge_second.splice(21..21, second[2..21].iter().copied());
    let hierarchical = Want::Unsupported("hierarchical JPEG");
    #[rustfmt::skip]
    let header_cases: Vec<(&str, Vec<u8>, ImageFormat, Want)> = vec![
        ("webp canvas 1x1, vp8l 16384²", webp(Some((1, 1)), 16384, 16384), Webp,
            Want::CorruptWith("the bitstream is 16384x16384, the VP8X canvas 1x1")),
        ("webp canvas 16x16, vp8l 16384x1", webp(Some((16, 16)), 16384, 1), Webp,
            Want::CorruptWith("the bitstream is 16384x1, the VP8X canvas 16x16")),
        ("jpeg huge SOF, then 8x8", huge_first, Jpeg, hierarchical.clone()),
        ("jpeg 8x8, then huge SOF", huge_second, Jpeg, hierarchical),
        ("gif screen 1x1, frame 2001x2000", gif((1, 1), 0, 0, 2001, 2000), Gif,
            Want::Limit(("max_source_pixels", 4_002_000, 4_000_000))),
    ];
    for (name, bytes, format, want) in &header_cases {
        let outcome = Err(rejected(name, bytes, "", &tight()));
        check_want(name, *format, &outcome, want);
    }
    // Within the limits: a frame of the largest area allowed is decoded, then clipped to the
    // screen; extra rows of PNG data are ignored.
    #[rustfmt::skip]
    let decoded_cases: Vec<(&str, Vec<u8>, ImageFormat, Want)> = vec![
        ("gif screen 1x1, whole frame 2000²", gif_whole_frame((1, 1), (0, 0), 2000, 2000), Gif, Want::Size(1, 1)),
        ("gif screen 1x1, frame 2000² cut short", gif((1, 1), 0, 0, 2000, 2000), Gif, Want::Corrupt),
        ("png IHDR 1x1, 2000 rows of data", png(1, 1, 8, 0, &[], &zeros_zlib(2000, 2)), Png, Want::Size(1, 1)),
    ];
    for (name, bytes, format, want) in &decoded_cases {
        check_want(name, *format, &guarded(name, bytes, "", &tight()), want);
    }
}

#[test]
fn zero_sides_are_errors() {
    let _serial = serial();
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

/// A sample file and where its parts are: the offset ranges of its magic bytes, the shortest prefix
/// that still holds the whole image, and the outcome of a flipped byte by offset range.
struct Sample {
    name: &'static str,
    format: ImageFormat,
    bytes: Vec<u8>,
    magic: Vec<(usize, usize)>,
    complete: usize,
    flips: Vec<(std::ops::Range<usize>, Want)>,
    /// The outcome of a flip anywhere else.
    elsewhere: Want,
}

/// `w=32` applied to a `w`×`h` source: the height rounded, at least 1.
fn w32(w: u32, h: u32) -> (u32, u32) {
    let scaled = (f64::from(h) * 32.0 / f64::from(w)).round();
    (32, (scaled as u32).max(1))
}

/// `w=32` of a source whose one dimension a flip changed: the output size, or the output
/// limit of [`tight`] it exceeds.
fn resized(w: u32, h: u32, decodable: bool) -> Want {
    let (ow, oh) = w32(w, h);
    if oh > 1024 {
        Want::Output(ow.into(), oh.into(), "max_output_side", 1024)
    } else if decodable {
        Want::SizeOrCorrupt(ow, oh)
    } else {
        Want::Corrupt
    }
}

/// The 64×48 samples of every format. Byte 0x5A is xor-ed into the flipped byte, so a zero
/// byte becomes 0x5A: width 64 (0x40) becomes 0x1A = 26 from its low byte, 0x5A40 = 23104
/// from the next; height 48 (0x30) becomes 0x6A = 106 and 0x5A30 = 23088.
fn samples() -> Vec<Sample> {
    use ImageFormat::{Gif, Jpeg, Png, Webp};
    let opaque = gradient(64, 48, false);
    let alpha = gradient(64, 48, true);
    let big = |v: u64| Want::Limit(("max_source_width", v, 65535));
    let tall = |v: u64| Want::Limit(("max_source_height", v, 65535));
    let mut out = Vec::new();

    // PNG: every chunk up to the image data is CRC-checked, so a flip there is corrupt data,
    // unless the header reader rejects it first. IEND, after the image data, is not checked
    // (its chunk header must be there, ending the data, but only its CRC may be missing).
    let bytes = encoded(&alpha, Png, false);
    assert_eq!(&bytes[12..16], b"IHDR");
    let len = bytes.len();
    out.push(Sample {
        name: "png",
        format: Png,
        magic: vec![(0, 8)],
        complete: len - 4,
        flips: vec![
            (16..17, big(0x5A00_0040)),
            (17..18, big(0x005A_0040)),
            (20..21, tall(0x5A00_0030)),
            (21..22, tall(0x005A_0030)),
            (22..23, resized(64, 23088, false)),
            (len - 12..len, Want::Size(32, 24)),
        ],
        elsewhere: Want::Corrupt,
        bytes,
    });

    // JPEG: a flip in the frame header changes the sample precision, a side or the component
    // count; after the headers it lands in Huffman-coded data.
    for (name, progressive) in [("jpeg", false), ("pjpeg", true)] {
        let bytes = encoded(&opaque, Jpeg, progressive);
        let sof = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2])
            .expect("frame header");
        let len = bytes.len();
        out.push(Sample {
            name,
            format: Jpeg,
            magic: vec![(0, 3)],
            complete: len,
            flips: vec![
                (sof..sof + 4, Want::Corrupt),
                (sof + 4..sof + 5, Want::Unsupported("82-bit samples")),
                (sof + 5..sof + 6, resized(64, 23088, true)),
                (sof + 6..sof + 7, resized(64, 106, true)),
                (sof + 7..sof + 8, resized(23104, 48, true)),
                (sof + 8..sof + 9, resized(26, 48, true)),
                (sof + 9..sof + 10, Want::Unsupported("89-component image")),
                // The end-of-image marker.
                (len - 2..len, Want::Corrupt),
            ],
            elsewhere: Want::SizeOrCorrupt(32, 24),
            bytes,
        });
    }

    // GIF: the logical screen's sides, then blocks and LZW data; the trailer is optional.
    let bytes = encoded(&alpha, Gif, false);
    let len = bytes.len();
    out.push(Sample {
        name: "gif",
        format: Gif,
        magic: vec![(0, 6)],
        complete: len - 1,
        flips: vec![
            (6..7, resized(26, 48, true)),
            (7..8, resized(23104, 48, true)),
            (8..9, resized(64, 106, true)),
            (9..10, resized(64, 23088, true)),
        ],
        elsewhere: Want::SizeOrCorrupt(32, 24),
        bytes,
    });

    // Lossy WebP: RIFF size (not relied on), the VP8 chunk header, start code, 14-bit sides.
    let bytes = encoded(&opaque, Webp, false);
    assert_eq!(&bytes[12..16], b"VP8 ");
    let missing = Want::CorruptWith("VP8 start code missing");
    out.push(Sample {
        name: "webp",
        format: Webp,
        magic: vec![(0, 4), (8, 12)],
        complete: bytes.len(),
        flips: vec![
            (4..8, Want::Size(32, 24)),
            (12..20, Want::Corrupt),
            (23..26, missing),
            (26..27, resized(26, 48, true)),
            (27..28, resized(0x5A40 & 0x3FFF, 48, true)),
            (28..29, resized(64, 106, true)),
            (29..30, resized(64, 0x5A30 & 0x3FFF, true)),
        ],
        elsewhere: Want::SizeOrCorrupt(32, 24),
        bytes,
    });
    out
}

/// Every prefix of every sample: unknown while the magic is incomplete, corrupt until the
/// image is whole, then the full-size result.
#[test]
fn truncated_samples_give_exact_outcomes() {
    let _serial = serial();
    for sample in samples() {
        let magic_end = sample.magic.iter().map(|r| r.1).max().unwrap_or(0);
        for cut in 0..=sample.bytes.len() {
            let want = if cut < magic_end {
                Want::Unknown
            } else if cut < sample.complete {
                Want::Corrupt
            } else {
                Want::Size(32, 24)
            };
            let name = format!("{} cut at {cut}", sample.name);
            let got = guarded(&name, &sample.bytes[..cut], "w=32", &tight());
            check_want(&name, sample.format, &got, &want);
        }
    }
}

/// Every sample with each byte in turn xor-ed with 0x5A.
#[test]
fn corrupted_samples_give_exact_outcomes() {
    let _serial = serial();
    for sample in samples() {
        assert_eq!(
            guarded(sample.name, &sample.bytes, "w=32", &tight()).ok(),
            Some((32, 24)),
            "{} decodes whole",
            sample.name
        );
        for at in 0..sample.bytes.len() {
            let want = if sample.magic.iter().any(|&(a, b)| (a..b).contains(&at)) {
                Want::Unknown
            } else {
                sample
                    .flips
                    .iter()
                    .find(|(r, _)| r.contains(&at))
                    .map_or(sample.elsewhere.clone(), |(_, w)| w.clone())
            };
            let mut corrupt = sample.bytes.clone();
            corrupt[at] ^= 0x5A;
            let name = format!("{} flipped at {at}", sample.name);
            let got = guarded(&name, &corrupt, "w=32", &tight());
            check_want(&name, sample.format, &got, &want);
        }
    }
}

#[test]
fn corrupt_exif_is_ignored() {
    let _serial = serial();
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
    let _serial = serial();
    let idat = zeros_zlib(4, 5);
    let big = vec![b'a'; 2 << 20];
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend_from_slice(&big);
    let mut exif = b"MM\0*".to_vec();
    exif.extend_from_slice(&big);
    let metadata = |len: usize| {
        let value = u64::try_from(len).expect("small");
        Want::Limit(("max_metadata_bytes", value, 1 << 20))
    };
    // The chunk payloads: the iCCP name, its terminator and method byte; the TIFF header.
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        (
            "2 MiB iCCP",
            png(4, 4, 8, 0, &[(b"iCCP", iccp)], &idat),
            metadata((2 << 20) + 5),
        ),
        (
            "2 MiB eXIf",
            png(4, 4, 8, 0, &[(b"eXIf", exif)], &idat),
            metadata((2 << 20) + 4),
        ),
        (
            "2 MiB tEXt (ignored)",
            png(4, 4, 8, 0, &[(b"tEXt", big.clone())], &idat),
            Want::Size(4, 4),
        ),
        (
            "2 MiB unknown chunk",
            png(4, 4, 8, 0, &[(b"prVt", big.clone())], &idat),
            Want::Size(4, 4),
        ),
    ];
    for (name, bytes, want) in &cases {
        let outcome = match want {
            Want::Limit(_) => Err(rejected(name, bytes, "", &tight())),
            _ => guarded(name, bytes, "", &tight()),
        };
        check_want(name, ImageFormat::Png, &outcome, want);
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
    // Text chunks are skipped, never inflated.
    let outcome = guarded("zTXt bomb", &bytes, "", &tight());
    assert_eq!(outcome.ok(), Some((4, 4)));
}

#[test]
fn progressive_jpeg_with_hundreds_of_scans_is_bounded() {
    let _serial = serial();
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
    let detail = format!("{count} scans, expected at most 100");
    let got = outcome
        .as_ref()
        .err()
        .and_then(|e| corrupt_detail(e, ImageFormat::Jpeg));
    assert_eq!(got, Some(detail.as_str()), "{outcome:?}");
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
    let _serial = serial();
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
    let _serial = serial();
    // Whole frames are clipped to the screen; a frame whose data is cut short, or longer than
    // the frame (one pixel for a 0×0 frame), is corrupt.
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        (
            "frame far outside",
            gif_whole_frame((10, 10), (60_000, 60_000), 100, 100),
            Want::Size(10, 10),
        ),
        (
            "frame larger than the screen",
            gif_whole_frame((10, 10), (0, 0), 1000, 1000),
            Want::Size(10, 10),
        ),
        (
            "frame overlapping the edge",
            gif_whole_frame((10, 10), (8, 8), 4, 4),
            Want::Size(10, 10),
        ),
        (
            "frame larger than the screen, cut short",
            gif((10, 10), 0, 0, 1000, 1000),
            Want::Corrupt,
        ),
        (
            "frame of zero size",
            gif((10, 10), 0, 0, 0, 0),
            Want::Corrupt,
        ),
    ];
    for (name, bytes, want) in &cases {
        let got = guarded(name, bytes, "", &tight());
        check_want(name, ImageFormat::Gif, &got, want);
    }
}

const FITS: &[&str] = &["clip", "crop", "fill", "fillmax", "max", "min", "scale"];

#[test]
fn extreme_aspect_ratios_through_every_fit_mode() {
    let _serial = serial();
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

/// A TIFF fixture (one LZW strip of 8265 bytes at offset 8, 8406 bytes in all) with the
/// values, and perhaps the count, of one tag replaced.
fn patched_tiff(tag: u16, count: Option<u32>, values: &[u32]) -> Vec<u8> {
    let mut bytes = std::fs::read(support::testdata("tiff/rgb8-lzw.tif")).expect("fixture");
    support::patch_tiff_tag(&mut bytes, tag, count, values);
    bytes
}

/// `tiff/rgb8-tiled-bigendian.tif` (16×16 tiles) declaring `tw`×`tl` tiles.
fn tiled_tiff(tw: u32, tl: u32) -> Vec<u8> {
    let mut bytes =
        std::fs::read(support::testdata("tiff/rgb8-tiled-bigendian.tif")).expect("fixture");
    support::patch_tiff_tag(&mut bytes, 322, None, &[tw]);
    support::patch_tiff_tag(&mut bytes, 323, None, &[tl]);
    bytes
}

/// Strip tables declaring more than the file holds, chunks past its end, a directory past its
/// end, truncations: each an exact typed error from the header, before any pixel buffer; bad
/// compressed data: a typed error from the decoder, in bounded memory.
#[test]
fn tiff_tables_are_checked_before_decoding() {
    let _serial = serial();
    let mut ifd_past_end = std::fs::read(support::testdata("tiff/rgb8-lzw.tif")).expect("fixture");
    ifd_past_end[4..8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, Result<&str, Hit>)> = vec![
        (
            "2^30 strips",
            patched_tiff(273, Some(1 << 30), &[8]),
            Err(("max_metadata_bytes", 1 << 32, 1 << 20)),
        ),
        (
            "100 000 strips",
            patched_tiff(273, Some(100_000), &[8]),
            Ok("truncated (StripOffsets: 100000 values end past the end of the file)"),
        ),
        (
            "2 strips for 1",
            {
                let mut b = patched_tiff(273, Some(2), &[]);
                support::patch_tiff_tag(&mut b, 279, Some(2), &[]);
                b
            },
            Ok("StripOffsets has 2 entries, a 64x40 image in strips of 40 rows needs 1"),
        ),
        (
            "strip offset past the end",
            patched_tiff(273, None, &[1_000_000]),
            Ok("truncated (chunk 0 at bytes 1000000..1008265 of a 8406-byte file)"),
        ),
        (
            "strip length past the end",
            patched_tiff(279, None, &[1_000_000]),
            Ok("truncated (chunk 0 at bytes 8..1000008 of a 8406-byte file)"),
        ),
        (
            "1x1 tiles",
            tiled_tiff(1, 1),
            Ok("1x1 tiles (sides must be multiples of 16)"),
        ),
        (
            "32x16 tiles",
            tiled_tiff(32, 16),
            Ok("TileOffsets has 12 entries, a 64x40 image in 32x16 tiles needs 6"),
        ),
        (
            "2048x4096 tiles",
            tiled_tiff(2048, 4096),
            Err(("max_source_pixels", 8_388_608, 4_000_000)),
        ),
        (
            "rows per strip 0",
            patched_tiff(278, None, &[0]),
            Ok("RowsPerStrip is 0"),
        ),
        (
            "directory past the end",
            ifd_past_end,
            Ok("truncated (header)"),
        ),
        (
            "zero samples per pixel",
            patched_tiff(277, None, &[0]),
            Ok("0 samples per pixel"),
        ),
    ];
    for (name, bytes, want) in &cases {
        let e = rejected(name, bytes, "w=10", &tight());
        match want {
            Err(hit) => assert_hit(name, &e, ImageFormat::Tiff, *hit),
            Ok(detail) => {
                assert_eq!(
                    corrupt_detail(&e, ImageFormat::Tiff),
                    Some(*detail),
                    "{name}: {e:?}"
                )
            }
        }
    }
    // Truncated anywhere: the directory is at the end, so every cut fails in the header.
    let whole = std::fs::read(support::testdata("tiff/rgb8-lzw.tif")).expect("fixture");
    for cut in (0..whole.len()).step_by(97) {
        let e = rejected(&format!("cut at {cut}"), &whole[..cut], "w=10", &tight());
        let want = if cut < 4 { 415 } else { 422 };
        assert_eq!(e.http_status(), want, "cut at {cut}: {e:?}");
    }
    // Compressed data cut short or garbled: the decoder's error, typed, heap bounded.
    let mut garbled = whole.clone();
    garbled[8..4000].fill(0xFF);
    for (name, bytes) in [
        (
            "LZW strip cut to 100 bytes",
            patched_tiff(279, None, &[100]),
        ),
        ("LZW strip garbled", garbled),
    ] {
        let e = guarded(name, &bytes, "w=10", &tight()).expect_err(name);
        assert!(
            corrupt_detail(&e, ImageFormat::Tiff).is_some(),
            "{name}: {e:?}"
        );
    }
}

#[test]
fn every_bad_file_errors() {
    let _serial = serial();
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
    let _serial = serial();
    let mut limits = tight();
    limits.max_output_side = 8192;
    let bytes = encoded(&gradient(8192, 1, false), ImageFormat::Png, false);
    let outcome = guarded("8192x1 to 1x8192", &bytes, "w=1&h=8192&fit=scale", &limits);
    assert!(matches!(outcome, Ok((1, 8192))), "{outcome:?}");
}

/// A header of `format` declaring `canvas`, `frames` frames of `frame` each (GIF and WebP;
/// APNG frames are the canvas), and its frame areas (largest, total) as the format defines
/// them.
fn declared(format: ImageFormat, canvas: (u16, u16), frame: (u16, u16), frames: u32) -> Vec<u8> {
    let (w, h) = canvas;
    match format {
        ImageFormat::Jpeg => jpeg_header(w, h),
        ImageFormat::Tiff => tiff_header(w.into(), h.into()),
        ImageFormat::Png if frames == 1 => png(w.into(), h.into(), 8, 0, &[], &zeros_zlib(1, 2)),
        ImageFormat::Png => apng(w.into(), h.into(), frames),
        ImageFormat::Gif => {
            let n = usize::try_from(frames).expect("few");
            gif_frames(canvas, &vec![(0, 0, frame.0, frame.1); n])
        }
        _ if frames == 1 => webp(None, w.into(), h.into()),
        _ => {
            let n = usize::try_from(frames).expect("few");
            let f = (u32::from(frame.0), u32::from(frame.1));
            webp_anim((w.into(), h.into()), &vec![f; n])
        }
    }
}

/// A limit near `value`: one under (hit), equal (not hit), one over, or far above.
fn near(value: u64, pick: u8) -> u64 {
    match pick {
        0 => value - 1,
        1 => value,
        2 => value + 1,
        _ => value + 1000,
    }
}

/// The limit checks of every format's header, against limits drawn at and around the values
/// each file declares: the error names the first limit in the documented order whose value
/// exceeds it — and that value does exceed it — and a file within every limit probes to
/// exactly the declared size and frame count. Every limit is reached many times.
#[test]
fn header_limits_name_the_first_limit_exceeded() {
    let _serial = serial();
    use ImageFormat::{Gif, Jpeg, Png, Tiff, Webp};
    let names = [
        "max_input_bytes",
        "max_source_width",
        "max_source_height",
        "max_source_pixels",
        "max_source_pixels (frame)",
        "max_frames",
        "max_total_frame_pixels",
        "within",
    ];
    let reached = std::cell::RefCell::new([0usize; 8]);
    let strategy = (
        proptest::sample::select(vec![Jpeg, Png, Gif, Webp, Tiff]),
        (1u16..=40, 1u16..=40),
        (1u16..=60, 1u16..=60),
        1u32..=5,
        proptest::collection::vec(0u8..4, 7),
    );
    let mut runner = TestRunner::new(Config::with_cases(3000));
    runner
        .run(&strategy, |(format, canvas, frame, frames, picks)| {
            let frames = if matches!(format, Jpeg | Tiff) {
                1
            } else {
                frames
            };
            // GIF frames may exceed the screen; WebP frames are the canvas; APNG and still
            // images have no frame sizes of their own.
            let frame = match format {
                Gif => frame,
                _ => canvas,
            };
            let animated_webp = format == Webp && frames > 1;
            let bytes = declared(format, canvas, frame, frames);
            let area = u64::from(canvas.0) * u64::from(canvas.1);
            let frame_area = u64::from(frame.0) * u64::from(frame.1);
            let (largest, total) = match format {
                Gif => (frame_area, (frame_area * u64::from(frames)).max(area)),
                _ if animated_webp => (area, area * u64::from(frames)),
                _ => (area, area * u64::from(frames)),
            };
            let len = u64::try_from(bytes.len()).expect("small");
            let values = [
                len,
                canvas.0.into(),
                canvas.1.into(),
                area,
                largest,
                frames.into(),
                total,
            ];
            let max: Vec<u64> = values
                .iter()
                .zip(&picks)
                .map(|(v, p)| near(*v, *p))
                .collect();
            let mut limits = Limits::default();
            limits.max_input_bytes = max[0];
            limits.max_source_width = u32::try_from(max[1]).expect("small");
            limits.max_source_height = u32::try_from(max[2]).expect("small");
            // One limit bounds both the canvas and the largest frame: the tighter pick.
            limits.max_source_pixels = max[3].min(max[4]);
            limits.max_frames = u32::try_from(max[5]).expect("small");
            limits.max_total_frame_pixels = max[6];
            let bounds = [
                max[0],
                max[1],
                max[2],
                limits.max_source_pixels,
                limits.max_source_pixels,
                max[5],
                max[6],
            ];
            let first = (0..7).find(|&i| values[i] > bounds[i]);
            reached.borrow_mut()[first.unwrap_or(7)] += 1;
            let got = probe(&bytes, &limits);
            match (first, got) {
                (None, Ok(info)) => {
                    prop_assert_eq!(
                        (info.format, info.width, info.height),
                        (format, canvas.0.into(), canvas.1.into())
                    );
                    prop_assert_eq!(info.frames, frames);
                }
                (Some(i), Err(e)) => {
                    let name = names[i].split(' ').next().unwrap_or_default();
                    prop_assert_eq!(codec_hit(&e), Some((name, values[i], bounds[i])), "{:?}", e);
                    prop_assert!(values[i] > bounds[i]);
                }
                (want, got) => prop_assert!(
                    false,
                    "{format:?} {canvas:?} {frame:?} x{frames}: wanted {:?}, got {got:?}",
                    want.map(|i| names[i])
                ),
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let reached = reached.into_inner();
    for (name, n) in names.iter().zip(reached) {
        // Each outcome is drawn about 100–800 times per run (random seed); 25 is several
        // standard deviations below the rarest, so the bound fails only when a branch
        // becomes unreachable.
        assert!(n >= 25, "{name} reached {n} times of 3000: {reached:?}");
    }
}

// --- SVG ------------------------------------------------------------------------------------

/// Runs one SVG case under [`bounded`] and checks it took well under a second.
fn svg_case(name: &str, svg: &str, query: &str, bound: u64) -> Result<(u32, u32), Error> {
    let started = std::time::Instant::now();
    let outcome = bounded(name, svg.as_bytes(), query, &tight(), bound);
    let took = started.elapsed();
    assert!(took.as_millis() < 500, "{name}: took {took:?}");
    outcome
}

/// The decoded RGBA pixels of an SVG rendered through `transform` with `query`.
fn svg_pixels(svg: &str, query: &str) -> image::RgbaImage {
    // Under the lock, so this allocation does not count in another case's peak.
    let _serial = serial();
    let out = transform(
        svg.as_bytes(),
        &TransformSpec::from_query(query).expect("query"),
        &TransformOptions::new(tight(), Vec::new()),
    )
    .expect("render");
    support::decode_rgba(&out.bytes)
}

fn svg_codec_error(e: &Error) -> &CodecError {
    match e {
        Error::Codec(c) => c,
        other => panic!("expected a codec error, got {other:?}"),
    }
}

#[test]
fn svg_entity_bombs_fail_from_the_declarations() {
    let _serial = serial();
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY l0 \"lol\">\n");
    for i in 1..10 {
        let refs = format!("&l{};", i - 1).repeat(10);
        laughs.push_str(&format!("<!ENTITY l{i} \"{refs}\">\n"));
    }
    laughs.push_str("]>\n<svg width=\"10\" height=\"10\"><text>&l9;</text></svg>");
    let e = svg_case("billion laughs", &laughs, "w=10", HEADER_BOUND).expect_err("billion laughs");
    assert_eq!(
        svg_codec_error(&e),
        &CodecError::Unsupported {
            format: ImageFormat::Svg,
            feature: "entity \"l1\" holds markup or refers to other entities".to_owned()
        }
    );
    assert_eq!(e.http_status(), 415);
    // Flat entities are fine in number, but not a 2000-byte one referenced 5000 times (10 MB
    // once expanded, over the 8 MiB input limit).
    let wide = format!(
        "<!DOCTYPE svg [<!ENTITY w \"{}\">]><svg width=\"10\" height=\"10\"><desc>{}</desc></svg>",
        "x".repeat(2000),
        "&w;".repeat(5000)
    );
    let e = svg_case("wide entity", &wide, "w=10", HEADER_BOUND).expect_err("wide entity");
    assert_hit(
        "wide entity",
        &e,
        ImageFormat::Svg,
        ("max_input_bytes", 5000 * 2000, 8 << 20),
    );
    let external = "<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\
                    <svg width=\"10\" height=\"10\"><text>&x;</text></svg>";
    let e = svg_case("external entity", external, "w=10", HEADER_BOUND).expect_err("external");
    assert!(
        matches!(svg_codec_error(&e), CodecError::Unsupported { feature, .. } if feature.starts_with("external entity \"x\"")),
        "{e:?}"
    );
}

#[test]
fn svg_nesting_and_use_expansion_hit_their_limits() {
    let _serial = serial();
    let deep = format!(
        "<svg width=\"10\" height=\"10\">{}<rect width=\"1\" height=\"1\"/>{}</svg>",
        "<g>".repeat(10_000),
        "</g>".repeat(10_000)
    );
    let e = svg_case("deep nesting", &deep, "w=10", 8 << 20).expect_err("deep");
    // The root is level 1: the 256th <g> is level 257.
    assert_hit(
        "deep nesting",
        &e,
        ImageFormat::Svg,
        ("max_svg_depth", 257, 256),
    );

    // Each level uses the previous one twice: 2^30 rectangles once expanded.
    let mut chain = String::from(
        "<svg width=\"10\" height=\"10\"><defs><rect id=\"u0\" width=\"1\" height=\"1\"/>",
    );
    for i in 1..=30 {
        chain.push_str(&format!(
            "<g id=\"u{i}\"><use href=\"#u{p}\"/><use href=\"#u{p}\"/></g>",
            p = i - 1
        ));
    }
    chain.push_str("</defs><use href=\"#u30\"/></svg>");
    let e = svg_case("use chain", &chain, "w=10", 4 << 20).expect_err("use chain");
    let CodecError::LimitExceeded {
        limit, value, max, ..
    } = svg_codec_error(&e)
    else {
        panic!("use chain: {e:?}");
    };
    assert_eq!((limit_name(limit), *max), ("max_svg_nodes", 100_000));
    assert!(*value > 100_000, "{value}");
    // A chain of `use` 300 deep is deeper than the nesting limit once expanded.
    let mut links =
        String::from("<svg width=\"10\" height=\"10\"><rect id=\"v0\" width=\"1\" height=\"1\"/>");
    for i in 1..300 {
        links.push_str(&format!("<use id=\"v{i}\" href=\"#v{}\"/>", i - 1));
    }
    links.push_str("</svg>");
    let e = svg_case("use links", &links, "w=10", 4 << 20).expect_err("use links");
    assert!(
        matches!(
            svg_codec_error(&e),
            CodecError::LimitExceeded {
                limit: LimitKind::MaxSvgDepth,
                max: 256,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn svg_huge_blur_regions_are_bounded_by_the_output_limit() {
    let _serial = serial();
    // resvg#814: an objectBoundingBox filter region hundreds of times the shape, with a blur
    // of 1e9. resvg clips the region to 5× the canvas per side; the offscreen buffers alive
    // at once must fit `max_output_pixels` (1 MP here).
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">\
               <filter id=\"f\" x=\"-300\" y=\"-300\" width=\"600\" height=\"600\">\
               <feGaussianBlur stdDeviation=\"1e9\"/></filter>\
               <rect x=\"40\" y=\"40\" width=\"20\" height=\"20\" fill=\"#00f\" filter=\"url(#f)\"/></svg>";
    // 40×40 output: a 200×200 region; layer, source copy and four buffers for the blur =
    // 240 000 pixels, within the limit: rendered, the heap staying under those pixels in
    // RGBA plus 1 MiB for the XML, the usvg tree and the encoder.
    let bound = 4 * 240_000 + (1 << 20);
    assert_eq!(
        svg_case("huge blur", svg, "w=40", bound).ok(),
        Some((40, 40))
    );
    // 100×100: a 500×500 region, 1.5 MP of buffers: refused before rendering.
    let e = svg_case("huge blur, larger output", svg, "w=100", 2 << 20).expect_err("larger");
    assert_hit(
        "huge blur, larger output",
        &e,
        ImageFormat::Svg,
        ("max_output_pixels", 6 * 500 * 500, 1024 * 1024),
    );
    // A pattern tile scaled to a huge device size is refused the same way.
    let pattern = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">\
                   <pattern id=\"p\" width=\"100000\" height=\"100000\" patternUnits=\"userSpaceOnUse\">\
                   <rect width=\"10\" height=\"10\" fill=\"red\"/></pattern>\
                   <rect width=\"100\" height=\"100\" fill=\"url(#p)\"/></svg>";
    let e = svg_case("huge pattern tile", pattern, "w=100", 4 << 20).expect_err("pattern");
    assert_hit(
        "huge pattern tile",
        &e,
        ImageFormat::Svg,
        ("max_output_pixels", 100_000 * 100_000, 1024 * 1024),
    );
}

#[test]
fn svg_painting_work_is_bounded() {
    let _serial = serial();
    // 5000 rectangles each covering the canvas: 5 G pixels painted at 1000×1000, refused
    // from the tree before any is painted, at the 1074th (1 G pixels is the default). The
    // XML and the usvg tree of 5000 elements take about 4.6 MB.
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">{}</svg>",
        "<rect width=\"100\" height=\"100\" fill=\"#123\"/>".repeat(5000)
    );
    let e = svg_case("overdraw", &svg, "w=1000", 8 << 20).expect_err("overdraw");
    assert_hit(
        "overdraw",
        &e,
        ImageFormat::Svg,
        ("max_svg_render_pixels", 1074 * 1_000_000, 1 << 30),
    );
    // At 100×100 the same file paints 50 M pixels: rendered.
    assert_eq!(
        svg_case("overdraw, small", &svg, "w=100", 8 << 20).ok(),
        Some((100, 100))
    );
}

#[test]
fn svg_is_rendered_at_the_output_size() {
    let _serial = serial();
    // 2000×2000 declared (a 16 MB raster at full size); w=100 allocates about the output.
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"2000\" height=\"2000\">\
               <rect width=\"1000\" height=\"2000\" fill=\"#0a0\"/></svg>";
    let bound = 4 * 4 * 100 * 100 + (2 << 20);
    assert_eq!(
        svg_case("large drawing, small output", svg, "w=100", bound).ok(),
        Some((100, 100))
    );
    let img = svg_pixels(svg, "w=100");
    // The left half is green to its last column, the right half empty from its first.
    assert_eq!(img.get_pixel(49, 50).0, [0, 0xaa, 0, 255]);
    assert_eq!(img.get_pixel(50, 50).0[3], 0);
}

#[test]
fn svg_external_references_are_never_loaded() {
    let _serial = serial();
    // A red PNG on disk and a listener on a local port: neither may be read.
    let dir = std::env::temp_dir().join(format!("pixform-svg-href-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let red = dir.join("red.png");
    let mut png_bytes = Vec::new();
    image::RgbaImage::from_pixel(8, 8, image::Rgba([255, 0, 0, 255]))
        .write_to(
            &mut std::io::Cursor::new(&mut png_bytes),
            image::ImageFormat::Png,
        )
        .expect("png");
    std::fs::write(&red, &png_bytes).expect("write png");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();

    let path = red.display().to_string();
    let hrefs = [
        path.clone(),
        format!("file://{path}"),
        "red.png".to_owned(),
        format!("http://127.0.0.1:{port}/red.png"),
    ];
    for href in &hrefs {
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             width=\"16\" height=\"16\"><image width=\"16\" height=\"16\" xlink:href=\"{href}\"/>\
             <image width=\"16\" height=\"16\" href=\"{href}\"/>\
             <use href=\"{href}#x\"/></svg>"
        );
        assert_eq!(
            svg_case(href, &svg, "w=16", 4 << 20).ok(),
            Some((16, 16)),
            "{href}"
        );
        let img = svg_pixels(&svg, "w=16");
        assert!(
            img.pixels().all(|p| p[3] == 0),
            "{href}: something was drawn"
        );
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the SVG renderer connected to the listener"
    );
    // The same PNG as a data: URI is drawn.
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png_bytes);
    let inline = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\">\
         <image width=\"16\" height=\"16\" href=\"data:image/png;base64,{b64}\"/></svg>"
    );
    assert!(svg_pixels(&inline, "w=16")
        .pixels()
        .all(|p| p.0 == [255, 0, 0, 255]));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn svg_data_images_pass_pixforms_own_limits() {
    let _serial = serial();
    // A data: PNG declaring 20000×20000 over a small zlib bomb: refused by the probe, so the
    // image is not drawn and nothing of its size is allocated.
    let bomb = png(20_000, 20_000, 8, 0, &[], &zeros_zlib(64, 20_001));
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\">\
         <image width=\"16\" height=\"16\" href=\"data:image/png;base64,{}\"/></svg>",
        base64::engine::general_purpose::STANDARD.encode(&bomb)
    );
    assert_eq!(
        svg_case("data png bomb", &svg, "w=16", 4 << 20).ok(),
        Some((16, 16))
    );
    assert!(svg_pixels(&svg, "w=16").pixels().all(|p| p[3] == 0));
    // One 1000×1000 data: PNG (1 KB of zlib) drawn 2000 times: each use decodes it again,
    // 2 G pixels of work at a 16×16 output, refused from the tree (1 G pixels by default).
    let flat = png(1000, 1000, 8, 0, &[], &zeros_zlib(1000, 1001));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&flat);
    let reuse = |times: usize| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\"><defs>\
             <image id=\"i\" width=\"16\" height=\"16\" href=\"data:image/png;base64,{b64}\"/>\
             </defs>{}</svg>",
            "<use href=\"#i\"/>".repeat(times)
        )
    };
    let e = svg_case("image reuse", &reuse(2000), "w=16", 8 << 20).expect_err("image reuse");
    assert_hit(
        "image reuse",
        &e,
        ImageFormat::Svg,
        // Each use: the 1 M pixels decoded and 16×16 drawn.
        ("max_svg_render_pixels", 1074 * 1_000_256, 1 << 30),
    );
    // The same reference copied by usvg for every use: 10 000 uses of a 1.4 KB URL (a
    // 170 KB file) exceed the 8 MiB input limit once expanded, refused by the probe.
    let href = 22 + b64.len() as u64;
    let e = svg_case("image bytes", &reuse(10_000), "w=16", 4 << 20).expect_err("image bytes");
    let CodecError::LimitExceeded {
        limit, value, max, ..
    } = svg_codec_error(&e)
    else {
        panic!("image bytes: {e:?}");
    };
    assert_eq!((limit_name(limit), *max), ("max_input_bytes", 8 << 20));
    assert_eq!(*value % href, 0, "{value} is not a multiple of {href}");
    // Two distinct 1000×1000 JPEGs: pixform decodes embedded JPEGs, together at most
    // `max_output_pixels` (1 MP here); the second is refused before it is decoded.
    let jpeg = |v: u8| {
        let img = Image::filled(1000, 1000, PixelLayout::Rgb8, &[v, v, v]).expect("image");
        base64::engine::general_purpose::STANDARD.encode(encoded(&img, ImageFormat::Jpeg, false))
    };
    let two = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\">\
         <image width=\"16\" height=\"16\" href=\"data:image/jpeg;base64,{}\"/>\
         <image width=\"16\" height=\"16\" href=\"data:image/jpeg;base64,{}\"/></svg>",
        jpeg(10),
        jpeg(20)
    );
    let e = svg_case("two jpegs", &two, "w=16", 8 << 20).expect_err("two jpegs");
    assert_hit(
        "two jpegs",
        &e,
        ImageFormat::Svg,
        ("max_output_pixels", 2_000_000, 1024 * 1024),
    );
    // Compressed SVG is not read.
    let e = rejected("svgz", b"\x1f\x8b\x08\0\0\0\0\0", "w=16", &tight());
    assert_eq!(e.http_status(), 415, "{e:?}");
}

/// Composing an animation holds one canvas (two while a frame disposes to previous), the
/// current raw frame and the decoder's tables: never every frame.
#[test]
fn composing_frames_holds_one_canvas_not_every_frame() {
    let _serial = serial();
    const SIDE: u16 = 256;
    const FRAMES: usize = 200;
    let canvas = usize::from(SIDE) * usize::from(SIDE) * 4;
    let mut bytes = Vec::new();
    {
        let palette = [0, 0, 0, 255, 255, 255];
        let mut enc = ::gif::Encoder::new(&mut bytes, SIDE, SIDE, &palette).expect("in memory");
        let pixels = vec![1u8; usize::from(SIDE) * usize::from(SIDE)];
        for i in 0..FRAMES {
            let mut frame = ::gif::Frame {
                width: SIDE,
                height: SIDE,
                delay: 2,
                buffer: std::borrow::Cow::Borrowed(&pixels),
                ..::gif::Frame::default()
            };
            if i % 2 == 1 {
                frame.dispose = ::gif::DisposalMethod::Previous;
            }
            enc.write_frame(&frame).expect("in memory");
        }
    }
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let mut frames = pixform::codec::frames(&bytes, &Limits::default()).expect("opens");
    let mut seen = 0;
    while let Some(meta) = frames.next_frame().expect("frame") {
        assert_eq!(meta.delay_ms, 20);
        seen += 1;
    }
    drop(frames);
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(base);
    assert_eq!(seen, FRAMES);
    // Canvas, saved canvas and raw frame, plus 1 MiB of decoder state; every frame would be
    // 200 canvases (50 MiB).
    let bound = 3 * canvas + (1 << 20);
    assert!(peak <= bound, "peak heap {peak} > {bound}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A `width`×`height` GIF of `frames` full frames, each a different shifted pattern over a
/// 256-colour palette, 20 ms apart, looping forever.
fn gif_animation(width: u16, height: u16, frames: usize) -> Vec<u8> {
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect();
    let mut bytes = Vec::new();
    let mut enc = ::gif::Encoder::new(&mut bytes, width, height, &palette).expect("in memory");
    enc.set_repeat(::gif::Repeat::Infinite).expect("in memory");
    let (w, h) = (usize::from(width), usize::from(height));
    for i in 0..frames {
        let pixels: Vec<u8> = (0..w * h)
            .map(|p| ((p % w) / 4 + (p / w) / 4 + i * 3) as u8)
            .collect();
        let frame = ::gif::Frame {
            width,
            height,
            delay: 2,
            buffer: std::borrow::Cow::Owned(pixels),
            ..::gif::Frame::default()
        };
        enc.write_frame(&frame).expect("in memory");
    }
    drop(enc);
    bytes
}

/// The peak heap of `transform` on `bytes`, with the output.
fn transform_peak(bytes: &[u8], query: &str, limits: &Limits) -> (usize, pixform::Output) {
    let _serial = serial();
    let spec = TransformSpec::from_query(query).expect("query");
    let options = TransformOptions::new(limits.clone(), Vec::new());
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = transform(bytes, &spec, &options).expect("transform");
    (PEAK.load(Ordering::SeqCst).saturating_sub(base), out)
}

/// Animated output streams its frames: a 200×150 animation of 200 frames through
/// `w=100&fm=webp` peaks within the output's growth of the same animation with 20 frames
/// (holding the frames would add 180 canvases, 21.6 MB), and either run within a few
/// canvases.
#[test]
fn animated_output_holds_one_frame_at_a_time() {
    let _serial = serial();
    let (short, long) = (gif_animation(200, 150, 20), gif_animation(200, 150, 200));
    let canvas = 200 * 150 * 4;
    let started = std::time::Instant::now();
    let (p20, o20) = transform_peak(&short, "w=100&fm=webp", &Limits::default());
    let (p200, o200) = transform_peak(&long, "w=100&fm=webp", &Limits::default());
    let elapsed = started.elapsed();
    for (out, frames) in [(&o20, 20), (&o200, 200)] {
        let info = probe(&out.bytes, &Limits::default()).expect("probe");
        assert_eq!(
            (info.format, info.width, info.height, info.frames),
            (ImageFormat::Webp, 100, 75, frames)
        );
    }
    // The output vector may hold its old and its doubled buffer at once while growing.
    let bound = p20 + 3 * o200.bytes.len() + (1 << 20);
    if std::env::var_os("PIXFORM_SHOW_PEAKS").is_some() {
        eprintln!(
            "20 frames: peak {p20}, {} B out; 200 frames: peak {p200}, {} B out; {elapsed:?}",
            o20.bytes.len(),
            o200.bytes.len()
        );
    }
    assert!(
        p200 <= bound,
        "200 frames peak {p200} > {bound} (20 frames: {p20})"
    );
    // The canvas, its copy for the pipeline, the resampler's buffers and libwebp's state.
    assert!(p20 <= 8 * canvas + (1 << 20), "20 frames peak {p20}");
}

/// 10 000 one-pixel frames: refused from the header by `max_frames` by default (see
/// tests/animation.rs); with the frame limit lifted the whole animation is rendered, in
/// bounded memory and time.
#[test]
fn ten_thousand_tiny_frames_render_in_bounded_time_when_allowed() {
    let _serial = serial();
    let bytes = gif_animation(1, 1, 10_000);
    let mut limits = Limits::default();
    limits.max_frames = 10_000;
    let started = std::time::Instant::now();
    let (peak, out) = transform_peak(&bytes, "fm=webp", &limits);
    let elapsed = started.elapsed();
    let info = probe(&out.bytes, &limits).expect("probe");
    assert_eq!((info.width, info.height, info.frames), (1, 1, 10_000));
    assert_eq!(info.duration_ms, Some(200_000));
    assert!(peak <= 3 * out.bytes.len() + (1 << 20), "peak {peak}");
    assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
    if std::env::var_os("PIXFORM_SHOW_PEAKS").is_some() {
        eprintln!(
            "10 000 frames: peak {peak}, {} B out, {elapsed:?}",
            out.bytes.len()
        );
    }
}

// --- HEIF (AVIF, HEIC) containers -----------------------------------------------------------

fn heif_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len() + 8)
        .expect("box fits")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn heif_full_box(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version, 0, 0, 0];
    b.extend_from_slice(body);
    heif_box(kind, &b)
}

/// A one-item AVIF: `ispe` of `width`×`height`, an `iloc` entry declaring `extents` extents
/// (only the first is written when `extents > 1`, as a hostile file would), 16 bytes of "AV1
/// data" in `mdat`.
fn heif_file(width: u32, height: u32, extents: u16) -> Vec<u8> {
    let ftyp = heif_box(b"ftyp", b"avif\0\0\0\0avifmif1miaf");
    let hdlr = heif_full_box(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let pitm = heif_full_box(b"pitm", 0, &1u16.to_be_bytes());
    let infe = heif_full_box(b"infe", 2, b"\0\x01\0\0av01\0");
    let mut iinf_body = 1u16.to_be_bytes().to_vec();
    iinf_body.extend_from_slice(&infe);
    let iinf = heif_full_box(b"iinf", 0, &iinf_body);
    let mut ispe_body = width.to_be_bytes().to_vec();
    ispe_body.extend_from_slice(&height.to_be_bytes());
    let ispe = heif_full_box(b"ispe", 0, &ispe_body);
    let av1c = heif_box(b"av1C", &[0x81, 0, 0x0C, 0]);
    let ipco = heif_box(b"ipco", &[ispe, av1c].concat());
    let ipma = heif_full_box(b"ipma", 0, &[0, 0, 0, 1, 0, 1, 2, 0x81, 0x82]);
    let iprp = heif_box(b"iprp", &[ipco, ipma].concat());
    // iloc v0: offset and length 4 bytes, no base offset; its one extent's offset is patched
    // once the size of everything before `mdat` is known.
    let mut iloc_body = vec![0x44, 0x00];
    iloc_body.extend_from_slice(&1u16.to_be_bytes());
    iloc_body.extend_from_slice(&1u16.to_be_bytes());
    iloc_body.extend_from_slice(&0u16.to_be_bytes());
    iloc_body.extend_from_slice(&extents.to_be_bytes());
    iloc_body.extend_from_slice(&0u32.to_be_bytes());
    iloc_body.extend_from_slice(&16u32.to_be_bytes());
    let iloc = heif_full_box(b"iloc", 0, &iloc_body);
    let meta = heif_full_box(b"meta", 0, &[hdlr, pitm, iinf, iprp, iloc].concat());
    let mut file = [ftyp, meta].concat();
    let data_at = u32::try_from(file.len() + 8).expect("small");
    let patch = file.len() - 8;
    file[patch..patch + 4].copy_from_slice(&data_at.to_be_bytes());
    file.extend_from_slice(&heif_box(b"mdat", &[0x12; 16]));
    file
}

/// The byte offset of the first `kind` box's size field.
fn heif_box_at(file: &[u8], kind: &[u8; 4]) -> usize {
    file.windows(4)
        .position(|w| w == kind)
        .expect("box present")
        - 4
}

#[test]
fn heif_containers_are_checked_from_their_boxes() {
    let _serial = serial();
    use ImageFormat::Avif;
    let limits = tight();
    // The well-formed file: its header reads, and the default build has no AV1 decoder.
    let good = heif_file(64, 48, 1);
    let info = probe(&good, &limits).expect("probe");
    assert_eq!((info.format, info.width, info.height), (Avif, 64, 48));

    let mut meta_past_eof = good.clone();
    let at = heif_box_at(&good, b"meta");
    meta_past_eof[at..at + 4].copy_from_slice(&0x7FFF_0000u32.to_be_bytes());
    let meta_left = good.len() - at;
    let mut large_size_past_eof = good.clone();
    let at = heif_box_at(&good, b"mdat");
    // A 64-bit size (size field 1) of 2^62 on `mdat`.
    large_size_past_eof.truncate(at);
    large_size_past_eof.extend_from_slice(&[0, 0, 0, 1]);
    large_size_past_eof.extend_from_slice(b"mdat");
    large_size_past_eof.extend_from_slice(&(1u64 << 62).to_be_bytes());
    let mut many_items = good.clone();
    let at = heif_box_at(&good, b"iinf");
    many_items[at + 12..at + 14].copy_from_slice(&65535u16.to_be_bytes());
    let ipco_at = heif_box_at(&good, b"ipco");
    let truncated_ipco = good[..ipco_at + 12].to_vec();
    let mut extent_past_eof = good.clone();
    let at = heif_box_at(&good, b"iloc");
    // The extent's length field: the last 4 bytes of `iloc`.
    let len_at = at + 12 + 2 + 2 + 2 + 2 + 2 + 4;
    extent_past_eof[len_at..len_at + 4].copy_from_slice(&1_000_000u32.to_be_bytes());

    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        ("ispe 65535²", heif_file(65535, 65535, 1),
            Want::Limit(("max_source_pixels", 65535 * 65535, 4_000_000))),
        ("iloc with 65535 extents", heif_file(64, 48, 65535),
            Want::CorruptWith("iloc: item 1 declares 65535 extents, the box holds 8 bytes")),
        ("meta box size past EOF", meta_past_eof, Want::Corrupt),
        ("mdat 64-bit size 2^62", large_size_past_eof,
            Want::CorruptWith("box 'mdat' in file declares 4611686018427387904 bytes, 16 are left")),
        ("file cut inside ipco", truncated_ipco, Want::Corrupt),
        ("extent past EOF", extent_past_eof, Want::Corrupt),
        ("iinf declaring 65535 items", many_items,
            Want::Unsupported("65535 items (pixform reads at most 4096)")),
    ];
    for (name, bytes, want) in &cases {
        let outcome = Err(rejected(name, bytes, "", &limits));
        check_want(name, Avif, &outcome, want);
    }
    let e = rejected("meta past EOF", &cases[2].1, "", &limits);
    assert_eq!(
        corrupt_detail(&e, Avif),
        Some(
            format!("box 'meta' in file declares 2147418112 bytes, {meta_left} are left").as_str()
        )
    );
    // Every prefix: a typed error, never a panic, and never more than the header bound.
    for len in 0..good.len() {
        let e = rejected("prefix", &good[..len], "", &limits);
        assert!(
            matches!(e.http_status(), 415 | 422),
            "prefix of {len} bytes: {e:?}"
        );
    }
}
