#!/usr/bin/env bash
# Server throughput: pixform-server, ipx and thumbor serve the corpus JPEGs from local disk, each
# pinned to one core with one render at a time and no derived-image cache, under the same
# closed-loop load (serve_load.py, pinned to another core). Prints a Markdown table.
#
#   serve.sh [--corpus DIR] [--concurrency 4] [--seconds 20] [--requests 100000] [--warmup 8]
#            [--server-cpu 0] [--load-cpu 1] [W1|W3 …]
#   serve.sh --avif-miss [--rate 1.5] [--seconds 20] [--corpus DIR]
#
# --avif-miss measures pixform-server's --avif-fallback instead (README: "AVIF misses").
#
# The corpus is --corpus DIR, else PIXFORM_CORPUS, else benches/corpus; only its j*.jpg files.
# Peers are installed on first use (peers.sh); pixform-server is built with
# `cargo build --release -p pixform-server` (PIXFORM_FEATURES=fast builds pixform/fast).
# Exit status 1 when any timed request failed its check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

corpus=${PIXFORM_CORPUS:-$root/benches/corpus}
concurrency=4 seconds=20 requests=100000 warmup=8 server_cpu=0 load_cpu=1 avif_miss="" rate=1.5
workloads=()
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --load-cpu) load_cpu=$2; shift 2 ;;
    --avif-miss) avif_miss=1; shift ;;
    --rate) rate=$2; shift 2 ;;
    W1|W3) workloads+=("$1"); shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "serve.sh: unknown argument $1 (workloads: W1, W3)" >&2; exit 2 ;;
  esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(W1 W3)
