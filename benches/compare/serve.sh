#!/usr/bin/env bash
# Server throughput: pixform-server, ipx and thumbor serve the corpus JPEGs from local disk, each
# pinned to one core with one render at a time and no derived-image cache, under the same
# closed-loop load (serve_load.py, pinned to another core). Prints a Markdown table.
#
#   serve.sh [--corpus DIR] [--concurrency 4] [--seconds 20] [--requests 100000] [--warmup 8]
#            [--server-cpu 0] [--load-cpu 1] [W1|W3 …]
#
# The corpus is --corpus DIR, else PIXFORM_CORPUS, else benches/corpus; only its j*.jpg files.
# Peers are installed on first use (peers.sh); pixform-server is built with
# `cargo build --release -p pixform-server` (PIXFORM_FEATURES=fast builds pixform/fast).
# Exit status 1 when any timed request failed its check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

corpus=${PIXFORM_CORPUS:-$root/benches/corpus}
concurrency=4 seconds=20 requests=100000 warmup=8 server_cpu=0 load_cpu=1
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
    W1|W3) workloads+=("$1"); shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
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

# --- pixform-server: the corpus uploaded through the Sanity Assets API, then its CDN URLs.
port=$(free_port)
base="http://127.0.0.1:$port"
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
echo "pixform-server on $base (cache off, 1 worker, cpu $server_cpu)" >&2
taskset -c "$server_cpu" "$server_bin" --listen "127.0.0.1:$port" --data "$work/pixform-data" \
  --admin-token "$token" --init-project bench --workers 1 --cache-bytes 0 \
  >"$work/pixform.log" 2>&1 &
server_pid=$!
wait_for "$base/health" "$work/pixform.log"
: >"$work/pixform.urls"
for f in "${files[@]}"; do
  curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: image/jpeg" \
    --data-binary "@$corpus/$f" "$base/v1/projects/bench/assets/images/production?filename=$f" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["document"]["url"])' >>"$work/pixform.urls"
done
for w in "${workloads[@]}"; do
  IFS='|' read -r query _ <<<"${spec[$w]}"
  sed "s|\$|?$query|" "$work/pixform.urls" >"$work/urls"
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
print("| workload | server | requests | errors | req/s | p50 ms | p99 ms | req/s ÷ pixform-server | server core CPU | load core CPU |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
ref = {}
for r in rows:
    w, server = r["label"].split(" ", 1)
    if server == "pixform-server":
        ref[w] = r["rps"]
    ratio = r["rps"] / ref[w] if ref.get(w) else float("nan")
    print(f"| {w} | {server} | {r['requests']} | {r['errors']} | {r['rps']:.2f} | {r['p50_ms']:.0f} | "
          f"{r['p99_ms']:.0f} | {ratio:.2f} | {r['server_cpu'] * 100:.0f} % | {r['generator_cpu'] * 100:.0f} % |")
bad = [r for r in rows if r["errors"] or r.get("warmup_errors")]
for r in bad:
    print(f"\n{r['label']}: {r['errors']} errors (+{r.get('warmup_errors', 0)} in warm-up), e.g. {r['error_samples']}")
sys.exit(1 if any(r["errors"] for r in rows) else 0)
EOF
echo
echo "pixform-server renders: ${renders:-?} (coalesced with a render in flight: ${coalesced:-?})"
echo "versions: $server_version; $ipx_version; $thumbor_version"
exit $status
