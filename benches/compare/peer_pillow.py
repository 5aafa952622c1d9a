#!/usr/bin/env python3
"""Pillow / Pillow-SIMD peer, in-process (start-up excluded).

  python3 peer_pillow.py --workload W1 --passes 3 --inputs F...

Runs one warm-up pass, then PASSES timed passes over the inputs, and prints one JSON line:
{"peer", "version", "simd", "workload", "n_images", "pass_ms": [...], "out_bytes": {...}}.
Idiomatic fast path: JPEG draft mode (DCT-domain shrink-on-load) to at least the target size,
EXIF transpose, LANCZOS resize, GaussianBlur(sigma), JPEG optimize + 4:2:0, WebP method 4,
PNG compress_level 6.
"""
import argparse
import io
import json
import os
import time

from PIL import Image, ImageFilter, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))


def target_size(ops, w, h):
    """The resize target before any crop: (tw, th), or None for no resize."""
    if "w" in ops and "h" in ops and ops.get("fit") == "crop":
        s = max(ops["w"] / w, ops["h"] / h)
    elif "w" in ops and "h" in ops:
        s = min(ops["w"] / w, ops["h"] / h)
    elif "w" in ops:
        s = ops["w"] / w
    elif "h" in ops:
        s = ops["h"] / h
    else:
        return None
    return max(1, round(w * s)), max(1, round(h * s))


def transform(path, ops):
    im = Image.open(path)
    orientation = im.getexif().get(0x0112, 1)
    swap = orientation in (5, 6, 7, 8)
    ow, oh = (im.height, im.width) if swap else im.size
    target = target_size(ops, ow, oh)
    if target and im.format == "JPEG":
        im.draft("RGB", (target[1], target[0]) if swap else target)
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
    if target:
        if ops.get("fit") == "crop":
            im = ImageOps.fit(im, (ops["w"], ops["h"]), Image.LANCZOS)
        else:
            im = im.resize(target, Image.LANCZOS)
    if ops.get("blur"):
        im = im.filter(ImageFilter.GaussianBlur(ops["blur"]))
    out = io.BytesIO()
    fmt = ops.get("format", "jpeg")
    if fmt == "jpeg":
        im.convert("RGB").save(out, "JPEG", quality=ops.get("q", 75), optimize=True, subsampling=2)
    elif fmt == "webp":
        im.save(out, "WEBP", quality=ops.get("q", 75), method=4)
    else:
        im.save(out, "PNG", compress_level=6)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--inputs", nargs="+", required=True)
    a = ap.parse_args()
    ops = json.load(open(os.path.join(HERE, "workloads.json")))[a.workload]["ops"]
    out = {f: transform(f, ops) for f in a.inputs}  # warm-up
    passes = []
    for _ in range(a.passes):
        t0 = time.perf_counter()
        for f in a.inputs:
            transform(f, ops)
        passes.append((time.perf_counter() - t0) * 1e3)
    version = getattr(Image, "__version__", "?")
    print(json.dumps({
        "peer": "pillow", "version": version, "simd": ".post" in version,
        "workload": a.workload, "n_images": len(a.inputs), "pass_ms": passes,
        "out_bytes": {os.path.basename(f): len(b) for f, b in out.items()},
    }))


if __name__ == "__main__":
    main()
