#!/usr/bin/env bash
# pixform-server's suites beyond the root `cargo test` (which runs them on SQLite and a local
# folder): the official Sanity JS clients against the binary on SQLite + local, then PostgreSQL 15
# and an S3 server started here, the Rust suite and the JS suite against them. A PostgreSQL + S3
# suite that ran no test, or skipped one, fails the run; the services stop on any exit.
#
# Usage: server/scripts/ci-server-suites.sh [--skip-rust-pg]
#   (from anywhere; needs cargo, node, npm, curl, python3, and root for apt-get and for running
#   PostgreSQL as the `postgres` user). --skip-rust-pg leaves out the Rust suite on PostgreSQL +
#   S3, and says so.
set -euo pipefail
rust_pg=1
case ${1:-} in
  --skip-rust-pg) rust_pg=0 ;;
  "") ;;
  *) echo "usage: $0 [--skip-rust-pg]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
root=$PWD
t0=$SECONDS
step() { echo "== server suites: $* (at $((SECONDS - t0)) s)"; }
logs=$(mktemp -d /tmp/pixform-ci.XXXXXX)
trap 'rm -rf "$logs"' EXIT

# The closing lines of node's TAP reporter: every count present, at least one pass, nothing
# failed, cancelled, skipped or left to do.
check_tap() {
  local tap=$1 what=$2 key n
  for key in pass fail cancelled skipped todo; do
    n=$(sed -n "s/^# $key \([0-9]*\)$/\1/p" "$tap" | tail -1)
    [[ -n $n ]] || { echo "$what: no '# $key' line in $tap" >&2; return 1; }
    case $key in
      pass) ((n > 0)) || { echo "$what: no test passed" >&2; return 1; } ;;
      *) ((n == 0)) || { echo "$what: $n $key" >&2; return 1; } ;;
    esac
  done
}

js_suite() {
  local what=$1 tap=$logs/$2.tap
  (cd server/tests/js && node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap")
  check_tap "$tap" "$what"
}

step "npm ci (server/tests/js)"
(cd server/tests/js && npm ci --no-audit --no-fund)

# The server's integration tests by name, without -p: the packages stay the default members, so
# features unify as in the root `cargo test` and its build is reused as it is (with -p, or with
# `cargo build`, dependencies would build again with other features). The binary they run is the
# one the JS suite runs.
server_tests=()
for f in server/tests/*.rs; do server_tests+=(--test "$(basename "$f" .rs)"); done
step "building the server's tests and binary"
cargo test "${server_tests[@]}" --no-run
export PIXFORM_SERVER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/pixform-server"

step "JS suite: SQLite + local folder"
(
  unset PIXFORM_TEST_DATABASE_URL PIXFORM_TEST_STORE PIXFORM_TEST_REQUIRE_EXTERNAL
  js_suite "JS suite (SQLite + local)" js-sqlite
)

step "starting PostgreSQL 15 and the S3 server"
# shellcheck source=services.sh
source server/scripts/services.sh
trap 'pixform_services_stop; rm -rf "$logs"' EXIT
pixform_services_start

if ((rust_pg)); then
  step "Rust suite: PostgreSQL + S3"
  cargo test "${server_tests[@]}" --no-fail-fast 2>&1 | tee "$logs/rust-pg.log"
  passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$logs/rust-pg.log" | awk '{s += $1} END {print s + 0}')
  ((passed > 0)) || { echo "Rust suite on PostgreSQL + S3: no test passed" >&2; exit 1; }
  # The suite must have used the services, not quietly the defaults: its schema is in the
  # database and its objects are in the bucket.
  tables=$("$PIXFORM_PG_BIN/psql" "$PIXFORM_TEST_DATABASE_URL" -Atc \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
  objects=0
  if [[ -n ${PIXFORM_TEST_S3_FS_ROOT:-} ]]; then
    objects=$(find "$PIXFORM_TEST_S3_FS_ROOT/$PIXFORM_TEST_S3_BUCKET/pixform" -type f 2>/dev/null | wc -l)
  else
    objects=$(curl -sS --max-time 10 --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
      --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
      "$AWS_ENDPOINT_URL/$PIXFORM_TEST_S3_BUCKET?list-type=2&prefix=pixform/" | grep -o '<Key>' | wc -l || true)
  fi
  echo "Rust suite on PostgreSQL + S3: $passed passed; $tables tables in the database, $objects objects in the bucket"
  ((tables > 0)) || { echo "the Rust suite created no table in PostgreSQL" >&2; exit 1; }
  ((objects > 0)) || { echo "the Rust suite stored no object in the bucket" >&2; exit 1; }
else
  step "Rust suite: PostgreSQL + S3: NOT RUN (--skip-rust-pg)"
fi

step "JS suite: PostgreSQL + S3"
PIXFORM_TEST_REQUIRE_EXTERNAL=1 js_suite "JS suite (PostgreSQL + S3)" js-pg-s3

step "done"
