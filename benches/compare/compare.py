#!/usr/bin/env python3
"""pixform vs peers on the workloads of workloads.json; prints a Markdown table.

Called by run.sh (which installs the peers and builds pixform). Every tool runs single-threaded
and pinned to one CPU core (--cpu, default 0): a helper thread a library starts on its own (the
pure-Rust jpeg-decoder starts one per colour component for large images, libvips and node keep
worker threads) shares that core, so the times compare work per core.
In-process tools (start-up excluded, one process per tool, workload and round): pixform
(`bench_workload`, the library API; one column per build given with --build, e.g. the default
build and `pixform fast`), sharp (node), Pillow or Pillow-SIMD (python). CLI tools
(one process per image, start-up included): vipsthumbnail, ImageMagick `convert`,
`pixform transform`. Tools are interleaved round by round; the reported time is the median
over rounds of the ms per image of each round. Peak RSS is the largest maximum resident set of
the tool's processes (os.wait4), output bytes the mean per image.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SINGLE_THREAD_ENV = {
    "VIPS_CONCURRENCY": "1", "MAGICK_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
}


PIN_CPU = [0]  # set from --cpu in main()


def pin_to_cpu():
    os.sched_setaffinity(0, {PIN_CPU[0]})


def run(cmd, env=None):
    """Runs cmd pinned to one core; returns (stdout, wall ms, peak RSS KiB). Raises on failure."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=pin_to_cpu,
                         env={**os.environ, **SINGLE_THREAD_ENV, **(env or {})})
    out, err = p.stdout.read(), p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    ms = (time.perf_counter() - t0) * 1e3
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {err.decode(errors='replace')[-400:]}")
    return out.decode(), ms, usage.ru_maxrss


def files_for(corpus, set_):
    pattern = {"jpeg": "j*.jpg", "png": "p*.png", "webp": "w*.webp"}[set_]
    return sorted(glob.glob(os.path.join(corpus, pattern)))


# ---- in-process tools: return (ms per image, peak RSS KiB, mean output bytes)

def make_inproc_pixform(bench_bin):
    def inproc_pixform(cfg, wl, files):
        out, _, rss = run([bench_bin, "--query", wl["query"], "--passes", "1", *files])
        d = json.loads(out)
        return min(d["pass_ms"]) / len(files), rss, statistics.mean(d["out_bytes"].values())
    return inproc_pixform


def build_tool(name):
    """The column of a pixform build: `pixform` for the default build, `pixform NAME` otherwise."""
    return "pixform" if name == "default" else f"pixform {name}"


def inproc_sharp(cfg, wl, files):
    out, _, rss = run(["node", os.path.join(HERE, "peer_sharp.mjs"), "--bench", "--workload", wl["name"],
                       "--threads", "1", "--passes", "1", "--inputs", *files],
                      env={"PEERS_DIR": cfg.peers_dir})
    d = json.loads(out)
    return d["median_pass_ms"] / len(files), rss, statistics.mean(d["out_bytes"].values())


def inproc_pillow(cfg, wl, files):
    out, _, rss = run([cfg.pillow_python, os.path.join(HERE, "peer_pillow.py"), "--workload", wl["name"],
                       "--passes", "1", "--inputs", *files])
    d = json.loads(out)
    return min(d["pass_ms"]) / len(files), rss, statistics.mean(d["out_bytes"].values())


# ---- CLI tools: one process per image. Return argv for (input, output) or None if n/a.

def ext_of(wl):
    return {"jpeg": ".jpg", "webp": ".webp", "png": ".png"}[wl["ops"].get("format", "jpeg")]


def cli_vipsthumbnail(wl, src, dst):
    ops = wl["ops"]
    if ops.get("blur"):
        return None  # vipsthumbnail cannot blur
    opts = {".jpg": f"[Q={ops.get('q', 75)},optimize_coding,strip]", ".webp": f"[Q={ops.get('q', 75)},effort=4,strip]",
            ".png": "[compression=6,strip]"}[ext_of(wl)]
    if "w" in ops and "h" in ops:
        size = ["-s", f"{ops['w']}x{ops['h']}"] + (["-m", "centre"] if ops.get("fit") == "crop" else [])
    elif "w" in ops:
        size = ["-s", str(ops["w"])]
    else:
        size = ["-s", "1000000>"]  # no resize: "only shrink" by nothing
    return ["vipsthumbnail", src, *size, "-o", dst + opts]


