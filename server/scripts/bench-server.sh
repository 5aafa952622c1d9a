#!/usr/bin/env bash
# Capacity of one pixform-server core on loopback, measured with autocannon (npm), printed as a
# table of medians (docs/server-measurements.md holds a run and how to read it).
#
#   cargo build --release -p pixform-server
#   server/scripts/bench-server.sh                  # RUNS=3 DURATION=10 by default
#
# The server runs on CPU $SERVER_CPU (default 1) with --workers 1, so its numbers are per core;
# autocannon runs on CPU $CLIENT_CPU (default 0). Every run of every scenario gets a fresh server
# and data folder, so each peak RSS (VmHWM) belongs to one scenario.
#
# Columns: req/s, p50/p99 latency (autocannon, whole ms), mean time on the pool per render or
# upload analysis (from /metrics), server CPU (share of one core), server CPU per request, peak RSS.
#
# Scenarios (the source is j5-bridge of benches/corpus, 4352x2448, scaled by the server to a
# 1920x1080 q90 JPEG first, since the corpus has no 1-2 MP JPEG; j7-aitzgorri is also measured as
# stored, 3088x2056 displayed):
#   miss-2mp   ?w=800 of the 2 MP JPEG, --cache-bytes 0 and a distinct `dl` per request, so every
#              request renders (checked: renders counted by /metrics = 2xx answers, no cache hit)
#   miss-6mp   the same of j7 as stored
#   hit-2mp    ?w=800 of the 2 MP JPEG, rendered once, then served by the derived-image cache
#              (checked: cache hits = 2xx answers, no render)
#   upload-sqlite, upload-pg-s3
#              POST of distinct ~100 KB JPEGs (j5 scaled to 1500x844 q85, with a numbered COM
#              segment), default analysis; SQLite + local folder, then PostgreSQL + S3
#              (server/scripts/services.sh: PostgreSQL 15 with fsync off and s3s-fs, both on
#              loopback and unpinned; used when PIXFORM_TEST_DATABASE_URL and PIXFORM_TEST_STORE
#              are set, else started and stopped here)
#
# Settings (env): PIXFORM_SERVER_BIN (default target/release/pixform-server), PIXFORM_CORPUS,
# RUNS (3), DURATION (seconds per measurement, 10), SERVER_CPU (1), CLIENT_CPU (0),
# MISS_CONNECTIONS (4), HIT_CONNECTIONS (32), UPLOAD_CONNECTIONS (8), AUTOCANNON_DIR (a folder
# with autocannon installed; default: installed into the temporary folder), SKIP_PG=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${PIXFORM_SERVER_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/pixform-server}
CORPUS=${PIXFORM_CORPUS:-$ROOT/benches/corpus}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
MISS_CONNECTIONS=${MISS_CONNECTIONS:-4}
HIT_CONNECTIONS=${HIT_CONNECTIONS:-32}
UPLOAD_CONNECTIONS=${UPLOAD_CONNECTIONS:-8}
AUTOCANNON_VERSION=8.0.0
ADMIN=bench-admin-token-0123456789
API=/v2024-06-24

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

[[ -x $BIN ]] || die "no server binary at $BIN (cargo build --release -p pixform-server)"
command -v taskset >/dev/null || die "taskset (util-linux) is needed"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed"
for f in j5-bridge-4352x2448-q90-422-baseline.jpg j7-aitzgorri-orient6-2056x3088-baseline.jpg; do
  [[ -f $CORPUS/$f ]] || die "corpus file $CORPUS/$f missing (set PIXFORM_CORPUS)"
done

WORK=$(mktemp -d /tmp/pixform-bench.XXXXXX)
SERVER_PID=
STARTED_SERVICES=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [[ -n $STARTED_SERVICES ]]; then
    "$ROOT/server/scripts/services.sh" stop "$STARTED_SERVICES" >&2 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

AUTOCANNON_DIR=${AUTOCANNON_DIR:-$WORK/autocannon}
if [[ ! -f $AUTOCANNON_DIR/node_modules/autocannon/package.json ]]; then
  log "installing autocannon $AUTOCANNON_VERSION into $AUTOCANNON_DIR"
  mkdir -p "$AUTOCANNON_DIR"
  npm install --prefix "$AUTOCANNON_DIR" --no-audit --no-fund --silent \
    "autocannon@$AUTOCANNON_VERSION" >&2
fi
export AUTOCANNON_MODULE=$AUTOCANNON_DIR/node_modules/autocannon

