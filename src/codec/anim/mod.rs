//! Animation frames, composed one at a time: [`frames`] yields each frame as the whole RGBA
//! canvas a viewer shows, in the stored orientation, with its delay.
//!
//! Memory is one canvas, one raw frame (GIF) and, only while a GIF frame asks for
//! dispose-to-previous, one saved canvas; never every frame. GIF frames are composed here
//! (disposal none/background/previous, transparent index blended over); WebP frames are
//! composed by `image-webp`, with the disposal background made transparent as browsers do.
//! APNG frames are composed here too (dispose none/background/previous, blend source/over);
//! a default image outside the animation (IDAT before the first fcTL) is skipped.

use std::io::Cursor;
use std::num::NonZeroU64;

use crate::format::ImageFormat;
use crate::limits::Limits;

use super::error::CodecError;
use super::header::read_header;

/// One composed frame: the canvas ([`Frames::canvas`]) holds its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMeta {
    /// How long the frame is shown, in milliseconds, as the file states it.
    pub delay_ms: u32,
}

/// A stream of composed frames over the bytes of a GIF, an animated WebP or an APNG.
pub struct Frames<'a> {
    width: u32,
    height: u32,
    format: ImageFormat,
    declared: u32,
    yielded: u32,
    canvas: Vec<u8>,
    source: Source<'a>,
}

enum Source<'a> {
    Gif(Box<GifFrames<'a>>),
    /// The decoder and, for a canvas without alpha, the RGB buffer it writes into.
    Webp(
        Box<image_webp::WebPDecoder<Cursor<&'a [u8]>>>,
        Option<Vec<u8>>,
    ),
    Apng(Box<ApngFrames<'a>>),
}

/// APNG state between frames, as [`GifFrames`].
struct ApngFrames<'a> {
    reader: png::Reader<Cursor<&'a [u8]>>,
    raw: Vec<u8>,
    saved: Option<Vec<u8>>,
    pending: Option<(Rect, png::DisposeOp)>,
    /// Whether the default image is not a frame and is still to be skipped.
    skip_default: bool,
}

/// GIF state between frames: the decoder, the raw frame buffer and what the last frame asked
/// to be done with its rectangle before the next one is drawn.
struct GifFrames<'a> {
    decoder: gif::Decoder<&'a [u8]>,
    raw: Vec<u8>,
    /// The canvas before the last frame was drawn, kept only when it disposes to previous.
    saved: Option<Vec<u8>>,
    pending: Option<(Rect, gif::DisposalMethod)>,
}

/// A frame's rectangle clipped to the canvas.
#[derive(Debug, Clone, Copy)]
struct Rect {
    left: usize,
    top: usize,
    width: usize,
    height: usize,
}

/// Opens `bytes` for frame-by-frame composition after checking its header against `limits`
/// (the same checks as [`super::probe`], the animation budget included).
pub fn frames<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Frames<'a>, CodecError> {
    let header = read_header(bytes, limits)?;
    let info = &header.info;
    let (w, h) = (info.stored_width, info.stored_height);
    let len = crate::pixels::buffer_len(w, h, crate::PixelLayout::Rgba8)
        .ok_or_else(|| CodecError::internal(info.format, format!("{w}x{h} canvas")))?;
    let source = match info.format {
        ImageFormat::Gif => {
            let mut opts = gif::DecodeOptions::new();
            opts.set_color_output(gif::ColorOutput::RGBA);
            // The header walk bounded the largest frame; the decoder's own buffer is bounded
            // by it too (4 bytes a pixel).
            let largest = header.frame_pixels.largest.saturating_mul(4).max(1);
            if let Some(limit) = NonZeroU64::new(largest) {
                opts.set_memory_limit(gif::MemoryLimit::Bytes(limit));
            }
            let decoder = opts
                .read_info(bytes)
                .map_err(|e| CodecError::corrupt(ImageFormat::Gif, e))?;
            Source::Gif(Box::new(GifFrames {
                decoder,
                raw: Vec::new(),
                saved: None,
                pending: None,
            }))
        }
        ImageFormat::Webp if info.frames > 1 => {
            let webp = |e: image_webp::DecodingError| CodecError::corrupt(ImageFormat::Webp, e);
            let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(webp)?;
            decoder.set_background_color([0; 4]).map_err(webp)?;
            // image-webp writes RGB when the file declares no alpha: one RGB buffer more.
            let rgb = if decoder.has_alpha() {
                None
            } else {
                Some(vec![0; len / 4 * 3])
            };
            let want = rgb.as_ref().map_or(len, Vec::len);
            if decoder.output_buffer_size() != Some(want) {
                return Err(CodecError::corrupt(
                    ImageFormat::Webp,
                    "the canvas size differs from the header's",
                ));
            }
            Source::Webp(Box::new(decoder), rgb)
        }
        ImageFormat::Png if info.frames > 1 => {
            let corrupt = |e: png::DecodingError| CodecError::corrupt(ImageFormat::Png, e);
            let png_limits = png::Limits {
                bytes: limits.max_metadata_bytes.saturating_add(1 << 20),
            };
            let mut d = png::Decoder::new_with_limits(Cursor::new(bytes), png_limits);
            d.set_transformations(
                png::Transformations::EXPAND
                    | png::Transformations::STRIP_16
                    | png::Transformations::ALPHA,
            );
            d.set_ignore_text_chunk(true);
            let reader = d.read_info().map_err(corrupt)?;
            let skip_default = reader.info().frame_control.is_none();
            Source::Apng(Box::new(ApngFrames {
                reader,
                raw: Vec::new(),
                saved: None,
                pending: None,
                skip_default,
            }))
        }
        other => {
            return Err(CodecError::Unsupported {
                format: other,
                feature: "frame-by-frame decoding of this file".into(),
            })
        }
    };
    Ok(Frames {
        width: w,
        height: h,
        format: info.format,
        declared: info.frames,
        yielded: 0,
        canvas: vec![0; len],
        source,
    })
}

