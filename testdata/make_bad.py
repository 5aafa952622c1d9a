#!/usr/bin/env python3
"""Writes the corrupt files of testdata/bad/ (see testdata/LICENSES.md).

The PNG files are PngSuite's "x" (corrupt) files re-derived from the PngSuite base images that
pypng 0.20220715.0 ships as hex in code/pngsuite.py: each takes the base image PngSuite names
and applies the corruption PngSuite documents for that file. The others are synthesized here.
Usage: make_bad.py PATH/TO/pypng/code/pngsuite.py
"""
import importlib.util
import os
import struct
import sys
import zlib

spec = importlib.util.spec_from_file_location("pngsuite", sys.argv[1])
suite = importlib.util.module_from_spec(spec)
sys.modules["pngsuite"] = suite
spec.loader.exec_module(suite)
base = suite.png


def chunks(data):
    pos = 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        yield data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n], data[pos : pos + 12 + n]
        pos += 12 + n


def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def rebuild(data, edit):
    """Re-assembles `data` with `edit(kind, payload) -> bytes | None` per chunk (None drops it)."""
    out = data[:8]
    for kind, payload, raw in chunks(data):
        new = edit(kind, payload, raw)
        if new is not None:
            out += new
    return out


def ihdr(data, depth=None, color=None):
    def edit(kind, payload, raw):
        if kind != b"IHDR":
            return raw
        p = bytearray(payload)
        if depth is not None:
            p[8] = depth
        if color is not None:
            p[9] = color
        return chunk(kind, bytes(p))

    return rebuild(data, edit)


def bad_crc(data, target):
    def edit(kind, payload, raw):
        if kind != target:
            return raw
        return raw[:-4] + bytes(b ^ 0xFF for b in raw[-4:])

    return rebuild(data, edit)


def sig(data, index, value):
    d = bytearray(data)
    d[index] = value
    return bytes(d)


files = {
    "xs1n0g01.png": sig(base["basn0g01"], 0, 0x09),  # signature byte 1 MSBit reset
    "xs2n0g01.png": sig(base["basn0g01"], 1, ord("Q")),  # signature byte 2 is a 'Q'
    "xs4n0g01.png": sig(base["basn0g01"], 3, ord("g")),  # signature byte 4 lowercase
    "xs7n0g01.png": sig(base["basn0g01"], 6, 0x20),  # 7th byte a space, not control-Z
    "xcrn0g04.png": base["basn0g04"].replace(b"\n", b"\r\n"),  # added CR bytes
    "xlfn0g04.png": base["basn0g04"].replace(b"\r", b"\r\n"),  # added LF bytes
    "xhdn0g08.png": bad_crc(base["basn0g08"], b"IHDR"),  # incorrect IHDR checksum
    "xc1n0g08.png": ihdr(base["basn0g08"], color=1),  # colour type 1
    "xc9n2c08.png": ihdr(base["basn2c08"], color=9),  # colour type 9
    "xd0n2c08.png": ihdr(base["basn2c08"], depth=0),  # bit depth 0
    "xd3n2c08.png": ihdr(base["basn2c08"], depth=3),  # bit depth 3
    "xd9n2c08.png": ihdr(base["basn2c08"], depth=99),  # bit depth 99
    "xdtn0g01.png": rebuild(base["basn0g01"], lambda k, p, r: None if k == b"IDAT" else r),  # no IDAT
    "xcsn0g01.png": bad_crc(base["basn0g01"], b"IDAT"),  # incorrect IDAT checksum
    # Synthesized.
    "png-truncated-idat.png": base["basn2c08"][: len(base["basn2c08"]) // 2],
    "png-zero-width.png": rebuild(
        base["basn0g08"],
        lambda k, p, r: chunk(k, b"\0\0\0\0" + p[4:]) if k == b"IHDR" else r,
    ),
    "jpeg-soi-only.jpg": b"\xff\xd8\xff",
    "jpeg-no-sof.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9",
    "jpeg-zero-size.jpg": b"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x00\x00\x00\x01\x01\x11\x00\xff\xd9",
    "gif-no-frame.gif": b"GIF89a\x0a\x00\x0a\x00\x00\x00\x00\x3b",
    "gif-bad-block.gif": b"GIF89a\x0a\x00\x0a\x00\x00\x00\x00\x99\x00\x3b",
    "webp-riff-only.webp": b"RIFF\x04\x00\x00\x00WEBP",
    "webp-bad-chunk.webp": b"RIFF\x0c\x00\x00\x00WEBPVP8 \xff\xff\xff\xff",
    "unknown-magic.bin": b"\x00\x01\x02\x03not an image at all",
}
out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")
os.makedirs(out_dir, exist_ok=True)
for name, data in files.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
