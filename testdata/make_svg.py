#!/usr/bin/env python3
"""Writes the SVG references of testdata/reference/svg/ and the broken SVGs of testdata/bad/.

Usage: python3 testdata/make_svg.py     (needs `rsvg-convert` from Debian's librsvg2-bin, and
                                         Pillow for the crop reference)

The fixtures in testdata/svg/ are hand-written (CC0). librsvg, a rasteriser independent of
resvg, renders each at its intrinsic size and at twice that (`rsvg-convert -w -h`); the crop
reference is librsvg's rendering at 5x with the window cut out by Pillow, which is what
pixform's `rect=60,0,60,40&w=300` draws straight at 300x200. Text is not rendered by
pixform's build, so `text-only.svg` has no reference.
"""

import os
import subprocess

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SVG = os.path.join(HERE, "svg")
REF = os.path.join(HERE, "reference", "svg")
BAD = os.path.join(HERE, "bad")

# fixture: intrinsic size
FIXTURES = {
    "shapes": (120, 80),
    "clip-mask": (100, 100),
    "blur": (80, 80),
    "pattern": (64, 48),
    "aspect-meet": (100, 100),
    "units-mm": (96, 48),
    "data-png": (48, 32),
}


def rsvg(name, w, h):
    return subprocess.run(
        ["rsvg-convert", "-w", str(w), "-h", str(h), os.path.join(SVG, name + ".svg")],
        check=True,
        capture_output=True,
    ).stdout


def references():
    os.makedirs(REF, exist_ok=True)
    for name, (w, h) in FIXTURES.items():
        for s in (1, 2):
            out = os.path.join(REF, f"{name}-{w * s}x{h * s}.png")
            with open(out, "wb") as f:
                f.write(rsvg(name, w * s, h * s))
    big = os.path.join(REF, "tmp-shapes-600x400.png")
    with open(big, "wb") as f:
        f.write(rsvg("shapes", 600, 400))
    Image.open(big).crop((300, 0, 600, 200)).save(os.path.join(REF, "shapes-rect-60-0-60-40-w300.png"))
    os.remove(big)


def bad():
    files = {
        # Nested entities: 10^9 "lol"s if expanded.
        "svg-billion-laughs.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY lol "lol">\n'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
            for i in range(1, 10)
        )
        + ']>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&lol9;</text></svg>\n',
        # An external entity (a file on disk).
        "svg-external-entity.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>\n',
        # 5000 nested groups.
        "svg-deep-nesting.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        + "<g>" * 5000
        + '<rect width="10" height="10"/>'
        + "</g>" * 5000
        + "</svg>\n",
        # Each level uses the previous one twice: 2^30 rectangles once expanded.
        "svg-use-explosion.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><rect id="u0" width="1" height="1"/>'
        + "".join(
            f'<g id="u{i}"><use xlink:href="#u{i - 1}"/><use xlink:href="#u{i - 1}"/></g>'
            for i in range(1, 31)
        )
        + '</defs><use xlink:href="#u30"/></svg>\n',
        # No width, height or viewBox: the size is unknown.
        "svg-no-size.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>\n',
        # Latin-1 bytes.
        "svg-not-utf8.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>caf\xe9</title></svg>\n',
        # Cut in the middle of an element.
        "svg-truncated.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="1',
    }
    for name, body in files.items():
        with open(os.path.join(BAD, name), "wb") as f:
            f.write(body if isinstance(body, bytes) else body.encode())


if __name__ == "__main__":
    references()
    bad()