# One autocannon measurement; prints one JSON object.
#   load.js get URL CONNECTIONS SECONDS [distinct]
#   load.js upload URL CONNECTIONS SECONDS FILE PROJECT TOKEN
cat >"$WORK/load.js" <<'EOF'
'use strict';
const autocannon = require(process.env.AUTOCANNON_MODULE);
const fs = require('fs');
const [kind, url, connections, seconds, ...rest] = process.argv.slice(2);
const opts = { url, connections: Number(connections), duration: Number(seconds), timeout: 60 };
const path = new URL(url).pathname + new URL(url).search;
let n = 0;
if (kind === 'get' && rest[0] === 'distinct') {
  // A distinct download name per request: a distinct cache key, the same pixel work.
  opts.requests = [{ setupRequest: (req) => ({ ...req, path: `${path}&dl=r${n++}` }) }];
} else if (kind === 'upload') {
  const [file, project, token] = rest;
  const jpeg = fs.readFileSync(file);
  const nonce = `${process.pid}-${Date.now()}`;
  opts.method = 'POST';
  opts.headers = {
    authorization: `Bearer ${token}`,
    'x-sanity-project-id': project,
    'content-type': 'image/jpeg',
  };
  // SOI, then a COM segment with a number: every body is a distinct, valid JPEG.
  opts.requests = [{
    setupRequest: (req) => {
      const text = Buffer.from(`bench ${nonce} ${n++}`);
      const marker = Buffer.from([0xff, 0xfe, 0, 0]);
      marker.writeUInt16BE(text.length + 2, 2);
      return { ...req, body: Buffer.concat([jpeg.subarray(0, 2), marker, text, jpeg.subarray(2)]) };
    },
  }];
}
autocannon(opts, (err, r) => {
  if (err) throw err;
  process.stdout.write(JSON.stringify({
    requests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    rps: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
  }) + '\n');
});
EOF

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_server NAME [flags…]: a fresh server on CPU $SERVER_CPU; sets SERVER_PID, BASE, PROJECT.
start_server() {
  local name=$1
  shift
  local port
  port=$(free_port)
  PROJECT=b$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
  BASE=http://127.0.0.1:$port
  mkdir -p "$WORK/$name"
  taskset -c "$SERVER_CPU" "$BIN" serve --data "$WORK/$name" --listen "127.0.0.1:$port" \
    --admin-token "$ADMIN" --init-project "$PROJECT" --workers 1 "$@" \
    >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    curl -fs "$BASE/health" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || die "server $name exited: $(tail -5 "$WORK/$name.log")"
    sleep 0.1
  done
  die "server $name did not start: $(tail -5 "$WORK/$name.log")"
}

stop_server() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# upload FILE: the CDN path of the uploaded image.
upload() {
  curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H "X-Sanity-Project-ID: $PROJECT" \
    -H 'Content-Type: image/jpeg' --data-binary "@$1" "$BASE$API/assets/images/production" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["document"]["url"].split("/",3)[3])' |
    sed 's|^|/|'
}

