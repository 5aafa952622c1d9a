#!/bin/sh
# Writes the AVIF and HEIC fixtures of testdata/heif/ and their references in
# testdata/reference/heif/ (PNG, decoded by libvips through libheif: dav1d/aom for AV1,
# libde265 for HEVC), all from `sample.jpg` (CC0; see testdata/LICENSES.md).
#
# Usage: sh testdata/make_heif.sh
# Needs: libvips-tools (vips), libavif-bin (avifenc), libheif-examples (heif-enc, x265).
# Debian 12 versions used: libvips 8.14, avifenc 0.11.1 (aom 3.6), heif-enc 1.15.1 (x265 3.5).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/heif"
REF="$HERE/reference/heif"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT" "$REF"

# The seedling in the lower middle of the photo, 96x64 (even sides, for 4:2:0), and 192x128 for
# a 2x2 grid (avifenc wants tiles of at least 64x64).
vips crop "$HERE/sample.jpg" "$TMP/crop.v" 560 420 480 320
vips resize "$TMP/crop.v" "$TMP/rgb.png" 0.2 --kernel lanczos3
vips resize "$TMP/crop.v" "$TMP/big.png" 0.4 --kernel lanczos3
# An alpha ramp, left (opaque) to right (nearly transparent).
vips xyz "$TMP/xy.v" 96 64
vips extract_band "$TMP/xy.v" "$TMP/x.v" 0
vips linear "$TMP/x.v" "$TMP/ramp.v" 2.5 0 --uchar
vips invert "$TMP/ramp.v" "$TMP/a.v"
vips bandjoin "$TMP/rgb.png $TMP/a.v" "$TMP/rgba.png"

avifenc -s 8 --min 20 --max 24 "$TMP/rgb.png" "$OUT/opaque-96x64.avif" >/dev/null
avifenc -s 8 --min 20 --max 24 "$TMP/rgba.png" "$OUT/alpha-96x64.avif" >/dev/null
avifenc -s 8 --min 20 --max 24 -d 10 -y 444 "$TMP/rgb.png" "$OUT/10bit-444-96x64.avif" >/dev/null
# irot 1 (90 degrees anti-clockwise), then imir 0 (axis 0: mirrored left to right).
avifenc -s 8 --min 20 --max 24 --irot 1 --imir 0 "$TMP/rgb.png" "$OUT/irot1-imir0-96x64.avif" >/dev/null
avifenc -s 8 --min 20 --max 24 --irot 3 "$TMP/rgb.png" "$OUT/irot3-96x64.avif" >/dev/null
avifenc -s 8 --min 20 --max 24 -g 2x2 "$TMP/big.png" "$OUT/grid2x2-192x128.avif" >/dev/null
heif-enc -q 60 "$TMP/rgb.png" -o "$OUT/opaque-96x64.heic" >/dev/null
heif-enc -q 60 "$TMP/rgba.png" -o "$OUT/alpha-96x64.heic" >/dev/null
# heif-enc writes the colour description only in the HEVC VUI (BT.601, full range); phones
# also write it as an nclx `colr` box, and irot. heif_props.py adds them as phones do; libheif
# decodes each the same with or without the box.
python3 "$HERE/heif_props.py" "$OUT/opaque-96x64.heic" "$OUT/colr-96x64.heic" --nclx 1,13,6,1
python3 "$HERE/heif_props.py" "$OUT/alpha-96x64.heic" "$OUT/colr-alpha-96x64.heic" --nclx 1,13,6,1
python3 "$HERE/heif_props.py" "$OUT/opaque-96x64.heic" "$OUT/colr-irot1-96x64.heic" --nclx 1,13,6,1 --irot 1
# A clean aperture of 80x48 whose centre is 3 px right of and 2 px above the image centre.
avifenc -s 8 --min 20 --max 24 --clap 80,1,48,1,3,1,-2,1 "$TMP/rgb.png" "$OUT/clap-80x48-of-96x64.avif" >/dev/null
avifenc -s 8 --min 20 --max 24 -d 10 "$TMP/rgb.png" "$OUT/10bit-420-96x64.avif" >/dev/null
vips colourspace "$TMP/rgb.png" "$TMP/grey.png" b-w
avifenc -s 8 --min 20 --max 24 -y 400 "$TMP/grey.png" "$OUT/grey-96x64.avif" >/dev/null

for f in "$OUT"/*; do
    name=$(basename "$f")
    # libvips applies irot/imir (libheif's transformations): the references are upright.
    vips copy "$f" "$REF/$name.png"
done
