#!/usr/bin/env python3
"""Output quality of pixform vs libvips (through sharp) at the same `q`; prints Markdown tables.

Called by quality.sh (which installs sharp and numpy and builds pixform). For each lossy workload
whose ideal result is well defined (W1 W2 W3 W6 W7), each corpus image is transformed by
`pixform transform` and by peer_sharp.mjs (the same sharp settings as the speed runs), and both
outputs are compared with a full-precision reference:

* the source decoded at full size by Pillow, EXIF orientation applied, as float64;
* resized to the workload's exact output size with a separable Lanczos-3 filter in float64 (no
  rounding to 8 bits) on the sRGB-encoded values, as both tools resize; `fit=crop` scales to
  cover and takes the centred window (sub-pixel exact); a workload without `w`/`h` (W6) uses
  the decoded source itself.

SSIM is Wang et al.'s: gaussian window sigma 1.5 (11x11), K1 0.01, K2 0.03, L 255, on BT.601
luma (`--channels luma`, default) or the mean over R, G and B (`--channels rgb`); the map is
averaged over the window positions wholly inside the image.

Gates (the quality requirement): pixform's bytes within +-10 % of libvips' bytes, and
pixform's SSIM >= libvips' SSIM - 0.005; pixform's output size must equal the planned size.
Each image row and each workload's summary row (means) gets a verdict; any FAIL exits 1.

`--pre-encode` adds, for diagnosis, the SSIM of each tool's pixels before lossy encoding (the
same transform written as PNG): a gap there comes from decoding/resizing, not from the encoder.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKED = ("W1", "W2", "W3", "W6", "W7")
SKIPPED = {
    "W4": "blur: the reference depends on how each tool maps imgix `blur=50` to a gaussian "
          "and where it applies it (sharp blurs sigma 5 after the resize; the design's sigma is "
          "in output pixels), so SSIM would measure the blur definition, not the encoder",
    "W5": "PNG is lossless: pixels equal the 8-bit resize exactly and bytes depend only on "
          "zlib/filter choice, not on `q`",
}
BYTES_TOLERANCE = 0.10
SSIM_TOLERANCE = 0.005


def files_for(corpus, set_):
    pattern = {"jpeg": "j*.jpg", "png": "p*.png", "webp": "w*.webp"}[set_]
    return sorted(glob.glob(os.path.join(corpus, pattern)))


def ext_of(ops):
    return {"jpeg": ".jpg", "webp": ".webp", "png": ".png"}[ops.get("format", "jpeg")]


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, env={**os.environ, **(env or {})})
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({p.returncode}): "
                           f"{p.stderr.decode(errors='replace')[-400:]}")
    return p.stdout.decode()


# ---- reference

def decode_upright(path):
    """The source as display-oriented float64 RGB (H, W, 3), 0..255."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        icc = im.info.get("icc_profile")
        if icc:  # both tools convert to sRGB; so must the reference
            from io import BytesIO
            from PIL import ImageCms
            im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(BytesIO(icc)),
                                           ImageCms.createProfile("sRGB"), outputMode="RGB")
        return np.asarray(im.convert("RGB"), dtype=np.float64)


def lanczos3(x):
    return np.where(np.abs(x) < 3.0, np.sinc(x) * np.sinc(x / 3.0), 0.0)


def resample_axis(img, axis, n_out, start, length):
    """Resamples `img` along `axis`: source interval [start, start + length) -> n_out samples.

    Pixel centres at i + 0.5; when shrinking the kernel is stretched by the scale (area
    anti-aliasing), as Pillow, libvips and fast_image_resize do. Taps outside the image are
    dropped and the rest renormalised.
    """
    n_in = img.shape[axis]
    scale = length / n_out
    stretch = max(scale, 1.0)
    centres = start + (np.arange(n_out) + 0.5) * scale
    first = np.floor(centres - 3.0 * stretch).astype(np.int64)
    taps = int(np.ceil(6.0 * stretch)) + 2
    idx = first[:, None] + np.arange(taps)[None, :]
    w = lanczos3((idx + 0.5 - centres[:, None]) / stretch)
    w = np.where((idx >= 0) & (idx < n_in), w, 0.0)
    w /= w.sum(axis=1, keepdims=True)
    idx = np.clip(idx, 0, n_in - 1)
    moved = np.moveaxis(img, axis, 0)
    out = np.zeros((n_out,) + moved.shape[1:], dtype=np.float64)
    shape = (n_out,) + (1,) * (moved.ndim - 1)
    for k in range(taps):
        out += w[:, k].reshape(shape) * moved[idx[:, k]]
    return np.moveaxis(out, 0, axis)


def planned_size(src_w, src_h, ops):
    """The output size by the design's rules (sizes round half up, never below 1)."""
    w, h = ops.get("w"), ops.get("h")
    if w and h and ops.get("fit") == "crop":
        return w, h
    if w and h:
        s = min(w / src_w, h / src_h)
    elif w:
        s = w / src_w
    elif h:
        s = h / src_h
    else:
        return src_w, src_h
    return max(1, int(np.floor(src_w * s + 0.5))), max(1, int(np.floor(src_h * s + 0.5)))