metric() { curl -fsS "$BASE/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# measure SCENARIO RUN EXPECT ARGS…: runs load.js on CPU $CLIENT_CPU and appends a JSON line
# with the server's CPU use, peak RSS and what /metrics counted. EXPECT is `renders` (every 2xx
# answer rendered, no hit) or `hits` (every 2xx answer a hit, no render) or `uploads`.
measure() {
  local scenario=$1 run=$2 expect=$3
  shift 3
  local renders0 hits0 ticks0 out renders1 hits1 ticks1 rss
  renders0=$(metric pixform_render_seconds_count)
  hits0=$(metric pixform_cache_hits_total)
  ticks0=$(cpu_ticks)
  out=$(taskset -c "$CLIENT_CPU" node "$WORK/load.js" "$@")
  ticks1=$(cpu_ticks)
  renders1=$(metric pixform_render_seconds_count)
  hits1=$(metric pixform_cache_hits_total)
  rss=$(peak_rss_kib)
  local render_sum render_count
  render_sum=$(metric pixform_render_seconds_sum)
  render_count=$(metric pixform_render_seconds_count)
  python3 - "$scenario" "$run" "$expect" "$3" "$out" "$renders0" "$renders1" "$hits0" "$hits1" \
    "$ticks0" "$ticks1" "$rss" "$render_sum" "$render_count" "$(getconf CLK_TCK)" \
    >>"$WORK/results.jsonl" <<'EOF'
import json, sys
(scenario, run, expect, conns, out, r0, r1, h0, h1, t0, t1, rss, rsum, rcount, tck) = sys.argv[1:]
r = json.loads(out)
renders, hits = int(float(r1) - float(r0)), int(float(h1) - float(h0))
problems = []
if r["non2xx"] or r["errors"] or r["timeouts"]:
    problems.append(f"non-2xx {r['non2xx']}, errors {r['errors']}, timeouts {r['timeouts']}")
# Requests still in flight when autocannon stops are served but not counted: at most one per
# connection.
def counted(n):
    return r["ok"] <= n <= r["ok"] + int(conns)
if expect == "renders" and not (counted(renders) and hits == 0):
    problems.append(f"{r['ok']} answers but {renders} renders and {hits} hits")
if expect == "hits" and not (counted(hits) and renders == 0):
    problems.append(f"{r['ok']} answers but {hits} hits and {renders} renders")
if expect == "uploads" and not counted(renders):
    problems.append(f"{r['ok']} uploads but {renders} analyses")
if problems:
    sys.exit(f"{scenario} run {run}: " + "; ".join(problems))
r.update(scenario=scenario, run=int(run), renders=renders, hits=hits,
         cpu=(int(t1) - int(t0)) / int(tck) / r["seconds"], rss_mib=int(rss) / 1024,
         render_ms=1000 * float(rsum) / max(float(rcount), 1.0) if expect != "hits" else None)
print(json.dumps(r))
EOF
  tail -1 "$WORK/results.jsonl" >&2
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
log "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs: $cpu_model; Linux $(uname -r)"
log "server: $BIN; repo $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
log "autocannon $AUTOCANNON_VERSION on node $(node --version); runs $RUNS x ${DURATION}s"

# The sources, scaled by an unpinned server: the 2 MP render source and the ~100 KB upload.
log "preparing sources with $BIN"
SERVER_CPU=0-$(($(nproc) - 1)) start_server prep
path=$(upload "$CORPUS/j5-bridge-4352x2448-q90-422-baseline.jpg")
curl -fsS -o "$WORK/bridge-1920x1080.jpg" "$BASE$path?w=1920&fm=jpg&q=90"
curl -fsS -o "$WORK/bridge-upload.jpg" "$BASE$path?w=1500&fm=jpg&q=85"
stop_server
SOURCE_2MP=$WORK/bridge-1920x1080.jpg
SOURCE_6MP=$CORPUS/j7-aitzgorri-orient6-2056x3088-baseline.jpg
UPLOAD_BODY=$WORK/bridge-upload.jpg
log "2 MP source: $(stat -c %s "$SOURCE_2MP") B; upload body: $(stat -c %s "$UPLOAD_BODY") B"

render_miss() {
  local scenario=$1 source=$2 run=$3 path
  start_server "$scenario-$run" --cache-bytes 0
  path=$(upload "$source")
  curl -fsS -o /dev/null "$BASE$path?w=800&dl=warm"
  measure "$scenario" "$run" renders get "$BASE$path?w=800" "$MISS_CONNECTIONS" "$DURATION" distinct
  [[ -z $(find "$WORK/$scenario-$run/cache" -type f) ]] || die "--cache-bytes 0 stored entries"
  stop_server
}

render_hit() {
  local run=$1 path
  start_server "hit-2mp-$run"
  path=$(upload "$SOURCE_2MP")
  [[ $(curl -fsS -o /dev/null -w '%header{x-cache}' "$BASE$path?w=800") == MISS ]]
  [[ $(curl -fsS -o /dev/null -w '%header{x-cache}' "$BASE$path?w=800") == HIT ]]
  measure hit-2mp "$run" hits get "$BASE$path?w=800" "$HIT_CONNECTIONS" "$DURATION"
  stop_server
}

upload_rate() {
  local scenario=$1 run=$2
  shift 2
  start_server "$scenario-$run" "$@"
  measure "$scenario" "$run" uploads upload "$BASE$API/assets/images/production" \
    "$UPLOAD_CONNECTIONS" "$DURATION" "$UPLOAD_BODY" "$PROJECT" "$ADMIN"
  stop_server
}

if [[ -z ${SKIP_PG:-} && (-z ${PIXFORM_TEST_DATABASE_URL:-} || -z ${PIXFORM_TEST_STORE:-}) ]]; then
  log "starting PostgreSQL + S3 (server/scripts/services.sh)"
  eval "$("$ROOT/server/scripts/services.sh" start)"
  STARTED_SERVICES=$PIXFORM_SERVICES_DIR
fi

for run in $(seq 1 "$RUNS"); do
  log "run $run of $RUNS"
  render_miss miss-2mp "$SOURCE_2MP" "$run"
  render_miss miss-6mp "$SOURCE_6MP" "$run"
  render_hit "$run"
  upload_rate upload-sqlite "$run"
  if [[ -z ${SKIP_PG:-} ]]; then
    upload_rate upload-pg-s3 "$run" --database "$PIXFORM_TEST_DATABASE_URL" \
      --store "${PIXFORM_TEST_STORE%/}/bench-$PROJECT"
  fi
done

python3 - "$WORK/results.jsonl" "$MISS_CONNECTIONS" "$HIT_CONNECTIONS" "$UPLOAD_CONNECTIONS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
conns = {"miss": sys.argv[2], "hit": sys.argv[3], "upload": sys.argv[4]}
print(f"{'scenario':<14} {'conns':>5} {'runs':>4} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
      f"{'pool ms':>7} {'server CPU':>10} {'CPU ms/req':>10} {'peak RSS MiB':>12}   "
      "req/s of each run")
for scenario in dict.fromkeys(r["scenario"] for r in rows):
    rs = [r for r in rows if r["scenario"] == scenario]
    med = lambda k: statistics.median(r[k] for r in rs)
    render = "-" if rs[0]["render_ms"] is None else f"{med('render_ms'):.1f}"
    cost = statistics.median(1000 * r["cpu"] * r["seconds"] / max(r["requests"], 1) for r in rs)
    print(f"{scenario:<14} {conns[scenario.split('-')[0]]:>5} {len(rs):>4} {med('rps'):>9.1f} "
          f"{med('p50'):>7.0f} {med('p99'):>7.0f} {render:>7} {100 * med('cpu'):>9.0f}% "
          f"{cost:>10.3f} {med('rss_mib'):>12.1f}   " + " ".join(f"{r['rps']:.1f}" for r in rs))
EOF
