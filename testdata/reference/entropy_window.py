#!/usr/bin/env python3
"""Reference placements for `crop=entropy`, written from the algorithm's description (libvips'
`interesting=entropy`) with numpy, independently of the Rust code.

    python3 testdata/reference/entropy_window.py IMAGE WIN_W WIN_H

prints `left top WIN_W WIN_H` for an image file (Pillow decode, EXIF orientation applied,
luma as Pillow's "L"); used by the golden tests (README.md here).

    python3 testdata/reference/entropy_window.py

prints the expected `(left, top)` of each textured test image below; the values are copied
into the tests of src/pipeline/ops/entropy.rs (`textured_images_match_the_reference`).

Algorithm: while the image is wider than the window, compare the Shannon entropy (bits) of
the grey-level histogram of a strip at the left edge with one at the right edge and cut the
strip with less entropy (a tie cuts the right one); strips are ceil(W / 32) columns, never more
than what is left to trim. Then the same for top and bottom, the rows measured only inside the
chosen columns.

Test images: grey, raster order, one 32-bit LCG step per pixel
(seed = seed * 1664525 + 1013904223, seed starting at 7); the pixel is
(seed >> 24) % (amp(x, y) + 1), so `amp` sets how many grey levels (how much entropy) a
place has.
"""
import math

import numpy as np


def textured(w, h, amp):
    seed = 7
    out = np.zeros((h, w), dtype=np.int64)
    for y in range(h):
        for x in range(w):
            seed = (seed * 1664525 + 1013904223) % 2**32
            out[y, x] = (seed >> 24) % (amp(x, y) + 1)
    return out


def entropy(values):
    counts = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    counts = counts[counts > 0]
    if counts.size == 0:
        return 0.0
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def trim(extent, keep, strip):
    step = max(1, math.ceil(extent / 32))
    start, end = 0, extent
    while end - start > keep:
        cut = min(end - start - keep, step)
        if strip(start, start + cut) < strip(end - cut, end):
            start += cut
        else:
            end -= cut
    return start


def offset(img, win_w, win_h):
    h, w = img.shape
    x0 = trim(w, win_w, lambda a, b: entropy(img[:, a:b]))
    y0 = trim(h, win_h, lambda a, b: entropy(img[a:b, x0:x0 + win_w]))
    return x0, y0


# (name, width, height, amp, window width, window height); the amp functions are spelled
# the same way in the Rust test.
CASES = [
    ("ramp_x", 200, 100, lambda x, y: x, 100, 100),
    ("two_blobs", 160, 120,
     lambda x, y: 15 if x < 50 else (255 if 100 <= x < 130 else 0), 120, 120),
    ("bands_y", 64, 256,
     lambda x, y: 63 if 40 <= y < 90 else (255 if 180 <= y < 200 else 0), 64, 128),
    ("both_axes", 200, 150,
     lambda x, y: 255 if (x - 140) ** 2 + (y - 40) ** 2 < 900 else (x + y) % 8, 100, 60),
    ("diagonal", 120, 90, lambda x, y: 255 if x > y + 40 else 3, 90, 90),
]

def image_file(path):
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("L"), dtype=np.int64)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 4:
        ww, wh = int(sys.argv[2]), int(sys.argv[3])
        x, y = offset(image_file(sys.argv[1]), ww, wh)
        print(x, y, ww, wh)
    else:
        for name, w, h, amp, ww, wh in CASES:
            print(name, offset(textured(w, h, amp), ww, wh))
