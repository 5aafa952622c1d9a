//! Animated output, written frame by frame: [`AnimationEncoder`] over an animated GIF
//! ([`GifAnimation`]), an animated WebP (each frame encoded by the still WebP encoder, its
//! image chunks lifted into an `ANMF` chunk) or an APNG (the `png` crate's animated writer).

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::format::ImageFormat;
use crate::pixels::{Image, PixelLayout};

use super::super::error::CodecError;
use super::gif::GifAnimation;
use super::webp_icc::{chunks, push_chunk, vp8x, FLAG_ALPHA, FLAG_ANIMATION};
use super::{check_dims, to_srgb, webp, EncodeOptions};

/// Writes an animation one frame at a time: memory is the output so far plus one frame in
/// flight, never every frame.
///
/// Every frame fills the whole canvas and replaces the one before (no blending, no disposal
/// to rely on), so a viewer shows exactly the frames given. Loop counts are total plays,
/// 0 = forever (as [`crate::codec::SourceInfo::loop_count`]).
///
/// * GIF: [`GifAnimation`] (per-frame palette, delays rounded to centiseconds).
/// * WebP: lossy at [`EncodeOptions::quality`] with the still encoder's settings, alpha kept;
///   delays in milliseconds up to 16 777 215 (longer ones are cut to it); plays up to 65 535.
/// * PNG: an APNG (`acTL`, one `fcTL` per frame; the first frame is also the default image,
///   so a viewer without APNG support shows it); delays as milliseconds, or centiseconds
///   above 65 535 ms (cut at 655 350 ms).
///
/// An [`EncodeOptions::icc_profile`] is not embedded: the frames are converted from it to
/// sRGB. JPEG and AVIF cannot animate here ([`CodecError::Unsupported`]).
pub struct AnimationEncoder {
    inner: Inner,
    width: u32,
    height: u32,
    declared: u32,
    added: u32,
    icc_profile: Option<Vec<u8>>,
    format: ImageFormat,
}

enum Inner {
    Gif(GifAnimation),
    Webp(WebpAnimation),
    Png(ApngAnimation),
}

impl AnimationEncoder {
    /// Starts an animation of `frames` frames of `width`×`height` in `format` (GIF, WebP or
    /// PNG) that plays `loop_count` times (0 = forever). [`AnimationEncoder::finish`] fails
    /// unless exactly `frames` frames were added.
    pub fn new(
        format: ImageFormat,
        width: u32,
        height: u32,
        frames: u32,
        loop_count: u32,
        opts: &EncodeOptions,
    ) -> Result<Self, CodecError> {
        if frames == 0 {
            return Err(CodecError::internal(format, "an animation of no frames"));
        }
        let inner = match format {
            ImageFormat::Gif => {
                check_dims(width, height, format, u32::from(u16::MAX))?;
                Inner::Gif(GifAnimation::new(width, height, loop_count)?)
            }
            ImageFormat::Webp => {
                check_dims(width, height, format, webp::MAX_SIDE)?;
                Inner::Webp(WebpAnimation::new(width, height, loop_count, opts.quality)?)
            }
            ImageFormat::Png => {
                check_dims(width, height, format, i32::MAX.unsigned_abs())?;
                Inner::Png(ApngAnimation::new(width, height, frames, loop_count))
            }
            other => {
                return Err(CodecError::unsupported(
                    other,
                    "animated output (GIF, WebP and PNG animate)",
                ))
            }
        };
        Ok(AnimationEncoder {
            inner,
            width,
            height,
            declared: frames,
            added: 0,
            icc_profile: opts.icc_profile.clone(),
            format,
        })
    }

    /// The frames added so far.
    pub fn frames(&self) -> u32 {
        self.added
    }

    /// Adds the next frame, shown for `delay_ms` milliseconds. It must have the animation's
    /// size, and every frame of an APNG the same layout as the first.
    pub fn add(&mut self, image: &Image, delay_ms: u32) -> Result<(), CodecError> {
        if self.added == self.declared {
            return Err(CodecError::internal(
                self.format,
                format!(
                    "frame {} of a {}-frame animation",
                    self.added + 1,
                    self.declared
                ),
            ));
        }
        if (image.width(), image.height()) != (self.width, self.height) {
            return Err(CodecError::internal(
                self.format,
                format!(
                    "a {}x{} frame in a {}x{} animation",
                    image.width(),
                    image.height(),
                    self.width,
                    self.height
                ),
            ));
        }
        let converted;
        let image = match self.icc_profile.as_deref() {
            Some(icc) => {
                converted = to_srgb(image, Some(icc), self.format)?;
                &converted
            }
            None => image,
        };
        match &mut self.inner {
            Inner::Gif(g) => g.add(image, delay_ms)?,
            Inner::Webp(w) => w.add(image, delay_ms)?,
            Inner::Png(p) => p.add(image, delay_ms)?,
        }
        self.added += 1;
        Ok(())
    }

