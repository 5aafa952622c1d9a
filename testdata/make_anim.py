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


if __name__ == "__main__":
    main()