def reference(src, ops, size):
    """The full-precision result of `ops` at `size` (w, h)."""
    src_h, src_w = src.shape[:2]
    out_w, out_h = size
    if (out_w, out_h) == (src_w, src_h) and not (ops.get("w") or ops.get("h")):
        return src
    if ops.get("fit") == "crop":
        s = max(out_w / src_w, out_h / src_h)
        win_w, win_h = out_w / s, out_h / s
        x0, y0 = (src_w - win_w) / 2, (src_h - win_h) / 2
    else:
        x0, y0, win_w, win_h = 0.0, 0.0, float(src_w), float(src_h)
    tmp = resample_axis(src, 0, out_h, y0, win_h)
    return resample_axis(tmp, 1, out_w, x0, win_w)


# ---- SSIM

def gaussian_kernel(sigma=1.5, radius=5):
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-(x * x) / (2 * sigma * sigma))
    return k / k.sum()


def filter_valid(a, k):
    """Separable 'valid' correlation of a 2-D array with the 1-D kernel k on both axes."""
    n = len(k)
    rows = a.shape[0] - n + 1
    t = sum(k[i] * a[i:i + rows] for i in range(n))
    cols = a.shape[1] - n + 1
    return sum(k[i] * t[:, i:i + cols] for i in range(n))


def ssim_plane(x, y):
    k = gaussian_kernel()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = filter_valid(x, k), filter_valid(y, k)
    sxx = filter_valid(x * x, k) - mx * mx
    syy = filter_valid(y * y, k) - my * my
    sxy = filter_valid(x * y, k) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return float(np.mean(num / den))


def luma(a):
    return a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114


def ssim(out, ref, channels):
    if channels == "luma":
        return ssim_plane(luma(out), luma(ref))
    return float(np.mean([ssim_plane(out[..., c], ref[..., c]) for c in range(3)]))


