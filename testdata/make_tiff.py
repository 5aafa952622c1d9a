#!/usr/bin/env python3
"""Writes the TIFF fixtures of testdata/tiff/, their references in testdata/reference/tiff/ and
the broken TIFFs of testdata/bad/.

Usage: python3 testdata/make_tiff.py      (needs Pillow; libvips' `vips` command checks the
                                            hand-written files when it is installed)

Every fixture is made from `sample.jpg` (CC0; see testdata/LICENSES.md): a 64x40 crop scaled with
Lanczos. Pillow writes the LZW, PackBits, Deflate, RGBA, CMYK, multi-page and Orientation files
and decodes them for the references. What Pillow cannot write (16-bit RGB, big-endian RGB,
tiles, associated alpha, white-is-zero) is written by the small TIFF writer below; the
references of those come from the sample values the writer was given, with the documented
conversions: 16 -> 8 bits rounded to nearest (v * 255 / 65535), associated alpha divided out
(rounded to nearest), CMYK R = 255 * (1 - C) * (1 - K) (rounded), white-is-zero inverted; and
libvips, an independent decoder, must read the raw samples back exactly.
"""

import os
import shutil
import struct
import subprocess
import tempfile
import zlib

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiff")
REF = os.path.join(HERE, "reference", "tiff")
W, H = 64, 40


def base_rgb():
    im = Image.open(os.path.join(HERE, "sample.jpg")).convert("RGB")
    # The seedling in the lower middle: detail, soft gradients and dark areas.
    crop = im.crop((560, 420, 1040, 720))
    return ImageOps.fit(crop, (W, H), method=Image.Resampling.LANCZOS)


def pixels(im):
    """The pixels of `im` in row order (tuples for multi-band images)."""
    get = getattr(im, "get_flattened_data", None) or im.getdata
    return list(get())


