#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (gitignored) with seed inputs taken from testdata/: the URLs and
# queries of the compatibility cases, the test images, the corrupt files and every saved
# regression input. Safe to re-run: files are named by content hash.
set -euo pipefail
cd "$(dirname "$0")"
testdata=../testdata
targets=(query_plan spec_roundtrip url_roundtrip transform)
for t in "${targets[@]}"; do mkdir -p "corpus/$t"; done

# add TARGET: stores stdin as one seed of TARGET.
add() {
    local tmp
    tmp=$(mktemp)
    cat >"$tmp"
    mv "$tmp" "corpus/$1/$(sha1sum <"$tmp" | cut -c1-40)"
}

urls=$(cat "$testdata"/compat/*.jsonl | grep -o '"\(url\|signed\)":"[^"]*"' | cut -d'"' -f4 | sort -u)
while IFS= read -r url; do
    [ -n "$url" ] || continue
    printf '%s' "$url" | add url_roundtrip
    case "$url" in
    *\?*)
        query=${url#*\?}
        printf '%s' "$query" | add spec_roundtrip
        for size in 300x450 450x300a 1x20000 20000x1 8192x8192; do
            printf '%s?%s' "$size" "$query" | add query_plan
        done
        ;;
    esac
done <<<"$urls"
printf '%s' "image-Tb9Ew8CXIwaY6R1kjMvI0uRR-2000x3000-jpg" | add url_roundtrip
printf '%s' "file-Tb9Ew8CXIwaY6R1kjMvI0uRR-pdf" | add url_roundtrip

# Images (any format the codecs read, plus the corrupt ones) behind a few queries; the
# transform input is `query\nimage bytes`.
find "$testdata" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.gif' \
    -o -iname '*.webp' -o -path '*/bad/*' \) -size -256k 2>/dev/null | while IFS= read -r image; do
    for query in "" "w=64" "w=40&h=40&fit=crop&crop=entropy" "or=90&flip=h&fm=png" "blur=30&sat=-100&fm=webp"; do
        { printf '%s\n' "$query"; cat "$image"; } | add transform
    done
done

# Saved regressions, each into its own target.
for t in "${targets[@]}"; do
    if [ -d "$testdata/fuzz-regressions/$t" ]; then
        find "$testdata/fuzz-regressions/$t" -type f | while IFS= read -r f; do add "$t" <"$f"; done
    fi
done

for t in "${targets[@]}"; do
    echo "$t: $(find "corpus/$t" -type f | wc -l) seeds"
done
