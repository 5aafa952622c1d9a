#!/usr/bin/env python3
"""HTTP load for serve.sh: N keep-alive connections (one thread each) ask for the URLs of a
list in turn, and every answer is checked.

    serve_load.py --urls FILE --content-type image/jpeg --width 800 [--concurrency 4]
                  [--warmup 8] [--seconds 20] [--requests 100000] [--rate R]
                  [--header 'Accept: …'] [--check-every 1] [--server-pid PID] [--label TEXT]

A line of FILE is a URL, optionally followed by tab-separated fields that replace the defaults
for it: the accepted content types (`image/avif|image/webp`), the expected width, and a group
name (the output then has p50/p99 per group too). URL number n of the run is line n mod
len(FILE), so with fewer connections than lines the requests in flight at once name different
images (no server can coalesce them). The first --warmup answers are checked but not timed;
then the run stops at --seconds or --requests, whichever comes first.

Closed loop by default: each connection sends its next request when the last one is answered.
With --rate R the load is open: request n is due n/R seconds after the start and its latency
counts from then (give enough connections to keep up), so a late start is not hidden.

An answer counts as an error unless it is 200 with an expected Content-Type and, for every
--check-every-th answer, the expected width read from the image header (JPEG SOF, WebP
VP8/VP8L/VP8X, AVIF `ispe`). Prints one JSON object: requests, errors (with the first few
reasons), req/s, p50/p99 ms, answers per content type, and the CPU share of this process (the
load generator) and of --server-pid over the timed window.
"""

import argparse
import http.client
import json
import math
import os
import struct
import sys
import threading
import time
import urllib.parse


def jpeg_size(b):
    i = 2
    while i + 9 < len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = struct.unpack(">H", b[i + 2 : i + 4])[0]
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", b[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None


def webp_size(b):
    if len(b) < 30 or b[:4] != b"RIFF" or b[8:12] != b"WEBP":
        return None
    chunk = b[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", b[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        bits = struct.unpack("<I", b[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(b[24:27], "little") + 1
        h = int.from_bytes(b[27:30], "little") + 1
        return w, h
    return None


def avif_size(b):
    i = b.find(b"ispe")
    if i < 0 or i + 16 > len(b):
        return None
    return struct.unpack(">II", b[i + 8 : i + 16])


def image_size(b):
    if b[:2] == b"\xff\xd8":
        return jpeg_size(b)
    if b[:4] == b"RIFF":
        return webp_size(b)
    if b[4:8] == b"ftyp":
        return avif_size(b)
    return None


def cpu_seconds(pid):
    """User + system CPU seconds of a process and its threads (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # Nearest rank.
    k = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", required=True)
    ap.add_argument("--content-type", required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--check-every", type=int, default=1)
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--label", default="")
    ap.add_argument("--rate", type=float, help="requests per second, open loop (default: closed loop)")
    a = ap.parse_args()

    entries = []
    with open(a.urls) as f:
        for line in f:
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            ctypes = fields[1].split("|") if len(fields) > 1 else [a.content_type]
            width = int(fields[2]) if len(fields) > 2 else a.width
            group = fields[3] if len(fields) > 3 else ""
            entries.append((urllib.parse.urlsplit(fields[0]), ctypes, width, group))
    headers = dict(h.split(": ", 1) for h in a.header)

    lock = threading.Lock()
    state = {"groups": {}, "types": {}, "next": 0, "errors": 0, "warmup_errors": 0, "reasons": [], "timed": [], "deadline": None}
    t0_box = {}

    def take():
        with lock:
            n = state["next"]
            if n == a.warmup:
                # The warm-up ends once its last request is handed out; the timed window
                # starts with the first timed request.
                t0_box["wall"] = time.monotonic()
                t0_box["cpu"] = time.process_time()
                if a.server_pid:
                    t0_box["server"] = cpu_seconds(a.server_pid)
                state["deadline"] = t0_box["wall"] + a.seconds
            if n >= a.warmup and (
                n - a.warmup >= a.requests
                or time.monotonic() >= state["deadline"]
                # Open loop: requests are handed out ahead of time (then wait until due).
                or (a.rate and (n - a.warmup) / a.rate >= a.seconds)
            ):
                return None
            state["next"] = n + 1
            return n

    def fail(n, reason):
        with lock:
            state["errors" if n >= a.warmup else "warmup_errors"] += 1
            if len(state["reasons"]) < 5:
                state["reasons"].append(reason)

    def worker():
        conn = None
        while True:
            n = take()
            if n is None:
                break
            u, ctypes, width, group = entries[n % len(entries)]
            path = u.path + ("?" + u.query if u.query else "")
            if a.rate:
                # Open loop: request n is due at n / rate; its latency counts from then, so a
                # late start (every connection busy) is not hidden.
                start = t_run + n / a.rate
                time.sleep(max(0.0, start - time.monotonic()))
            else:
                start = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                ctype = r.getheader("Content-Type", "")
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                if conn is not None:
                    conn.close()
                conn = None
                fail(n, f"{path}: {e!r}")
                continue
            elapsed = time.monotonic() - start
            if r.status != 200:
                fail(n, f"{path}: status {r.status} {body[:120]!r}")
            elif ctype.split(";")[0].strip() not in ctypes:
                fail(n, f"{path}: content-type {ctype}")
            elif n % a.check_every == 0 and (image_size(body) or (None,))[0] != width:
                fail(n, f"{path}: size {image_size(body)}, expected width {width}")
            elif n >= a.warmup:
                with lock:
                    state["timed"].append(elapsed)
                    state["groups"].setdefault(group, []).append(elapsed)
                    kind = ctype.split(";")[0].strip()
                    state["types"][kind] = state["types"].get(kind, 0) + 1
        if conn is not None:
            conn.close()

    t_run = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end_wall = time.monotonic()
    if "wall" not in t0_box:
        print(json.dumps({"label": a.label, "error": "the warm-up did not finish"}))
        return 1
    wall = end_wall - t0_box["wall"]
    lat = sorted(state["timed"])
    ok = len(lat)
    out = {
        "label": a.label,
        "requests": state["next"] - a.warmup,
        "ok": ok,
        "errors": state["errors"],
        "warmup_errors": state["warmup_errors"],
        "error_samples": state["reasons"],
        "seconds": round(wall, 3),
        "rps": round(ok / wall, 3) if wall > 0 else 0,
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "types": state["types"],
        "groups": {
            g: {
                "ok": len(v),
                "p50_ms": round(percentile(sorted(v), 50) * 1000, 1),
                "p99_ms": round(percentile(sorted(v), 99) * 1000, 1),
            }
            for g, v in state["groups"].items()
            if g
        },
        "generator_cpu": round((time.process_time() - t0_box["cpu"]) / wall, 3),
    }
    if a.server_pid:
        out["server_cpu"] = round((cpu_seconds(a.server_pid) - t0_box["server"]) / wall, 3)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