impl Frames<'_> {
    /// Canvas width (stored orientation).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Canvas height (stored orientation).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The number of frames the header declares; [`Frames::next_frame`] yields exactly these.
    pub fn count(&self) -> u32 {
        self.declared
    }

    /// The canvas as composed by the last [`Frames::next_frame`]: RGBA, 8 bits, not
    /// premultiplied, rows top to bottom without padding.
    pub fn canvas(&self) -> &[u8] {
        &self.canvas
    }

    /// Composes the next frame onto the canvas; `None` after the last declared frame. A file
    /// holding fewer frames than its header declares is [`CodecError::Corrupt`].
    pub fn next_frame(&mut self) -> Result<Option<FrameMeta>, CodecError> {
        if self.yielded == self.declared {
            return Ok(None);
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let format = self.format;
        let meta = match &mut self.source {
            Source::Gif(g) => g.next(&mut self.canvas, w, h)?,
            Source::Apng(a) => a.next(&mut self.canvas, w, h, self.yielded == 0)?,
            Source::Webp(d, rgb) => {
                let target = match rgb {
                    Some(rgb) => rgb.as_mut_slice(),
                    None => self.canvas.as_mut_slice(),
                };
                match d.read_frame(target) {
                    Ok(delay_ms) => {
                        if let Some(rgb) = rgb {
                            for (d, s) in self.canvas.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
                                d[..3].copy_from_slice(s);
                                d[3] = 255;
                            }
                        }
                        Some(FrameMeta { delay_ms })
                    }
                    Err(image_webp::DecodingError::NoMoreFrames) => None,
                    Err(e) => return Err(CodecError::corrupt(format, e)),
                }
            }
        };
        let Some(meta) = meta else {
            return Err(CodecError::corrupt(
                format,
                format!("{} frames declared, {} found", self.declared, self.yielded),
            ));
        };
        self.yielded += 1;
        Ok(Some(meta))
    }
}

impl GifFrames<'_> {
    fn next(
        &mut self,
        canvas: &mut [u8],
        w: usize,
        h: usize,
    ) -> Result<Option<FrameMeta>, CodecError> {
        let corrupt = |e: gif::DecodingError| CodecError::corrupt(ImageFormat::Gif, e);
        if let Some((rect, disposal)) = self.pending.take() {
            match disposal {
                gif::DisposalMethod::Background => fill_rect(canvas, w, rect, [0; 4]),
                gif::DisposalMethod::Previous => {
                    if let Some(saved) = self.saved.take() {
                        canvas.copy_from_slice(&saved);
                        self.saved = Some(saved);
                    }
                }
                gif::DisposalMethod::Any | gif::DisposalMethod::Keep => {}
            }
        }
        let Some(frame) = self.decoder.next_frame_info().map_err(corrupt)? else {
            return Ok(None);
        };
        let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
        let (left, top) = (usize::from(frame.left), usize::from(frame.top));
        let delay_ms = u32::from(frame.delay) * 10;
        let disposal = frame.dispose;
        let rect = Rect {
            left: left.min(w),
            top: top.min(h),
            width: fw.min(w.saturating_sub(left)),
            height: fh.min(h.saturating_sub(top)),
        };
        if disposal == gif::DisposalMethod::Previous {
            match &mut self.saved {
                Some(saved) => saved.copy_from_slice(canvas),
                None => self.saved = Some(canvas.to_vec()),
            }
        }
        let size = self.decoder.buffer_size();
        self.raw.resize(size, 0);
        self.decoder
            .read_into_buffer(&mut self.raw)
            .map_err(corrupt)?;
        // Transparent-index pixels (alpha 0) leave the canvas as it is.
        // A frame of width 0 has no rows to draw (and a chunk size must not be 0).
        for (row, src) in self
            .raw
            .chunks_exact(fw.max(1) * 4)
            .take(rect.height)
            .enumerate()
        {
            let start = ((rect.top + row) * w + rect.left) * 4;
            let (Some(dst), Some(src)) = (
                canvas.get_mut(start..start + rect.width * 4),
                src.get(..rect.width * 4),
            ) else {
                break;
            };
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                if s[3] != 0 {
                    d.copy_from_slice(s);
                }
            }
        }
        self.pending = Some((rect, disposal));
        Ok(Some(FrameMeta { delay_ms }))
    }
}