    /// The encoded animation.
    pub fn finish(self) -> Result<Vec<u8>, CodecError> {
        if self.added != self.declared {
            return Err(CodecError::internal(
                self.format,
                format!(
                    "{} frames added to a {}-frame animation",
                    self.added, self.declared
                ),
            ));
        }
        match self.inner {
            Inner::Gif(g) => g.finish(),
            Inner::Webp(w) => w.finish(),
            Inner::Png(p) => p.finish(),
        }
    }
}

const WEBP: ImageFormat = ImageFormat::Webp;

/// Where the VP8X flags byte sits: after `RIFF`, the size, `WEBP` and the chunk header.
const VP8X_FLAGS_AT: usize = 20;

/// The longest frame duration an `ANMF` chunk holds (24 bits of milliseconds).
const MAX_WEBP_DURATION_MS: u32 = 0xFF_FFFF;

/// `ANMF` flags: bit 1 set = do not blend (the frame replaces the canvas), bit 0 clear =
/// dispose none.
const ANMF_NO_BLEND: u8 = 0x02;

/// An animated WebP being written: `RIFF`, `VP8X`, `ANIM`, then one `ANMF` a frame.
struct WebpAnimation {
    out: Vec<u8>,
    width: u32,
    height: u32,
    quality: u8,
    alpha: bool,
}

impl WebpAnimation {
    fn new(width: u32, height: u32, loop_count: u32, quality: u8) -> Result<Self, CodecError> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
        push_chunk(&mut out, b"VP8X", &vp8x(FLAG_ANIMATION, width, height))?;
        let mut anim = [0u8; 6];
        // Background colour transparent black: what browsers use anyway.
        let plays = u16::try_from(loop_count).unwrap_or(u16::MAX);
        anim[4..].copy_from_slice(&plays.to_le_bytes());
        push_chunk(&mut out, b"ANIM", &anim)?;
        Ok(WebpAnimation {
            out,
            width,
            height,
            quality,
            alpha: false,
        })
    }

    fn add(&mut self, image: &Image, delay_ms: u32) -> Result<(), CodecError> {
        let still = webp::encode(image, self.quality, None)?;
        let mut frame = Vec::with_capacity(still.len() + 16);
        frame.extend_from_slice(&[0; 6]); // offset 0, 0 (24 bits each, in 2-px units)
        frame.extend_from_slice(&u24(self.width - 1));
        frame.extend_from_slice(&u24(self.height - 1));
        frame.extend_from_slice(&u24(delay_ms.min(MAX_WEBP_DURATION_MS)));
        frame.push(ANMF_NO_BLEND);
        let mut image_chunks = 0;
        for (fourcc, data) in chunks(&still)? {
            match &fourcc {
                b"ALPH" => {
                    self.alpha = true;
                    push_chunk(&mut frame, &fourcc, data)?;
                }
                b"VP8 " | b"VP8L" => {
                    image_chunks += 1;
                    push_chunk(&mut frame, &fourcc, data)?;
                }
                _ => {}
            }
        }
        if image_chunks != 1 {
            return Err(CodecError::internal(
                WEBP,
                format!("libwebp wrote {image_chunks} image chunks for one frame"),
            ));
        }
        push_chunk(&mut self.out, b"ANMF", &frame)
    }

    fn finish(mut self) -> Result<Vec<u8>, CodecError> {
        if self.alpha {
            if let Some(flags) = self.out.get_mut(VP8X_FLAGS_AT) {
                *flags |= FLAG_ALPHA;
            }
        }
        let riff = u32::try_from(self.out.len() - 8)
            .map_err(|_| CodecError::internal(WEBP, "animation larger than 4 GiB"))?;
        self.out[4..8].copy_from_slice(&riff.to_le_bytes());
        Ok(self.out)
    }
}

