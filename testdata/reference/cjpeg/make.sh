#!/usr/bin/env bash
# libjpeg-turbo's own encodes of two PNG fixtures, for tests/jpeg_encode.rs (pixform's JPEG
# encoder must write exactly these bytes). Needs cjpeg (Debian 12: libjpeg-turbo-progs,
# libjpeg-turbo 2.1.5) and Pillow, which only writes the PNG's RGB channels as a PPM (the
# alpha of the RGBA fixture is dropped, as the encoder ignores it).
#   testdata/reference/cjpeg/make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../../fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ppm() { python3 -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2])" "$1" "$2"; }
ppm "$fixtures/fig-240x160-rgb.png" "$tmp/fig.ppm"
ppm "$fixtures/mars-240x120-rgba.png" "$tmp/mars.ppm"
# The encoder's settings: 4:2:0, optimised Huffman tables, quantisation tables clamped to 8 bits
# (`-baseline`, as the TurboJPEG API and libvips do: at q < 25 tables would otherwise need 16
# bits); sequential or progressive.
enc() { cjpeg -quality "$2" -baseline -sample 2x2 -optimize ${4:+-progressive} "$tmp/$1.ppm" > "$here/$3"; }
enc fig 75 fig-q75.jpg
enc fig 1 fig-q1.jpg
enc fig 100 fig-q100.jpg
enc fig 80 fig-q80-progressive.jpg progressive
enc mars 75 mars-q75.jpg