impl ApngFrames<'_> {
    fn next(
        &mut self,
        canvas: &mut [u8],
        w: usize,
        h: usize,
        first: bool,
    ) -> Result<Option<FrameMeta>, CodecError> {
        let corrupt = |e: png::DecodingError| CodecError::corrupt(ImageFormat::Png, e);
        let len = self
            .reader
            .output_buffer_size()
            .ok_or_else(|| CodecError::internal(ImageFormat::Png, "output size overflows"))?;
        self.raw.resize(len, 0);
        if std::mem::take(&mut self.skip_default) {
            self.reader.next_frame(&mut self.raw).map_err(corrupt)?;
        }
        if let Some((rect, dispose)) = self.pending.take() {
            match dispose {
                png::DisposeOp::Background => fill_rect(canvas, w, rect, [0; 4]),
                png::DisposeOp::Previous => {
                    if let Some(saved) = &self.saved {
                        canvas.copy_from_slice(saved);
                    }
                }
                png::DisposeOp::None => {}
            }
        }
        let out = match self.reader.next_frame(&mut self.raw) {
            Ok(out) => out,
            Err(png::DecodingError::Parameter(_)) => return Ok(None),
            Err(e) => return Err(corrupt(e)),
        };
        let (color, _) = self.reader.output_color_type();
        let channels = match color {
            png::ColorType::Rgba => 4,
            png::ColorType::GrayscaleAlpha => 2,
            other => {
                return Err(CodecError::internal(
                    ImageFormat::Png,
                    format!("{other:?} output after expansion"),
                ))
            }
        };
        let fc = self
            .reader
            .info()
            .frame_control
            .ok_or_else(|| CodecError::corrupt(ImageFormat::Png, "frame without fcTL"))?;
        let (fw, fh) = (out.width as usize, out.height as usize);
        let (left, top) = (fc.x_offset as usize, fc.y_offset as usize);
        let rect = Rect {
            left: left.min(w),
            top: top.min(h),
            width: fw.min(w.saturating_sub(left)),
            height: fh.min(h.saturating_sub(top)),
        };
        // The specification treats dispose-to-previous on the first frame as background.
        let dispose = match fc.dispose_op {
            png::DisposeOp::Previous if first => png::DisposeOp::Background,
            op => op,
        };
        if dispose == png::DisposeOp::Previous {
            match &mut self.saved {
                Some(saved) => saved.copy_from_slice(canvas),
                None => self.saved = Some(canvas.to_vec()),
            }
        }
        let over = fc.blend_op == png::BlendOp::Over;
        let stride = out.line_size;
        for row in 0..rect.height {
            let start = ((rect.top + row) * w + rect.left) * 4;
            let (Some(dst), Some(src)) = (
                canvas.get_mut(start..start + rect.width * 4),
                self.raw
                    .get(row * stride..row * stride + rect.width * channels),
            ) else {
                break;
            };
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(channels)) {
                let px = match *s {
                    [r, g, b, a] => [r, g, b, a],
                    [l, a] => [l, l, l, a],
                    _ => continue,
                };
                if over {
                    blend_over(d, px);
                } else {
                    d.copy_from_slice(&px);
                }
            }
        }
        self.pending = Some((rect, dispose));
        Ok(Some(FrameMeta {
            delay_ms: super::header::png::apng_delay_ms(fc.delay_num, fc.delay_den),
        }))
    }
}

/// Non-premultiplied source-over of `src` onto `dst`, rounded to nearest.
fn blend_over(dst: &mut [u8], src: [u8; 4]) {
    let sa = u32::from(src[3]);
    if sa == 255 {
        dst.copy_from_slice(&src);
        return;
    }
    if sa == 0 {
        return;
    }
    let da = u32::from(dst[3]) * (255 - sa);
    // Alpha in 1/(255*255) units.
    let oa = sa * 255 + da;
    for c in 0..3 {
        let v = (u32::from(src[c]) * sa * 255 + u32::from(dst[c]) * da + oa / 2) / oa;
        dst[c] = u8::try_from(v).unwrap_or(u8::MAX);
    }
    dst[3] = u8::try_from((oa + 127) / 255).unwrap_or(u8::MAX);
}

fn fill_rect(canvas: &mut [u8], w: usize, rect: Rect, colour: [u8; 4]) {
    for row in rect.top..rect.top + rect.height {
        let start = (row * w + rect.left) * 4;
        if let Some(dst) = canvas.get_mut(start..start + rect.width * 4) {
            for px in dst.chunks_exact_mut(4) {
                px.copy_from_slice(&colour);
            }
        }
    }
}
