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
corpus="${PIXFORM_CORPUS:-$root/benches/corpus}"
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
[ -d "$corpus" ] || { echo "corpus directory $corpus missing (--corpus DIR or PIXFORM_CORPUS)" >&2; exit 1; }
. "$here/peers.sh"
peers_install_sharp
peers_install_cli
peers_install_python

# pixform: the CLI, the in-process workload runner and the codec-floor timer.
peers_build_pixform --bin pixform --example bench_workload --example codec_floor
bench_bin="$CARGO_TARGET_DIR/release/examples/bench_workload"

exec python3 "$here/compare.py" --corpus "$corpus" --rounds "$rounds" --cpu "$cpu" --peers-dir "$PEERS_DIR" \
  --pillow-python "$venv/bin/python" --pillow-label "$pillow_label" \
  --pixform-bin "$CARGO_TARGET_DIR/release/pixform" --bench-bin "$bench_bin" \
  --floor-bin "$CARGO_TARGET_DIR/release/examples/codec_floor" "${workloads[@]}"
