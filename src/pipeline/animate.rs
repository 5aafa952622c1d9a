//! Animated output: every composed frame of the source goes through the same plan as a still
//! would ([`render_decoded`](super::render_decoded)) and straight into the animation encoder,
//! so memory is one canvas, one frame at each stage and the encoded output, never every
//! frame.

use crate::codec::{self, AnimationEncoder, Decoded, EncodeOptions, SourceInfo};
use crate::pipeline::execute::render_decoded_with;
use crate::pipeline::Workspace;
use crate::pixels::{Image, PixelLayout};
use crate::plan::Plan;
use crate::{Error, Limits};

/// An encoded animation and its facts.
#[derive(Debug)]
pub(crate) struct Animation {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// The frames written.
    pub frames: u32,
    /// The frame delays summed, in milliseconds, as the source states them.
    pub duration_ms: u64,
    /// Total plays, 0 = forever.
    pub loop_count: u32,
    /// Whether the frames were written with alpha.
    pub has_alpha: bool,
}

/// Renders every frame of the animated `input` with `plan` and encodes them as
/// `plan.encoding.format`, keeping each frame's delay and the source's loop count.
///
/// Geometry, effects and colour are the plan's for every frame; a `crop=entropy` window is
/// placed once, on the first frame, and kept (a crop that moved between frames would make
/// the animation jump). `layout` turns each rendered frame into the encoder's layout.
pub(crate) fn render_animation(
    input: &[u8],
    info: &SourceInfo,
    plan: &Plan,
    limits: &Limits,
    ws: &mut Workspace,
    layout: impl Fn(Image, &Plan) -> Result<Image, Error>,
) -> Result<Animation, Error> {
    let mut frames = codec::frames(input, limits)?;
    let loop_count = info.loop_count.unwrap_or(0);
    let mut encoder = AnimationEncoder::new(
        plan.encoding.format,
        plan.width,
        plan.height,
        frames.count(),
        loop_count,
        &EncodeOptions {
            quality: plan.encoding.quality,
            progressive: false,
            icc_profile: None,
        },
    )?;
    let (w, h) = (frames.width(), frames.height());
    let mut placed: Option<Plan> = None;
    let mut duration_ms = 0u64;
    let mut has_alpha = false;
    while let Some(meta) = frames.next_frame()? {
        let mut buffer = ws.image_buffer(w, h, PixelLayout::Rgba8);
        buffer.clear();
        buffer.extend_from_slice(frames.canvas());
        let image = Image::from_vec(w, h, PixelLayout::Rgba8, buffer)
            .map_err(|e| codec::CodecError::internal(info.format, e))?;
        let decoded = Decoded {
            image,
            orientation: info.orientation,
            icc_profile: None,
        };
        let frame_plan = placed.as_ref().unwrap_or(plan);
        let rendered = render_decoded_with(decoded, info, frame_plan, ws)?;
        if placed.is_none() {
            placed = Some(Plan {
                entropy_crop: false,
                ..rendered.plan
            });
        }
        let image = layout(rendered.image, plan)?;
        has_alpha = image.layout().has_alpha();
        encoder.add(&image, meta.delay_ms)?;
        ws.pool.give(image.into_vec());
        duration_ms += u64::from(meta.delay_ms);
    }
    Ok(Animation {
        frames: encoder.frames(),
        bytes: encoder.finish()?,
        duration_ms,
        loop_count,
        has_alpha,
    })
}