/// The low 24 bits of `v`, little-endian.
fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

const PNG: ImageFormat = ImageFormat::Png;

/// The output of the `png` writer, shared so it can be taken back after `finish` (which
/// consumes the writer and gives nothing back).
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An APNG being written; the writer starts with the first frame, whose layout decides the
/// colour type.
struct ApngAnimation {
    sink: Sink,
    writer: Option<(png::Writer<Sink>, PixelLayout)>,
    width: u32,
    height: u32,
    frames: u32,
    plays: u32,
}

impl ApngAnimation {
    fn new(width: u32, height: u32, frames: u32, plays: u32) -> Self {
        ApngAnimation {
            sink: Sink::default(),
            writer: None,
            width,
            height,
            frames,
            plays,
        }
    }

    fn add(&mut self, image: &Image, delay_ms: u32) -> Result<(), CodecError> {
        let err = |e: png::EncodingError| CodecError::internal(PNG, e);
        let layout = image.layout();
        let (writer, first_layout) = match &mut self.writer {
            Some(w) => w,
            None => {
                let mut info = png::Info::with_size(self.width, self.height);
                info.color_type = match layout {
                    PixelLayout::Rgb8 => png::ColorType::Rgb,
                    PixelLayout::Rgba8 => png::ColorType::Rgba,
                };
                info.bit_depth = png::BitDepth::Eight;
                let mut enc = png::Encoder::with_info(self.sink.clone(), info).map_err(err)?;
                // The still PNG encoder's setting (fast, a few % larger).
                enc.set_compression(png::Compression::Fast);
                enc.set_animated(self.frames, self.plays).map_err(err)?;
                enc.set_dispose_op(png::DisposeOp::None).map_err(err)?;
                enc.set_blend_op(png::BlendOp::Source).map_err(err)?;
                let writer = enc.write_header().map_err(err)?;
                self.writer.insert((writer, layout))
            }
        };
        if *first_layout != layout {
            return Err(CodecError::internal(
                PNG,
                format!("a {layout:?} frame after {first_layout:?} frames"),
            ));
        }
        let (num, den) = apng_delay(delay_ms);
        writer.set_frame_delay(num, den).map_err(err)?;
        writer.write_image_data(image.data()).map_err(err)
    }

    fn finish(self) -> Result<Vec<u8>, CodecError> {
        let err = |e: png::EncodingError| CodecError::internal(PNG, e);
        let Some((writer, _)) = self.writer else {
            return Err(CodecError::internal(PNG, "an APNG of no frames"));
        };
        writer.finish().map_err(err)?;
        let mut out = self
            .sink
            .0
            .lock()
            .map_err(|_| CodecError::internal(PNG, "output lock poisoned"))?;
        Ok(std::mem::take(&mut *out))
    }
}

