#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 45) with the registry dictionary
# and the seed corpus; exits non-zero on the first crash, leak, timeout or OOM.
#   fuzz/run_ci.sh [SECONDS] [TARGET...]
# Stats (executions per target) are printed at the end and kept in fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-45}
shift || true
# Fuzz builds use their own target directory, never a shared one.
unset CARGO_TARGET_DIR
build=(-s none --target-dir target)

cargo fuzz build "${build[@]}"
./seed.sh >/dev/null
mkdir -p logs
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
status=0
for t in "${targets[@]}"; do
    case "$t" in
    # Whole images, SVG text and animations, up to the targets' 256 KiB input limit; any
    # single allocation above 512 MiB is a failure.
    transform | svg | anim_compose) extra=(-max_len=262144 -malloc_limit_mb=512 -rss_limit_mb=2048) ;;
    # One JPEG behind a selector byte: the small test files with room to grow, 1 MP at most.
    jpeg_decode) extra=(-max_len=65536 -malloc_limit_mb=256 -rss_limit_mb=1024) ;;
    *) extra=(-max_len=8192 -malloc_limit_mb=256 -rss_limit_mb=1024) ;;
    esac
    log="logs/$t-$(date -u +%Y%m%dT%H%M%SZ).log"
    echo "== $t (${seconds}s) → $log"
    if ! cargo fuzz run "${build[@]}" "$t" -- -dict=pixform.dict -max_total_time="$seconds" \
        -timeout=10 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
        status=1
        echo "!! $t failed; see $log and artifacts/$t/"
        tail -n 40 "$log"
    fi
    grep -E 'stat::number_of_executed_units' "$log" | sed "s/^/$t: /" || true
done
exit $status
