#!/usr/bin/env bash
# pixform vs sharp, Pillow(-SIMD), vipsthumbnail and ImageMagick on the bench corpus.
#   benches/compare/run.sh [--corpus DIR] [--rounds N] [--cpu N] [W1 W2 ...]   (default: all workloads)
# Installs missing peers (sharp@0.35.5 via npm into $PEERS_DIR, libvips-tools and imagemagick
# via apt-get, Pillow-SIMD via pip into a venv, falling back to Pillow), builds pixform in
# release mode, then runs compare.py. Everything runs single-threaded; do not run it while
# other heavy jobs share the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus="$root/../shared/bench-corpus"
[ -d "$corpus" ] || corpus=/work/shared/bench-corpus
rounds=3
cpu=0
workloads=()
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2;;
    --rounds) rounds=$2; shift 2;;
    --cpu) cpu=$2; shift 2;;
    *) workloads+=("$1"); shift;;
  esac
done
export PEERS_DIR=${PEERS_DIR:-$HOME/.cache/pixform-peers}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
apt_install() { { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >/dev/null 2>&1; }

# sharp (prebuilt libvips) from npm.
if ! (cd "$PEERS_DIR/node" 2>/dev/null && node -e "require('sharp')") >/dev/null 2>&1; then
  echo "installing sharp@0.35.5 into $PEERS_DIR/node" >&2
  mkdir -p "$PEERS_DIR/node"
  (cd "$PEERS_DIR/node" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund sharp@0.35.5 >/dev/null)
fi
# vipsthumbnail and ImageMagick from Debian.
command -v vipsthumbnail >/dev/null || { echo "installing libvips-tools" >&2; apt_install libvips-tools || true; }
if ! convert -version 2>/dev/null | grep -q ImageMagick; then
  echo "installing imagemagick" >&2; apt_install imagemagick || true
  hash -r
  # A stand-in `convert` earlier on PATH would shadow the real one.
  [ -x /usr/bin/convert ] && export PATH="/usr/bin:$PATH"
fi
# Pillow-SIMD (built from source: needs the libjpeg/zlib/libwebp headers), else Pillow.
venv="$PEERS_DIR/py"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL" 2>/dev/null; then
  python3 -m venv "$venv"
  echo "installing Pillow-SIMD (falls back to Pillow)" >&2
  apt_install libjpeg-dev zlib1g-dev libwebp-dev build-essential python3-dev || true
  if "$venv/bin/pip" install -q pillow-simd >/dev/null 2>&1; then echo "Pillow-SIMD" > "$venv/label"
  else "$venv/bin/pip" install -q pillow >/dev/null; echo "Pillow (Pillow-SIMD failed to build)" > "$venv/label"; fi
fi
pillow_label="$(cat "$venv/label" 2>/dev/null || echo Pillow) $("$venv/bin/python" -c 'import PIL; print(PIL.__version__)')"

# pixform: the CLI, the in-process workload runner and the codec-floor timer.
(cd "$root" && cargo build -q --release ${PIXFORM_FEATURES:+--features "$PIXFORM_FEATURES"} --bin pixform --example bench_workload --example codec_floor)
bench_bin="$CARGO_TARGET_DIR/release/examples/bench_workload"

exec python3 "$here/compare.py" --corpus "$corpus" --rounds "$rounds" --cpu "$cpu" --peers-dir "$PEERS_DIR" \
  --pillow-python "$venv/bin/python" --pillow-label "$pillow_label" \
  --pixform-bin "$CARGO_TARGET_DIR/release/pixform" --bench-bin "$bench_bin" \
  --floor-bin "$CARGO_TARGET_DIR/release/examples/codec_floor" "${workloads[@]}"
