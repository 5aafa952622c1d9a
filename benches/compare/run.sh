#!/usr/bin/env bash
# pixform vs sharp, Pillow(-SIMD), vipsthumbnail and ImageMagick on the bench corpus.
#   benches/compare/run.sh [--corpus DIR] [--rounds N] [--cpu N] [--builds LIST] [W1 W2 ...]
# (default: all workloads). --builds is a comma-separated list of pixform builds measured side by
# side in the same run: `default` (Cargo + a C compiler) and feature lists joined by `+`, e.g.
# `--builds default,fast` or `default,fast+heic` (fast needs cmake and nasm). Default: $PIXFORM_FEATURES alone, else `default`.
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
builds=${PIXFORM_FEATURES:-default}
workloads=()
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2;;
    --rounds) rounds=$2; shift 2;;
    --cpu) cpu=$2; shift 2;;
    --builds) builds=$2; shift 2;;
    *) workloads+=("$1"); shift;;
  esac
done
[ -d "$corpus" ] || { echo "corpus directory $corpus missing (--corpus DIR or PIXFORM_CORPUS)" >&2; exit 1; }
. "$here/peers.sh"
peers_install_sharp
peers_install_cli
peers_install_python

# pixform, per build: the CLI, the in-process workload runner and the codec-floor timer, copied
# out of the target directory because every build writes the same paths there. The CLI and the
# codec floor are those of the first build.
build_args=()
IFS=, read -r -a build_list <<<"$builds"
for b in "${build_list[@]}"; do
  features=${b//+/,}; [ "$b" = default ] && features=
  PIXFORM_FEATURES=$features peers_build_pixform --bin pixform --example bench_workload --example codec_floor
  dir="$CARGO_TARGET_DIR/compare-builds/$b"
  mkdir -p "$dir"
  cp "$CARGO_TARGET_DIR/release/pixform" "$CARGO_TARGET_DIR/release/examples/bench_workload" \
    "$CARGO_TARGET_DIR/release/examples/codec_floor" "$dir/"
  build_args+=(--build "$b=$dir/bench_workload")
done
first="$CARGO_TARGET_DIR/compare-builds/${build_list[0]}"

exec python3 "$here/compare.py" --corpus "$corpus" --rounds "$rounds" --cpu "$cpu" --peers-dir "$PEERS_DIR" \
  --pillow-python "$venv/bin/python" --pillow-label "$pillow_label" \
  --pixform-bin "$first/pixform" "${build_args[@]}" \
  --floor-bin "$first/codec_floor" "${workloads[@]}"