def cli_convert(wl, src, dst):
    ops = wl["ops"]
    cmd = ["convert"]
    if src.endswith(".jpg") and "w" in ops:
        cmd += ["-define", f"jpeg:size={2 * ops['w']}x{2 * ops.get('h', ops['w'])}"]
    cmd += [src, "-auto-orient"]
    if "w" in ops and "h" in ops and ops.get("fit") == "crop":
        cmd += ["-resize", f"{ops['w']}x{ops['h']}^", "-gravity", "center", "-extent", f"{ops['w']}x{ops['h']}"]
    elif "w" in ops:
        cmd += ["-resize", f"{ops['w']}x"]
    if ops.get("blur"):
        cmd += ["-gaussian-blur", f"0x{ops['blur']}"]
    cmd += ["-strip"]
    e = ext_of(wl)
    if e == ".jpg":
        cmd += ["-quality", str(ops.get("q", 75)), "-sampling-factor", "4:2:0"]
    elif e == ".webp":
        cmd += ["-quality", str(ops.get("q", 75)), "-define", "webp:method=4"]
    else:
        cmd += ["-define", "png:compression-level=6"]
    return cmd + [dst]


def make_cli_pixform(cfg):
    def cli_pixform(wl, src, dst):
        return [cfg.pixform_bin, "transform", src, wl["query"], "-o", dst]
    return cli_pixform