corpus=$(cd "$corpus" && pwd)
mapfile -t files < <(cd "$corpus" && ls j*.jpg)
[ ${#files[@]} -gt 0 ] || { echo "serve.sh: no j*.jpg in $corpus" >&2; exit 2; }

. "$here/peers.sh"
peers_install_ipx
peers_install_thumbor
features=""
for f in ${PIXFORM_FEATURES:-}; do features="$features pixform/$f"; done
PIXFORM_FEATURES=${features# } peers_build_pixform -p pixform-server
server_bin="$CARGO_TARGET_DIR/release/pixform-server"

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for URL LOG: until URL answers, or fail with the server's log.
wait_for() {
  local i
  for i in $(seq 1 300); do
    curl -s -o /dev/null "$1" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "serve.sh: the server did not come up at $1; its log:" >&2
  cat "$2" >&2
  exit 1
}

# Each workload: "query for pixform|ipx modifiers|thumbor path prefix|content type|width".
# Quality 75 is explicit everywhere (workloads.json), though it is pixform's default too.
declare -A spec=(
  [W1]="w=800&q=75|w_800,q_75|800x0/filters:quality(75)|image/jpeg|800"
  [W3]="w=1200&fm=webp&q=75|w_1200,f_webp,q_75|1200x0/filters:quality(75):format(webp)|image/webp|1200"
)

# load NAME WORKLOAD URLS_FILE: one timed run, appended to results.jsonl.
load() {
  local ctype width
  IFS='|' read -r _ _ _ ctype width <<<"${spec[$2]}"
  echo "  $2 $1 …" >&2
  taskset -c "$load_cpu" python3 "$here/serve_load.py" --urls "$3" --content-type "$ctype" \
    --width "$width" --concurrency "$concurrency" --warmup "$warmup" --seconds "$seconds" \
    --requests "$requests" --server-pid "$server_pid" --label "$2 $1" >>"$work/results.jsonl"
}

# start_pixform FLAG…: pixform-server on a free port with a fresh data folder, one render
# thread, pinned; sets base, token and server_pid.
start_pixform() {
  local port data
  port=$(free_port)
  base="http://127.0.0.1:$port"
  token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  data=$(mktemp -d "$work/pixform-data.XXXX")
  echo "pixform-server on $base (1 worker, cpu $server_cpu) $*" >&2
  taskset -c "$server_cpu" "$server_bin" --listen "127.0.0.1:$port" --data "$data" \
    --admin-token "$token" --init-project bench --workers 1 "$@" >"$data.log" 2>&1 &
  server_pid=$!
  wait_for "$base/health" "$data.log"
}

# upload_corpus: every corpus file through the Sanity Assets API; their image URLs, one a line,
# in $work/pixform.urls.
upload_corpus() {
  local f
  : >"$work/pixform.urls"
  for f in "${files[@]}"; do
    curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: image/jpeg" \
      --data-binary "@$corpus/$f" "$base/v1/projects/bench/assets/images/production?filename=$f" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["document"]["url"])' >>"$work/pixform.urls"
  done
}

# The --avif-miss experiment: pixform-server with its derived-image cache, without and with
# --avif-fallback, under one open-loop mix at --rate requests/s, every request with
# `Accept: image/avif,image/webp,*/*`. Per step k: a new `auto=format` variant (an AVIF miss,
# group "first"), a new `fm=jpg` variant (a cheap miss, "jpeg"), and the `auto=format` URL of
# step k-2 again (the next visitor, "repeat"). Widths are distinct per step, so nothing comes
# from an earlier run or step.
avif_miss_experiment() {
  local setting
  for setting in off on; do
    if [ "$setting" = on ]; then start_pixform --avif-fallback; else start_pixform; fi
    upload_corpus
    python3 - "$work/pixform.urls" >"$work/urls" <<'EOF'
import sys
urls = [l.strip() for l in open(sys.argv[1]) if l.strip()]
auto = []
for k in range(1500):
    w = 300 + (7 * k) % 1500
    auto.append(f"{urls[k % len(urls)]}?w={w}&auto=format\timage/avif|image/webp\t{w}")
    print(auto[k] + "\tfirst")
    v = 300 + (11 * k + 500) % 1500
    print(f"{urls[(k + 3) % len(urls)]}?w={v}&fm=jpg\timage/jpeg\t{v}\tjpeg")
    if k >= 2:
        print(auto[k - 2] + "\trepeat")
EOF
    echo "  avif-miss, --avif-fallback $setting …" >&2
    taskset -c "$load_cpu" python3 "$here/serve_load.py" --urls "$work/urls" \
      --content-type image/avif --width 0 --header 'Accept: image/avif,image/webp,*/*' \
      --rate "$rate" --concurrency 32 --warmup 0 --seconds "$seconds" --requests "$requests" \
      --server-pid "$server_pid" --label "$setting" >>"$work/avif.jsonl"
    stop_server
  done
  python3 - "$work/avif.jsonl" "$rate" "$seconds" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"\nopen loop, {sys.argv[2]} requests/s for {sys.argv[3]} s, 1 render thread, cache on\n")
print("| --avif-fallback | requests | errors | p50 ms | p99 ms | first visit p50 / p99 | repeat p50 / p99 | jpeg p50 / p99 | answers | server core CPU |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
for r in rows:
    g = lambda name: "{p50_ms:.0f} / {p99_ms:.0f}".format(**r["groups"][name]) if name in r["groups"] else "–"
    answers = ", ".join(f"{k.split('/')[1]} {v}" for k, v in sorted(r["types"].items()))
    print(f"| {r['label']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
          f"{g('first')} | {g('repeat')} | {g('jpeg')} | {answers} | {r['server_cpu'] * 100:.0f} % |")
for r in rows:
    if r["errors"]:
        print(f"\n{r['label']}: {r['errors']} errors, e.g. {r['error_samples']}")
EOF
}

if [ -n "$avif_miss" ]; then
  avif_miss_experiment
  exit
fi

# --- pixform-server: the corpus uploaded through the Sanity Assets API, then its CDN URLs.
start_pixform --cache-bytes 0
upload_corpus
for w in "${workloads[@]}"; do
  IFS='|' read -r query _ <<<"${spec[$w]}"
  awk -v q="$query" '{print $0 "?" q}' "$work/pixform.urls" >"$work/urls"
  load pixform-server "$w" "$work/urls"
done
metrics=$(curl -s "$base/metrics")
renders=$(awk '$1 == "pixform_cache_misses_total" {print $2}' <<<"$metrics")
coalesced=$(awk '$1 == "pixform_cache_hits_total" {print $2}' <<<"$metrics")
server_version=$("$server_bin" --version 2>/dev/null || echo pixform-server)
stop_server

# --- ipx (sharp/libvips): files from the corpus folder.
port=$(free_port)
base="http://127.0.0.1:$port"
echo "ipx on $base (VIPS_CONCURRENCY=1, UV_THREADPOOL_SIZE=1, cpu $server_cpu)" >&2
# One libuv thread: sharp renders on it, so one image at a time, like --workers 1.
taskset -c "$server_cpu" env VIPS_CONCURRENCY=1 UV_THREADPOOL_SIZE=1 \
  node "$here/serve_ipx.mjs" "$PEERS_DIR/ipx" "$corpus" 127.0.0.1 "$port" >"$work/ipx.log" 2>&1 &
server_pid=$!
wait_for "$base/" "$work/ipx.log"
for w in "${workloads[@]}"; do
  IFS='|' read -r _ modifiers _ <<<"${spec[$w]}"
  printf "$base/$modifiers/%s\n" "${files[@]}" >"$work/urls"
  load ipx "$w" "$work/urls"
done
ipx_version="ipx $(node -p "require('$PEERS_DIR/ipx/node_modules/ipx/package.json').version") (sharp $(cd "$PEERS_DIR/ipx" && node -p "const s=require('sharp'); s.versions.sharp + ', libvips ' + s.versions.vips"))"
stop_server

# --- thumbor (Pillow): file loader, no storage, no result storage, no detectors.
port=$(free_port)
base="http://127.0.0.1:$port"
# Progressive JPEG off and EXIF orientation on (thumbor's defaults are the reverse), so it does
# the work the workloads name: baseline JPEG, display orientation.
cat >"$work/thumbor.conf" <<EOF
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = '$corpus'
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
DETECTORS = []
QUALITY = 75
RESPECT_ORIENTATION = True
PROGRESSIVE_JPEG = False
EOF
echo "thumbor on $base (1 process, cpu $server_cpu)" >&2
taskset -c "$server_cpu" "$thumbor_venv/bin/thumbor" -i 127.0.0.1 -p "$port" \
  -c "$work/thumbor.conf" -l warning >"$work/thumbor.log" 2>&1 &
server_pid=$!
wait_for "$base/healthcheck" "$work/thumbor.log"
for w in "${workloads[@]}"; do
  IFS='|' read -r _ _ prefix _ <<<"${spec[$w]}"
  printf "$base/unsafe/$prefix/%s\n" "${files[@]}" >"$work/urls"
  load thumbor "$w" "$work/urls"
done
thumbor_version="thumbor $("$thumbor_venv/bin/python" -c 'import thumbor, PIL; print(thumbor.__version__, "(Pillow", PIL.__version__ + ")")')"
stop_server

status=0
python3 - "$work/results.jsonl" "$concurrency" "$seconds" "$requests" "$warmup" <<'EOF' || status=$?
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
conc, secs, reqs, warm = sys.argv[2:6]
print(f"\n{len(rows) // 3} workload(s), {conc} connections, {warm} warm-up requests, "
      f"then {secs} s or {reqs} requests\n")
print("| workload | server | requests | errors | req/s | p50 ms | p99 ms | req/s ÷ pixform-server | server core CPU | req per server CPU-s | load core CPU |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
ref = {}
for r in rows:
    w, server = r["label"].split(" ", 1)
    if server == "pixform-server":
        ref[w] = r["rps"]
    ratio = r["rps"] / ref[w] if ref.get(w) else float("nan")
    print(f"| {w} | {server} | {r['requests']} | {r['errors']} | {r['rps']:.2f} | {r['p50_ms']:.0f} | "
          f"{r['p99_ms']:.0f} | {ratio:.2f} | {r['server_cpu'] * 100:.0f} % | "
          f"{r['ok'] / (r['server_cpu'] * r['seconds']):.2f} | {r['generator_cpu'] * 100:.0f} % |")
bad = [r for r in rows if r["errors"] or r.get("warmup_errors")]
for r in bad:
    print(f"\n{r['label']}: {r['errors']} errors (+{r.get('warmup_errors', 0)} in warm-up), e.g. {r['error_samples']}")
sys.exit(1 if any(r["errors"] for r in rows) else 0)
EOF
echo
echo "pixform-server renders: ${renders:-?} (coalesced with a render in flight: ${coalesced:-?})"
echo "versions: $server_version; $ipx_version; $thumbor_version"
exit $status
