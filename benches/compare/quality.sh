#!/usr/bin/env bash
# Output quality of pixform vs libvips (sharp) at the same q: bytes and SSIM against a
# full-precision reference, on the lossy workloads W1 W2 W3 W6 W7 of workloads.json.
#   benches/compare/quality.sh [--corpus DIR] [--channels luma|rgb] [--out-dir DIR] [--pre-encode] [W1 W2 ...]
# Installs what is missing (sharp@0.35.5 via npm, a venv with Pillow(-SIMD) and numpy under
# $PEERS_DIR, see peers.sh), builds the pixform CLI in release mode (PIXFORM_FEATURES honoured),
# then runs quality.py, which prints Markdown tables and exits 1 if any row FAILs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus="${PIXFORM_CORPUS:-$root/benches/corpus}"
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2;;
    --channels|--out-dir) args+=("$1" "$2"); shift 2;;
    *) args+=("$1"); shift;;
  esac
done
[ -d "$corpus" ] || { echo "corpus directory $corpus missing (--corpus DIR or PIXFORM_CORPUS)" >&2; exit 1; }
. "$here/peers.sh"
peers_install_sharp
peers_install_python
peers_pip_install numpy
peers_build_pixform --bin pixform

label="pixform${PIXFORM_FEATURES:+ (features: $PIXFORM_FEATURES)}"
exec "$venv/bin/python" "$here/quality.py" --corpus "$corpus" --peers-dir "$PEERS_DIR" \
  --pixform-bin "$CARGO_TARGET_DIR/release/pixform" --label "$label" "${args[@]}"
