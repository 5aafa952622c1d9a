#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (gitignored) with seed inputs taken from testdata/: the URLs and
# queries of the compatibility cases, the test images, the corrupt files and every saved
# regression input. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")"
testdata=../testdata
targets=(query_plan spec_roundtrip url_roundtrip transform jpeg_dc jpeg_decode svg anim_compose)
for t in "${targets[@]}"; do mkdir -p "corpus/$t"; done

# next TARGET: the path of TARGET's next seed. Seeds are numbered in a fixed order, so a
# re-run overwrites the same files (and no subprocess is spawned per seed: there are thousands).
declare -A count
next() {
    count[$1]=$((${count[$1]:-0} + 1))
    seed="corpus/$1/seed-${count[$1]}"
}

urls=$(cat "$testdata"/compat/*.jsonl | grep -o '"\(url\|signed\)":"[^"]*"' | cut -d'"' -f4 | sort -u)
while IFS= read -r url; do
    [ -n "$url" ] || continue
    next url_roundtrip && printf '%s' "$url" >"$seed"
    case "$url" in
    *\?*)
        query=${url#*\?}
        next spec_roundtrip && printf '%s' "$query" >"$seed"
        for size in 300x450 450x300a 1x20000 20000x1 8192x8192; do
            next query_plan && printf '%s?%s' "$size" "$query" >"$seed"
        done
        ;;
    esac
done <<<"$urls"
for id in image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg file-Tb9Ew8CXIwaY6R1kjMvI0uRR-pdf; do
    next url_roundtrip && printf '%s' "$id" >"$seed"
done

# Images (any format the codecs read, plus the corrupt ones) behind a few queries; the
# transform input is `query\nimage bytes`.
while IFS= read -r image; do
    for query in "" "w=64" "w=40&h=40&fit=crop&crop=entropy" "or=90&flip=h&fm=png" "blur=30&sat=-100&fm=webp"; do
        next transform && { printf '%s\n' "$query"; cat "$image"; } >"$seed"
    done
done < <(find "$testdata/" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.gif' \
    -o -iname '*.webp' -o -iname '*.svg' -o -iname '*.avif' -o -iname '*.heic' -o -path '*/bad/*' \) -size -256k | sort)

# SVGs (and the corrupt ones) for the SVG target, behind queries that render them small,
# cropped, rotated and blurred.
while IFS= read -r image; do
    for query in "" "w=48" "w=40&h=40&fit=crop&crop=entropy" "rect=10,10,50,30&or=90&fm=webp" "blur=20&h=64"; do
        next svg && { printf '%s\n' "$query"; cat "$image"; } >"$seed"
    done
done < <(find "$testdata/" -type f \( -iname '*.svg' -o -path '*/bad/*svg*' \) -size -256k | sort)

# Animations (GIF, WebP, PNG/APNG, and the corrupt ones) for frame composition.
while IFS= read -r image; do
    next anim_compose && cp "$image" "$seed"
done < <(find "$testdata/" -type f \( -iname '*.gif' -o -iname '*.webp' -o -iname '*.png' -o -path '*/bad/*gif*' \
    -o -path '*/bad/*webp*' -o -path '*/bad/*png*' \) -size -256k | sort)

# JPEGs for the DC-only decoder, as they are and with a byte appended after the end-of-image
# marker (its parity selects sRGB conversion).
while IFS= read -r image; do
    next jpeg_dc && cp "$image" "$seed"
    next jpeg_dc && { cat "$image"; printf '\n'; } >"$seed"
done < <(find "$testdata/" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) -size -256k | sort)

# JPEGs for the pipeline's decoder behind a selector byte: each at full size, 1/2, 1/4 and 1/8
# (selector 0..=3), and at 1/2 keeping its ICC profile (4 | 1). The bench corpus photos are
# too large for the target's limits and its input length; only small ones are taken.
while IFS= read -r image; do
    for selector in '\000' '\001' '\002' '\003' '\005'; do
        next jpeg_decode && { printf "$selector"; cat "$image"; } >"$seed"
    done
done < <(find "$testdata/" ../benches/corpus/ -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) -size -256k | sort)

# Saved regressions, each into its own target (not their `.expected` outcomes).
for t in "${targets[@]}"; do
    if [ -d "$testdata/fuzz-regressions/$t" ]; then
        while IFS= read -r f; do next "$t" && cp "$f" "$seed"; done < <(find "$testdata/fuzz-regressions/$t" -type f ! -name '*.expected' | sort)
    fi
done

for t in "${targets[@]}"; do
    echo "$t: $(find "corpus/$t" -type f | wc -l) seeds"
done