def decode_output(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


# ---- tools

def sharp_args(ops):
    a = []
    for k in ("w", "h"):
        if ops.get(k):
            a += [f"--{k}", str(ops[k])]
    if ops.get("fit") == "crop":
        a += ["--fit", "crop"]
    return a + ["--q", str(ops.get("q", 75)), "--format", ops.get("format", "jpeg")]


def make_outputs(cfg, src, query, ops, dst):
    """Writes pixform's and libvips' results of one workload on `src` to dst["pixform"/"libvips"]."""
    run([cfg.pixform_bin, "transform", src, query, "-o", dst["pixform"]])
    run(["node", os.path.join(HERE, "peer_sharp.mjs"), src, dst["libvips"], *sharp_args(ops)],
        env={"PEERS_DIR": cfg.peers_dir})


def png_query(query):
    """The query with its output format replaced by PNG."""
    return "&".join([kv for kv in query.split("&") if not kv.startswith("fm=")] + ["fm=png"])


def pct(x):
    return f"{x * 100:+.1f} %"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="*")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--pixform-bin", required=True)
    ap.add_argument("--peers-dir", required=True)
    ap.add_argument("--label", default="pixform", help="names the pixform build in the heading")
    ap.add_argument("--channels", choices=("luma", "rgb"), default="luma")
    ap.add_argument("--out-dir", help="keep the outputs here (default: a temporary directory)")
    ap.add_argument("--pre-encode", action="store_true",
                    help="also report the SSIM of the same transform written losslessly (PNG)")
    cfg = ap.parse_args()
    all_wl = json.load(open(os.path.join(HERE, "workloads.json")))
    names = cfg.workloads or [k for k in all_wl if k.startswith("W")]
    unknown = [n for n in names if n not in all_wl]
    if unknown:
        sys.exit(f"unknown workload(s): {', '.join(unknown)}")
    checked = [n for n in names if n in CHECKED]
    out_dir = cfg.out_dir or tempfile.mkdtemp(prefix="pixform-quality-")
    os.makedirs(out_dir, exist_ok=True)
    versions = json.loads(run(["node", "-e", "const s=require('sharp');console.log(JSON.stringify(s.versions))"],
                              env={"NODE_PATH": os.path.join(cfg.peers_dir, "node", "node_modules")}))

    # Images outer, workloads inner: each source is decoded once for all its workloads.
    by_file = {}
    for name in checked:
        for f in files_for(cfg.corpus, all_wl[name]["set"]):
            by_file.setdefault(f, []).append(name)
    rows = {name: [] for name in checked}
    for f, wl_names in by_file.items():
        src = decode_upright(f)
        base = os.path.splitext(os.path.basename(f))[0]
        for name in wl_names:
            ops = all_wl[name]["ops"]
            dst = {t: os.path.join(out_dir, f"{name}-{base}-{t}{ext_of(ops)}") for t in ("pixform", "libvips")}
            make_outputs(cfg, f, all_wl[name]["query"], ops, dst)
            lossless = {}
            if cfg.pre_encode:
                lossless = {t: os.path.join(out_dir, f"{name}-{base}-{t}-pre-encode.png") for t in dst}
                make_outputs(cfg, f, png_query(all_wl[name]["query"]), {**ops, "format": "png"}, lossless)
            size = planned_size(src.shape[1], src.shape[0], ops)
            ref = reference(src, ops, size)
            row = {"image": os.path.basename(f), "size": size}
            for tool, path in dst.items():
                out = decode_output(path)
                dims = (out.shape[1], out.shape[0])
                # A size off by a rounding pixel still gets an SSIM, against a reference of its own size.
                r = ref if dims == size else reference(src, ops, dims)
                row[tool] = {"bytes": os.path.getsize(path), "dims": dims, "ssim": ssim(out, r, cfg.channels)}
                if tool in lossless:
                    pre = decode_output(lossless[tool])
                    if pre.shape != out.shape:
                        raise RuntimeError(f"{lossless[tool]}: size differs from the lossy output")
                    row[tool]["pre"] = ssim(pre, r, cfg.channels)
            rows[name].append(row)
            print(f"{name} {base}: done", file=sys.stderr, flush=True)
        del src

    failed = False
    print(f"## Output quality: {cfg.label} vs libvips {versions.get('vips')} (sharp {versions.get('sharp')})")
    print()
    print(f"Corpus {cfg.corpus}. SSIM on {'BT.601 luma' if cfg.channels == 'luma' else 'R, G, B (mean)'} "
          "against a float64 Lanczos-3 reference from the full-size upright source; gaussian window "
          "sigma 1.5, K1 0.01, K2 0.03. bytes PASS: |pixform / libvips - 1| <= 10 %; SSIM PASS: "
          "pixform >= libvips - 0.005; size FAIL: pixform's output size differs from the planned size. "
          "libvips: sharp with the speed run's settings (JPEG 4:2:0, optimiseCoding, baseline; "
          "WebP effort 4). pixform's WebP encoder runs libwebp method 4.")
    for name in names:
        if name in SKIPPED:
            print(f"\n{name} ({all_wl[name]['desc']}): skipped: {SKIPPED[name]}.")
        elif name not in CHECKED:
            print(f"\n{name}: skipped: not a lossy workload with a defined reference.")
    for name in checked:
        rs = rows[name]
        if not rs:
            print(f"\n### {name}: no corpus images")
            continue
        print(f"\n### {name}: `{all_wl[name]['query']}` ({all_wl[name]['desc']})\n")
        pre_head, pre_rule = ("| pre-encode SSIM pixform | pre-encode SSIM libvips ", "|---:|---:") if cfg.pre_encode else ("", "")
        print("| image | size | pixform B | libvips B | bytes ratio | bytes | SSIM pixform | SSIM libvips | Δ SSIM | SSIM "
              f"{pre_head}|")
        print(f"|---|---|---:|---:|---:|---|---:|---:|---:|---{pre_rule}|")
        for r in rs:
            p, v = r["pixform"], r["libvips"]
            ratio = p["bytes"] / v["bytes"] - 1
            b_ok = abs(ratio) <= BYTES_TOLERANCE
            d = p["ssim"] - v["ssim"]
            s_ok = d >= -SSIM_TOLERANCE
            size = "{}x{}".format(*r["size"])
            if p["dims"] != r["size"]:
                size += " FAIL: pixform {}x{}".format(*p["dims"])
                failed = True
            if v["dims"] != r["size"]:
                size += " (libvips {}x{})".format(*v["dims"])
            failed |= not (b_ok and s_ok)
            print(f"| {r['image']} | {size} | {p['bytes']} | {v['bytes']} | {pct(ratio)} | {'PASS' if b_ok else 'FAIL'} "
                  f"| {p['ssim']:.4f} | {v['ssim']:.4f} | {d:+.4f} | {'PASS' if s_ok else 'FAIL'} |"
                  + (f" {p['pre']:.4f} | {v['pre']:.4f} |" if cfg.pre_encode else ""))
        pb = np.mean([r["pixform"]["bytes"] for r in rs])
        vb = np.mean([r["libvips"]["bytes"] for r in rs])
        ps = np.mean([r["pixform"]["ssim"] for r in rs])
        vs = np.mean([r["libvips"]["ssim"] for r in rs])
        ratio, d = pb / vb - 1, ps - vs
        b_ok, s_ok = abs(ratio) <= BYTES_TOLERANCE, d >= -SSIM_TOLERANCE
        failed |= not (b_ok and s_ok)
        print(f"| **mean ({len(rs)})** | | {pb:.0f} | {vb:.0f} | {pct(ratio)} | {'PASS' if b_ok else 'FAIL'} "
              f"| {ps:.4f} | {vs:.4f} | {d:+.4f} | {'PASS' if s_ok else 'FAIL'} |"
              + (" {:.4f} | {:.4f} |".format(*(np.mean([r[t]["pre"] for r in rs]) for t in ("pixform", "libvips")))
                 if cfg.pre_encode else ""))
    print(f"\nOverall: {'FAIL' if failed else 'PASS'}. Outputs: {out_dir}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