/// An `fcTL` delay (numerator, denominator in seconds) for `ms`: milliseconds when they fit
/// in 16 bits, else centiseconds (rounded half up, cut at 65 535).
fn apng_delay(ms: u32) -> (u16, u16) {
    match u16::try_from(ms) {
        Ok(ms) => (ms, 1000),
        Err(_) => (
            u16::try_from(ms.saturating_add(5) / 10).unwrap_or(u16::MAX),
            100,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::probe;
    use crate::limits::Limits;

    fn frame(w: u32, h: u32, layout: PixelLayout, v: u8) -> Image {
        let len = crate::pixels::buffer_len(w, h, layout).unwrap_or(0);
        Image::from_vec(w, h, layout, vec![v; len]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Writes `delays` as frames of `format` playing `plays` times and probes the result:
    /// (frames, summed delays, plays, alpha).
    fn written(
        format: ImageFormat,
        layout: PixelLayout,
        delays: &[u32],
        plays: u32,
    ) -> (u32, Option<u64>, Option<u32>, bool) {
        let n = u32::try_from(delays.len()).unwrap_or(0);
        let opts = EncodeOptions::default();
        let mut enc = AnimationEncoder::new(format, 6, 4, n, plays, &opts).expect("starts");
        for (i, &d) in delays.iter().enumerate() {
            enc.add(&frame(6, 4, layout, 40 * i as u8), d)
                .expect("adds");
        }
        let bytes = enc.finish().expect("finishes");
        let info = probe(&bytes, &Limits::default()).expect("probes");
        assert_eq!((info.format, info.width, info.height), (format, 6, 4));
        (
            info.frames,
            info.duration_ms,
            info.loop_count,
            info.has_alpha,
        )
    }

    #[test]
    fn long_delays_and_many_plays_are_cut_to_what_each_format_holds() {
        use ImageFormat::{Gif, Png, Webp};
        use PixelLayout::{Rgb8, Rgba8};
        // (format, layout, delays, plays, frames, duration, plays read back, alpha)
        type Case = (
            ImageFormat,
            PixelLayout,
            &'static [u32],
            u32,
            u32,
            u64,
            u32,
            bool,
        );
        #[rustfmt::skip]
        let cases: [Case; 7] = [
            (Webp, Rgb8,  &[20_000_000, 5], 70_000, 2, 0xFF_FFFF + 5, 65_535, false),
            (Webp, Rgba8, &[10, 20, 30], 0, 3, 60, 0, true),
            (Png,  Rgb8,  &[70_000, 0], 2, 2, 70_000, 2, false),
            (Png,  Rgba8, &[u32::MAX, 1], 0, 2, 655_350 + 1, 0, true),
            (Gif,  Rgb8,  &[25, 14], 1, 2, 40, 1, false),
            (Gif,  Rgb8,  &[10, 10], 70_000, 2, 20, 65_536, false),
            (Gif,  Rgba8, &[10, 10], 0, 2, 20, 0, true),
        ];
        for (format, layout, delays, plays, frames, duration, back, alpha) in cases {
            assert_eq!(
                written(format, layout, delays, plays),
                (frames, Some(duration), Some(back), alpha),
                "{format:?} {layout:?} {delays:?} {plays}"
            );
        }
    }

    #[test]
    fn frames_must_match_the_declared_count_size_and_layout() {
        let opts = EncodeOptions::default();
        for format in [ImageFormat::Gif, ImageFormat::Webp, ImageFormat::Png] {
            let mut enc = AnimationEncoder::new(format, 6, 4, 2, 0, &opts).expect("starts");
            let wrong_size = enc.add(&frame(4, 6, PixelLayout::Rgb8, 0), 10);
            assert!(
                matches!(wrong_size, Err(CodecError::Internal { .. })),
                "{format:?}"
            );
            enc.add(&frame(6, 4, PixelLayout::Rgb8, 0), 10)
                .expect("adds");
            assert_eq!(enc.frames(), 1);
            let short = AnimationEncoder::new(format, 6, 4, 2, 0, &opts).expect("starts");
            assert!(
                matches!(short.finish(), Err(CodecError::Internal { .. })),
                "{format:?}"
            );
            enc.add(&frame(6, 4, PixelLayout::Rgb8, 9), 10)
                .expect("adds");
            let extra = enc.add(&frame(6, 4, PixelLayout::Rgb8, 0), 10);
            assert!(
                matches!(extra, Err(CodecError::Internal { .. })),
                "{format:?}"
            );
            enc.finish().expect("two frames");
        }
        let mut apng = AnimationEncoder::new(ImageFormat::Png, 6, 4, 2, 0, &opts).expect("starts");
        apng.add(&frame(6, 4, PixelLayout::Rgb8, 0), 10)
            .expect("adds");
        let mixed = apng.add(&frame(6, 4, PixelLayout::Rgba8, 0), 10);
        assert!(matches!(mixed, Err(CodecError::Internal { .. })));
        for format in [ImageFormat::Jpeg, ImageFormat::Avif] {
            let still = AnimationEncoder::new(format, 6, 4, 2, 0, &opts);
            assert!(
                matches!(still, Err(CodecError::Unsupported { .. })),
                "{format:?}"
            );
        }
        let huge = AnimationEncoder::new(ImageFormat::Webp, 16_384, 4, 2, 0, &opts);
        assert!(matches!(huge, Err(CodecError::TooLargeForFormat { .. })));
    }

    #[test]
    fn apng_delays_fall_back_to_centiseconds_above_16_bits() {
        assert_eq!(apng_delay(0), (0, 1000));
        assert_eq!(apng_delay(65_535), (65_535, 1000));
        assert_eq!(apng_delay(65_536), (6554, 100));
        assert_eq!(apng_delay(u32::MAX), (u16::MAX, 100));
    }
}