def alpha_mask():
    """A horizontal ramp with a fully transparent and a fully opaque band."""
    return Image.frombytes(
        "L", (W, H), bytes(0 if x < 8 else 255 if x >= 56 else (x - 8) * 255 // 48 for y in range(H) for x in range(W))
    )


# --- A minimal TIFF writer --------------------------------------------------------------------


def packbits(data):
    """PackBits with literal runs only (valid, if not small)."""
    out = bytearray()
    for i in range(0, len(data), 128):
        run = data[i : i + 128]
        out.append(len(run) - 1)
        out += run
    return bytes(out)


def write_tiff(path, width, height, samples, *, bits=8, spp=3, photometric=2, extra=(),
               compression=1, predictor=1, rows_per_strip=8, big_endian=False,
               tile=None, orientation=None):
    """`samples`: row-major, pixel-interleaved sample values (ints)."""
    e = ">" if big_endian else "<"
    maxv = (1 << bits) - 1
    rows = [samples[y * width * spp : (y + 1) * width * spp] for y in range(height)]

    def encode_rows(rs, row_len):
        raw = bytearray()
        for r in rs:
            r = list(r) + [0] * (row_len * spp - len(r))
            if predictor == 2:
                r = [r[i] if i < spp else (r[i] - r[i - spp]) & maxv for i in range(len(r))]
            raw += struct.pack(f"{e}{len(r)}{'B' if bits == 8 else 'H'}", *r)
        if compression == 8:
            return zlib.compress(bytes(raw), 9)
        if compression == 32773:
            return packbits(bytes(raw))
        return bytes(raw)

    chunks = []
    if tile is None:
        for y in range(0, height, rows_per_strip):
            chunks.append(encode_rows(rows[y : y + rows_per_strip], width))
    else:
        tw, tl = tile
        for ty in range(0, height, tl):
            for tx in range(0, width, tw):
                part = [r[tx * spp : (tx + tw) * spp] for r in rows[ty : ty + tl]]
                part += [[]] * (tl - len(part))
                chunks.append(encode_rows(part, tw))
    body = bytearray(b"MM\0*" if big_endian else b"II*\0")
    body += b"\0\0\0\0"
    offsets = []
    for c in chunks:
        offsets.append(len(body))
        body += c
        if len(body) % 2:
            body += b"\0"

    entries = [
        (256, 4, [width]),
        (257, 4, [height]),
        (258, 3, [bits] * spp),
        (259, 3, [compression]),
        (262, 3, [photometric]),
        (277, 3, [spp]),
        (284, 3, [1]),
    ]
    if orientation:
        entries.append((274, 3, [orientation]))
    if predictor != 1:
        entries.append((317, 3, [predictor]))
    if extra:
        entries.append((338, 3, list(extra)))
    if tile is None:
        entries += [(273, 4, offsets), (278, 4, [rows_per_strip]), (279, 4, [len(c) for c in chunks])]
    else:
        entries += [(322, 4, [tile[0]]), (323, 4, [tile[1]]), (324, 4, offsets), (325, 4, [len(c) for c in chunks])]
    entries.sort()
    # Values longer than 4 bytes go before the directory.
    fields = []
    for tag, typ, values in entries:
        fmt = "H" if typ == 3 else "I"
        packed = struct.pack(f"{e}{len(values)}{fmt}", *values)
        if len(packed) <= 4:
            fields.append((tag, typ, len(values), packed.ljust(4, b"\0")))
        else:
            fields.append((tag, typ, len(values), struct.pack(f"{e}I", len(body))))
            body += packed
    ifd_at = len(body)
    body[4:8] = struct.pack(f"{e}I", ifd_at)
    body += struct.pack(f"{e}H", len(fields))
    for tag, typ, count, field in fields:
        body += struct.pack(f"{e}HHI", tag, typ, count) + field
    body += b"\0\0\0\0"
    with open(path, "wb") as f:
        f.write(body)


def vips_samples(path, bits):
    """The samples libvips decodes from `path`, or None without libvips."""
    if shutil.which("vips") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.v")
        subprocess.run(["vips", "copy", path, out], check=True)
        data = open(out, "rb").read()[64:]
    width = 1 if bits == 8 else 2
    return data, width


def check_vips(path, samples, bits):
    got = vips_samples(path, bits)
    if got is None:
        print(f"  (vips not installed: {os.path.basename(path)} not cross-checked)")
        return
    data, width = got
    fmt = f"<{len(samples)}{'B' if bits == 8 else 'H'}"
    values = list(struct.unpack(fmt, data[: len(samples) * width]))
    assert values == list(samples), f"libvips reads {path} differently"
    print(f"  libvips reads {os.path.basename(path)} back exactly")


def check_vips_near(path, ref):
    """libvips' 8-bit RGBA decode of `path` within 1 of `ref` where alpha is not 0."""
    if shutil.which("vips") is None:
        print(f"  (vips not installed: {os.path.basename(path)} not cross-checked)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.png")
        subprocess.run(["vips", "copy", path, out], check=True)
        got = pixels(Image.open(out).convert("RGBA"))
    worst = max(max(abs(a - b) for a, b in zip(p, q)) for p, q in zip(got, pixels(ref)) if q[3])
    assert worst <= 1, f"libvips reads {path} {worst} away from the reference"
    print(f"  libvips reads {os.path.basename(path)} within {worst} of the reference")


# --- Fixtures ---------------------------------------------------------------------------------


def save_ref(im, name):
    im.save(os.path.join(REF, name), optimize=True)


def report(name):
    print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(REF, exist_ok=True)
    rgb = base_rgb()
    rgba = rgb.copy()
    rgba.putalpha(alpha_mask())
    grey = rgb.convert("L")

    def pillow(im, name, ref_name, **kw):
        path = os.path.join(OUT, name)
        im.save(path, **kw)
        report(name)
        decoded = Image.open(path)
        decoded.load()
        save_ref(ImageOps.exif_transpose(decoded), ref_name)

    pillow(rgb, "rgb8-lzw.tif", "rgb8-lzw.png", compression="tiff_lzw")
    pillow(grey, "grey8-packbits.tif", "grey8-packbits.png", compression="packbits")
    pillow(rgba, "rgba8-deflate.tif", "rgba8-deflate.png", compression="tiff_adobe_deflate")
    grey_alpha = grey.copy()
    grey_alpha.putalpha(alpha_mask())
    pillow(grey_alpha, "greya8-lzw.tif", "greya8-lzw.png", compression="tiff_lzw")
    palette = rgb.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = os.path.join(OUT, "palette8-lzw.tif")
    palette.save(path, compression="tiff_lzw")
    report("palette8-lzw.tif")
    save_ref(Image.open(path).convert("RGB"), "palette8-lzw.png")
    # Orientation 6: displayed turned 90° clockwise, so the stored pixels are turned back.
    pillow(rgb.transpose(Image.Transpose.ROTATE_90), "rgb8-orient6.tif", "rgb8-orient6.png",
           tiffinfo={274: 6})
    # Two pages: the second (the colour negative) must never show.
    path = os.path.join(OUT, "rgb8-two-pages.tif")
    rgb.save(path, save_all=True, append_images=[ImageOps.invert(rgb)], compression="tiff_lzw")
    report("rgb8-two-pages.tif")
    with Image.open(path) as pages:
        assert pages.n_frames == 2
        pages.seek(0)
        save_ref(pages.convert("RGB"), "rgb8-two-pages.png")

    # CMYK: inks from the photo's RGB plus a black ramp; the reference is the naive formula.
    cmyk = [
        (255 - r, 255 - g, 255 - b, (x * 4) % 256)
        for (r, g, b), x in zip(pixels(rgb), [i % W for i in range(W * H)])
    ]
    cmyk_im = Image.new("CMYK", (W, H))
    cmyk_im.putdata(cmyk)
    cmyk_im.save(os.path.join(OUT, "cmyk8-lzw.tif"), compression="tiff_lzw")
    report("cmyk8-lzw.tif")
    with Image.open(os.path.join(OUT, "cmyk8-lzw.tif")) as back:
        assert list(pixels(back)) == cmyk, "Pillow reads the CMYK file back differently"
    naive = Image.new("RGB", (W, H))
    naive.putdata([
        tuple(((255 - v) * (255 - k) + 127) // 255 for v in (c, m, y)) for c, m, y, k in cmyk
    ])
    save_ref(naive, "cmyk8-lzw.png")

    # 16-bit RGB: each 8-bit value widened and offset so that rounding to nearest and taking
    # the high byte differ in most pixels.
    wide = []
    for i, (r, g, b) in enumerate(pixels(rgb)):
        for j, v in enumerate((r, g, b)):
            wide.append(max(0, min(65535, v * 257 + ((i * 7 + j * 31) % 256) - 128)))
    narrow = [(v * 255 + 32767) // 65535 for v in wide]
    ref16 = Image.frombytes("RGB", (W, H), bytes(narrow))
    for name, kw in [
        ("rgb16-deflate-predictor.tif", dict(compression=8, predictor=2)),
        ("rgb16-bigendian-packbits.tif", dict(compression=32773, big_endian=True)),
    ]:
        path = os.path.join(OUT, name)
        write_tiff(path, W, H, wide, bits=16, **kw)
        report(name)
        check_vips(path, wide, 16)
        save_ref(ref16, name.replace(".tif", ".png"))

    # Tiles of 16x16 (the bottom row of tiles is partial), big-endian, Deflate.
    flat = [v for p in pixels(rgb) for v in p]
    path = os.path.join(OUT, "rgb8-tiled-bigendian.tif")
    write_tiff(path, W, H, flat, compression=8, tile=(16, 16), big_endian=True)
    report("rgb8-tiled-bigendian.tif")
    check_vips(path, flat, 8)
    save_ref(rgb, "rgb8-tiled-bigendian.png")

    # Associated (premultiplied) alpha.
    pre = []
    straight = []
    for (r, g, b), a in zip(pixels(rgb), pixels(alpha_mask())):
        p = [(v * a + 127) // 255 for v in (r, g, b)]
        pre += p + [a]
        straight.append(tuple(((v * 255 + a // 2) // a if a else 0) for v in p) + (a,))
    path = os.path.join(OUT, "rgba8-associated.tif")
    write_tiff(path, W, H, pre, spp=4, extra=(1,), compression=32773)
    report("rgba8-associated.tif")
    ref = Image.new("RGBA", (W, H))
    ref.putdata([tuple(min(255, v) for v in p) for p in straight])
    save_ref(ref, "rgba8-associated.png")
    check_vips_near(path, ref)

    # White-is-zero grey.
    inverted = [255 - v for v in pixels(grey)]
    path = os.path.join(OUT, "grey8-miniswhite.tif")
    write_tiff(path, W, H, inverted, spp=1, photometric=0)
    report("grey8-miniswhite.tif")
    # libvips applies the photometric interpretation: it reads the upright grey values.
    check_vips(path, pixels(grey), 8)
    save_ref(grey, "grey8-miniswhite.png")


    bad(os.path.join(OUT, "rgb8-lzw.tif"))


def patch(data, tag, values=None, count=None):
    """`data` (little-endian TIFF) with the inline value, and perhaps the count, of `tag` set."""
    data = bytearray(data)
    (ifd,) = struct.unpack("<I", data[4:8])
    (n,) = struct.unpack("<H", data[ifd : ifd + 2])
    for i in range(n):
        at = ifd + 2 + 12 * i
        t, typ = struct.unpack("<HH", data[at : at + 4])
        if t != tag:
            continue
        if values is not None:
            data[at + 8 : at + 12] = struct.pack("<I" if typ == 4 else "<Hxx", *values)
        if count is not None:
            data[at + 4 : at + 8] = struct.pack("<I", count)
        return bytes(data)
    raise KeyError(tag)


def bad(good_path):
    """Broken TIFFs: each must be refused with a typed error, never a panic."""
    good = open(good_path, "rb").read()
    out = os.path.join(HERE, "bad")
    files = {
        "tiff-truncated-header.tif": good[:7],
        "tiff-strip-past-end.tif": patch(good, 273, values=[1_000_000]),
        "tiff-huge-strip-count.tif": patch(good, 273, count=1 << 30),
        "tiff-bigtiff.tif": b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0" + bytes(16),
        "tiff-cut-in-directory.tif": good[: len(good) - 40],
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"bad/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
