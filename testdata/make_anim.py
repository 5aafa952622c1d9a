#!/usr/bin/env python3
"""Writes the small animations of testdata/anim/ with Pillow.

Usage: python3 testdata/make_anim.py      (needs Pillow with WebP support)

Each animation has three 24x16 frames of flat colours with the delays 100, 250 and 40 ms (GIF
stores centiseconds, so the delays are multiples of 10 ms). The loop settings differ by file so
that the loop-count convention can be checked per format:

* gif-3frames-loop2.gif: NETSCAPE2.0 repeat count 2 (= 3 plays).
* gif-3frames-once.gif: no NETSCAPE2.0 extension (= 1 play).
* gif-3frames-forever.gif: NETSCAPE2.0 repeat count 0 (= forever).
* webp-3frames-loop3.webp: ANIM loop count 3 (= 3 plays), lossless frames.
* apng-3frames-loop4.png: acTL num_plays 4 (= 4 plays).
* {gif,webp,apng}-6frames-moving.*: six 96x64 frames of a shifting gradient with a moving
  square, delays 20, 40, 60, 80, 100 and 120 ms, 3 plays: the animated-output tests.
* webp-6frames-alpha.webp: the same frames with a transparent band and a half-transparent
  square, lossless, looping forever.

`apng-dispose-blend.png` is a 16x8 APNG whose four frames use every dispose op (none,
previous, background) and both blend ops (source, over) with half-transparent pixels. Pillow's
own composition is not a reference for it: Pillow pastes a blend-over frame with its alpha as
the mask, so a pixel of alpha 128 over a transparent one comes back with alpha 64. The test
compares with the `image` crate's APNG decoder instead.
"""

import os

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "anim")
W, H = 24, 16
DELAYS = [100, 250, 40]
COLOURS = [(200, 30, 30, 255), (30, 200, 30, 255), (30, 30, 200, 255)]


def frames(mode):
    return [Image.new("RGBA", (W, H), c).convert(mode) for c in COLOURS]


def main():
    os.makedirs(OUT, exist_ok=True)
    gif = frames("P")
    for name, loop in [("loop2", 2), ("once", None), ("forever", 0)]:
        extra = {} if loop is None else {"loop": loop}
        gif[0].save(
            os.path.join(OUT, f"gif-3frames-{name}.gif"),
            save_all=True,
            append_images=gif[1:],
            duration=DELAYS,
            disposal=1,
            **extra,
        )
    rgba = frames("RGBA")
    rgba[0].save(
        os.path.join(OUT, "webp-3frames-loop3.webp"),
        save_all=True,
        append_images=rgba[1:],
        duration=DELAYS,
        loop=3,
        lossless=True,
    )
    rgba[0].save(
        os.path.join(OUT, "apng-3frames-loop4.png"),
        save_all=True,
        append_images=rgba[1:],
        duration=DELAYS,
        loop=4,
    )
    dispose_blend()
    moving()


MOVING_DELAYS = [20, 40, 60, 80, 100, 120]


def moving_frames():
    """Six 96x64 frames: a diagonal gradient that shifts per frame, with a square moving
    across it, so that every frame differs and geometry errors show."""
    w, h = 96, 64
    out = []
    for k in range(6):
        im = Image.new("RGB", (w, h))
        px = im.load()
        for y in range(h):
            for x in range(w):
                px[x, y] = ((x * 2 + k * 30) % 256, (y * 3 + k * 10) % 256, (x + y) % 256)
        im.paste((250, 250, 40), (8 + 12 * k, 10 + 4 * k, 24 + 12 * k, 26 + 4 * k))
        out.append(im)
    return out


def moving():
    """`*-6frames-moving.*`: the same six frames with the delays 20..120 ms and 3 plays in each
    format (GIF: NETSCAPE2.0 repeat count 2; WebP lossless; APNG)."""
    rgb = moving_frames()
    gif = [f.quantize(256) for f in rgb]
    gif[0].save(os.path.join(OUT, "gif-6frames-moving.gif"), save_all=True,
                append_images=gif[1:], duration=MOVING_DELAYS, loop=2, disposal=1)
    rgb[0].save(os.path.join(OUT, "webp-6frames-moving.webp"), save_all=True,
                append_images=rgb[1:], duration=MOVING_DELAYS, loop=3, lossless=True)
    rgb[0].save(os.path.join(OUT, "apng-6frames-moving.png"), save_all=True,
                append_images=rgb[1:], duration=MOVING_DELAYS, loop=3)
    # With a transparent band (rows 40..56 cleared) and a half-transparent square.
    rgba = []
    for f in rgb:
        f = f.convert("RGBA")
        f.paste((0, 0, 0, 0), (0, 40, 96, 56))
        f.paste((40, 90, 250, 128), (60, 4, 80, 24))
        rgba.append(f)
    rgba[0].save(os.path.join(OUT, "webp-6frames-alpha.webp"), save_all=True,
                 append_images=rgba[1:], duration=MOVING_DELAYS, loop=0, lossless=True)


def dispose_blend():
    from PIL import PngImagePlugin as P

    w, h = 16, 8
    f0 = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    f0.paste((220, 20, 20, 255), (0, 0, 8, 8))
    f1 = f0.copy()
    f1.paste((20, 20, 220, 128), (4, 2, 12, 6))
    f2 = f0.copy()
    f2.paste((20, 220, 20, 96), (6, 0, 14, 8))
    f3 = f0.copy()
    f3.paste((240, 240, 20, 200), (2, 2, 6, 6))
    frames = [f0, f1, f2, f3]
    path = os.path.join(OUT, "apng-dispose-blend.png")
    f0.save(
        path,
        save_all=True,
        append_images=frames[1:],
        duration=[50, 60, 70, 80],
        loop=0,
        disposal=[P.Disposal.OP_NONE, P.Disposal.OP_PREVIOUS, P.Disposal.OP_BACKGROUND,
                  P.Disposal.OP_NONE],
        blend=[P.Blend.OP_SOURCE, P.Blend.OP_OVER, P.Blend.OP_OVER, P.Blend.OP_SOURCE],
    )


if __name__ == "__main__":
    main()