def cli_round(argv_for, wl, files, tmp):
    total, rss, sizes = 0.0, 0, []
    for f in files:
        dst = os.path.join(tmp, os.path.splitext(os.path.basename(f))[0] + ext_of(wl))
        argv = argv_for(wl, f, dst)
        if argv is None:
            return None
        _, ms, r = run(argv)
        total += ms
        rss = max(rss, r)
        sizes.append(os.path.getsize(dst))
    return total / len(files), rss, statistics.mean(sizes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="*")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers-dir", required=True)
    ap.add_argument("--pillow-python", required=True)
    ap.add_argument("--pillow-label", default="Pillow")
    ap.add_argument("--build", action="append", default=[], metavar="NAME=BENCH_BIN",
                    help="a pixform build and its examples/bench_workload (repeatable; the first is the "
                         "reference of the ratio column)")
    ap.add_argument("--pixform-bin", help="the pixform CLI (absent or without `transform`: n/a)")
    ap.add_argument("--floor-bin", help="examples/codec_floor")
    ap.add_argument("--cpu", type=int, default=0, help="the core every tool is pinned to")
    cfg = ap.parse_args()
    PIN_CPU[0] = cfg.cpu
    all_wl = json.load(open(os.path.join(HERE, "workloads.json")))
    names = cfg.workloads or [k for k in all_wl if k.startswith("W")]

    builds = [b.split("=", 1) for b in cfg.build]
    unavailable = {}
    inproc = {}
    for bname, bench_bin in builds:
        inproc[build_tool(bname)] = make_inproc_pixform(bench_bin)
        if not os.path.exists(bench_bin):
            unavailable[build_tool(bname)] = "examples/bench_workload not built"
    ref_tool = build_tool(builds[0][0]) if builds else "pixform"
    build_tools = [build_tool(b) for b, _ in builds]
    peers_inproc = ["sharp", cfg.pillow_label]
    inproc.update({"sharp": inproc_sharp, cfg.pillow_label: inproc_pillow})
    cli = {"vipsthumbnail": cli_vipsthumbnail, "convert": cli_convert}
    has_cli_transform = False
    if cfg.pixform_bin and os.path.exists(cfg.pixform_bin):
        has_cli_transform = subprocess.run([cfg.pixform_bin, "transform", "--help"],
                                           capture_output=True).returncode == 0
    if has_cli_transform:
        cli["pixform CLI"] = make_cli_pixform(cfg)
    else:
        unavailable["pixform CLI"] = "no `pixform transform` subcommand"
    for tool in ("vipsthumbnail", "convert"):
        if not shutil.which(tool):
            unavailable[tool] = "not installed"

    results = {}  # (workload, tool) -> list of (ms, rss, bytes)
    errors = {}
    tools = [t for t in list(inproc) + list(cli) if t not in unavailable]
    tmp = tempfile.mkdtemp(prefix="pixform-compare-")
    for rnd in range(cfg.rounds):
        order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]  # rotate the start tool
        for name in names:
            wl = {**all_wl[name], "name": name}
            files = files_for(cfg.corpus, wl["set"])
            if not files:
                continue
            for tool in order:
                try:
                    r = inproc[tool](cfg, wl, files) if tool in inproc else cli_round(cli[tool], wl, files, tmp)
                except Exception as e:  # a tool failing on one workload must not stop the run
                    errors[(name, tool)] = str(e).splitlines()[0][:120]
                    continue
                if r is not None:
                    results.setdefault((name, tool), []).append(r)
        print(f"round {rnd + 1}/{cfg.rounds} done", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"Corpus {cfg.corpus}; {cfg.rounds} round(s); single-threaded, pinned to CPU {cfg.cpu}; ratio = tool ms / {ref_tool} ms "
          f"(> 1: {ref_tool} faster; in-process tools vs {ref_tool} in-process, CLI tools vs pixform CLI).")
    print()
    print("| W | tool | ms/img | ratio | peak RSS MB | out KB/img |")
    print("|---|---|---:|---:|---:|---:|")
    for name in names:
        ref = {}
        for tool, key in ((ref_tool, "inproc"), ("pixform CLI", "cli")):
            if (name, tool) in results:
                ref[key] = statistics.median(r[0] for r in results[(name, tool)])
        for tool in list(inproc) + list(cli) + [t for t in unavailable if t not in inproc and t not in cli]:
            rs = results.get((name, tool))
            if not rs:
                why = unavailable.get(tool) or errors.get((name, tool)) or "n/a for this workload"
                print(f"| {name} | {tool} | – | – | – | – ({why}) |")
                continue
            ms = statistics.median(r[0] for r in rs)
            base = ref.get("inproc" if tool in inproc else "cli")
            ratio = f"{ms / base:.2f}" if base and tool not in (ref_tool, "pixform CLI") else "–"
            rss = max(r[1] for r in rs) / 1024
            kb = statistics.mean(r[2] for r in rs) / 1024
            print(f"| {name} | {tool} | {ms:.1f} | {ratio} | {rss:.0f} | {kb:.1f} |")

    # Per build: how many times faster than each in-process peer and than the best of them.
    med = {k: statistics.median(r[0] for r in v) for k, v in results.items()}
    print()
    print("Speed-up of each build over the in-process peers (peer ms / build ms; > 1: pixform faster):")
    print()
    print("| W | build | " + " | ".join(f"{p}" for p in peers_inproc) + " | best peer |")
    print("|---|---|" + "---:|" * (len(peers_inproc) + 1))
    for name in names:
        for bt in build_tools:
            if (name, bt) not in med:
                continue
            ms = med[(name, bt)]
            cells = [f"{med[(name, p)] / ms:.2f}" if (name, p) in med else "–" for p in peers_inproc]
            best = min((med[(name, p)] for p in peers_inproc if (name, p) in med), default=None)
            cells.append(f"{best / ms:.2f}" if best else "–")
            print(f"| {name} | {bt} | " + " | ".join(cells) + " |")

    if cfg.floor_bin and os.path.exists(cfg.floor_bin):
        files = files_for(cfg.corpus, "jpeg")
        out, _, _ = run([cfg.floor_bin, "--query", all_wl["W1"]["query"], "--passes", str(max(3, cfg.rounds)), *files])
        d = json.loads(out)
        print()
        print(f"W1 codec floor (pixform codec: decode at the plan's shrink-on-load scale {d['scale_denoms']} "
              f"+ encode of the output size): decode {d['decode_ms']:.1f} + encode {d['encode_ms']:.1f} "
              f"= {d['floor_ms']:.1f} ms/img")


if __name__ == "__main__":
    main()
