# Peer installation and the pixform release build, shared by run.sh and quality.sh.
# Source it (`. "$here/peers.sh"`) after setting `root` (the repository); it sets PEERS_DIR
# (default ~/.cache/pixform-peers) and CARGO_TARGET_DIR (default $root/target) and defines:
#   peers_install_sharp       sharp@0.35.5 (prebuilt libvips) via npm into $PEERS_DIR/node
#   peers_install_cli         vipsthumbnail (libvips-tools) and ImageMagick via apt-get
#   peers_install_python      a venv at $PEERS_DIR/py with Pillow-SIMD, falling back to Pillow;
#                             sets `venv` and `pillow_label`
#   peers_pip_install PKG...  pip-installs PKG into that venv when it cannot import them
#   peers_build_pixform T...  cargo build --release of the targets T (`--bin pixform`, …),
#                             honouring PIXFORM_FEATURES (e.g. `fast`)
# Each step installs only what is missing, so a second run touches no network.
export PEERS_DIR=${PEERS_DIR:-$HOME/.cache/pixform-peers}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

apt_install() { { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >/dev/null 2>&1; }

peers_install_sharp() {
  if ! (cd "$PEERS_DIR/node" 2>/dev/null && node -e "require('sharp')") >/dev/null 2>&1; then
    echo "installing sharp@0.35.5 into $PEERS_DIR/node" >&2
    mkdir -p "$PEERS_DIR/node"
    (cd "$PEERS_DIR/node" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund sharp@0.35.5 >/dev/null)
  fi
}

peers_install_cli() {
  command -v vipsthumbnail >/dev/null || { echo "installing libvips-tools" >&2; apt_install libvips-tools || true; }
  if ! convert -version 2>/dev/null | grep -q ImageMagick; then
    echo "installing imagemagick" >&2; apt_install imagemagick || true
    hash -r
    # A stand-in `convert` earlier on PATH would shadow the real one.
    if [ -x /usr/bin/convert ]; then export PATH="/usr/bin:$PATH"; fi
  fi
}

peers_install_python() {
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
}

peers_pip_install() {
  local p
  for p in "$@"; do
    if ! "$venv/bin/python" -c "import $p" 2>/dev/null; then
      echo "installing $p into $venv" >&2
      "$venv/bin/pip" install -q "$p" >/dev/null
    fi
  done
}

peers_build_pixform() {
  (cd "$root" && cargo build -q --release ${PIXFORM_FEATURES:+--features "$PIXFORM_FEATURES"} "$@")
}

# The image servers of serve.sh, each in its own folder so their pins do not meet sharp@0.35.5:
#   peers_install_ipx         ipx@3.1.1 (unjs, on sharp@0.34.5) via npm into $PEERS_DIR/ipx;
#                             sets `ipx_bin`
#   peers_install_thumbor     a venv at $PEERS_DIR/thumbor with thumbor==7.8.0 (on Pillow);
#                             sets `thumbor_venv`
peers_install_ipx() {
  ipx_bin="$PEERS_DIR/ipx/node_modules/.bin/ipx"
  if ! (cd "$PEERS_DIR/ipx" 2>/dev/null && node -e "require('sharp')" && [ -x "$ipx_bin" ]) >/dev/null 2>&1; then
    echo "installing ipx@3.1.1 (sharp@0.34.5) into $PEERS_DIR/ipx" >&2
    mkdir -p "$PEERS_DIR/ipx"
    (cd "$PEERS_DIR/ipx" && { [ -f package.json ] || npm init -y >/dev/null; } &&
      npm install --no-audit --no-fund ipx@3.1.1 sharp@0.34.5 >/dev/null)
  fi
}

peers_install_thumbor() {
  thumbor_venv="$PEERS_DIR/thumbor"
  if [ ! -x "$thumbor_venv/bin/thumbor" ]; then
    echo "installing thumbor==7.8.0 into $thumbor_venv" >&2
    python3 -m venv "$thumbor_venv"
    "$thumbor_venv/bin/pip" install -q thumbor==7.8.0 >/dev/null
  fi
}
