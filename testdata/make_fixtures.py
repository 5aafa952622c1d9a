#!/usr/bin/env python3
"""Regenerates the pixel-pipeline fixtures in testdata/fixtures/ from the benchmark corpus.

Usage: python3 testdata/make_fixtures.py [CORPUS_DIR]
(default: $PIXFORM_CORPUS, else benches/corpus in the repository)

Needs Pillow (with WebP support). Provenance and licences: testdata/LICENSES.md.
Output is deterministic for a given Pillow/libjpeg/libwebp version.
"""

import os
import sys

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = (
    sys.argv[1]
    if len(sys.argv) > 1
    else os.environ.get("PIXFORM_CORPUS", os.path.join(HERE, "..", "benches", "corpus"))
)
if not os.path.isdir(CORPUS):
    sys.exit(f"corpus directory {CORPUS} missing (pass CORPUS_DIR or set PIXFORM_CORPUS)")
OUT = os.path.join(HERE, "fixtures")


def load(name, draft_to=None):
    im = Image.open(os.path.join(CORPUS, name))
    if draft_to is not None:
        # DCT-domain pre-shrink (at least 2x the target), then Lanczos: fast and still sharp.
        im.draft("RGB", draft_to)
    return ImageOps.exif_transpose(im)


def cover(im, w, h):
    """Centre-crops to the aspect w:h, then scales to exactly w x h (Lanczos)."""
    return ImageOps.fit(im, (w, h), method=Image.Resampling.LANCZOS)


def save(im, name, **kwargs):
    path = os.path.join(OUT, name)
    im.save(path, **kwargs)
    print(f"{name}: {im.size[0]}x{im.size[1]} {im.mode}, {os.path.getsize(path)} bytes")


# EXIF orientation o displays the stored pixels transformed by T(o); store T(o)^-1(upright).
INVERSE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # display rotates 90° clockwise: store it 90° anticlockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def main():
    os.makedirs(OUT, exist_ok=True)

    picos = cover(load("j6-picos-3264x2448-q90-420-progressive.jpg", (960, 720)), 240, 160)
    save(picos, "picos-240x160-baseline.jpg", quality=90, subsampling="4:2:0", optimize=True)

    seeding = cover(load("j2-seeding-5312x2988-q85-420-progressive.jpg", (1328, 747)), 240, 160)
    save(seeding, "seeding-240x160-progressive.jpg", quality=90, progressive=True, optimize=True)

    fig = cover(load("p2-fig-2572x1740-rgb.png").reduce(4), 240, 160)
    save(fig, "fig-240x160-rgb.png", optimize=True)

    mars = load("p1-mars-2048x1024-rgba.png").convert("RGBA")
    mars = mars.resize((240, 120), Image.Resampling.LANCZOS, reducing_gap=3.0)
    save(mars, "mars-240x120-rgba.png", optimize=True)

    friends = cover(load("w1-friends-2056x3088-q80.webp").reduce(4), 160, 240)
    save(friends, "friends-160x240.webp", quality=90, method=4)

    # Three visibly different frames: the original, a colour negative and a mirror image.
    base = picos.resize((120, 80), Image.Resampling.LANCZOS)
    frames = [base, ImageOps.invert(base), ImageOps.mirror(base)]
    frames = [f.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
              for f in frames]
    save(frames[0], "picos-120x80-3frames.gif", save_all=True, append_images=frames[1:],
         duration=100, loop=0, optimize=False)

    # 96x64: both sides are multiples of 16, so the 8x8 blocks (and 2x2 chroma) line up in
    # every orientation and the eight files decode to nearly the same upright pixels.
    upright = cover(fig, 96, 64)
    for o, op in INVERSE.items():
        stored = upright if op is None else upright.transpose(op)
        exif = Image.Exif()
        exif[0x0112] = o
        save(stored, f"fig-96x64-orient{o}.jpg", quality=95, subsampling="4:4:4",
             exif=exif.tobytes())
        # Check: the file displays upright.
        shown = ImageOps.exif_transpose(Image.open(os.path.join(OUT, f"fig-96x64-orient{o}.jpg")))
        assert shown.size == (96, 64), (o, shown.size)


if __name__ == "__main__":
    main()
