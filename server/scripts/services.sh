#!/usr/bin/env bash
# The scale-out backends for pixform-server's tests, on loopback, in a temporary folder:
# a real PostgreSQL 15 and an S3-protocol server that honours conditional puts.
#
#   eval "$(server/scripts/services.sh start)"    # installs what is missing, starts, prints exports
#   server/scripts/services.sh stop "$PIXFORM_SERVICES_DIR"
#
# or, from bash: `source server/scripts/services.sh; pixform_services_start; …; pixform_services_stop`.
#
# Exports: PIXFORM_TEST_DATABASE_URL (postgres://…), PIXFORM_TEST_STORE (s3://bucket/prefix),
# PIXFORM_TEST_S3_ENDPOINT, PIXFORM_TEST_S3_BUCKET, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP=true, PIXFORM_SERVICES_DIR (state, logs), and
# with s3s-fs PIXFORM_TEST_S3_FS_ROOT (the folder holding the bucket's objects as files).
#
# Settings (env): PIXFORM_S3_SERVER = s3s-fs (default: a Rust binary, objects on disk, 0.14.1 is
# the last release that builds on rustc 1.95) or moto (Python, in memory). Both honour
# `If-None-Match: *`; the start checks it every time, because object_store depends on it.
# Progress and timings go to stderr; stdout carries only the exports.

PIXFORM_PG_BIN=${PIXFORM_PG_BIN:-/usr/lib/postgresql/15/bin}
PIXFORM_S3S_FS_VERSION=0.14.1
PIXFORM_MOTO_VERSION=5.2.5

_pixform_log() { echo "services: $*" >&2; }

# A port nobody listens on now. Another process could take it before we bind; the servers below
# then fail to start and the start reports it.
_pixform_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Wait until a TCP port answers, at most $2 seconds.
_pixform_wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

_pixform_install_postgres() {
  [[ -x $PIXFORM_PG_BIN/initdb && -x $PIXFORM_PG_BIN/pg_ctl && -x $PIXFORM_PG_BIN/psql ]] && return 0
  _pixform_log "installing postgresql-15 from Debian"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2 || return 1
  # The package may create and start a cluster of its own on port 5432: the tests use theirs.
  if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql/15/main ]]; then
    pg_ctlcluster 15 main stop >&2 2>/dev/null || true
  fi
}

_pixform_start_postgres() {
  local dir=$1 port
  _pixform_install_postgres || return 1
  port=$(_pixform_free_port)
  mkdir -p "$dir/pg" "$dir/pg-sock"
  chown postgres: "$dir/pg" "$dir/pg-sock"
  # Local socket: trust (only the postgres user can reach the folder); TCP: password.
  printf 'pixform-test-superuser\n' >"$dir/pg-pw"
  chown postgres: "$dir/pg-pw"
  runuser -u postgres -- "$PIXFORM_PG_BIN/initdb" -D "$dir/pg/data" -U postgres -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pg-pw" --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  # Throwaway data: durability settings off make the suites faster and change no behaviour.
  runuser -u postgres -- "$PIXFORM_PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg-sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$dir/pg/postgres.log" >&2; return 1; }
  echo "$port" >"$dir/pg-port"
  "$PIXFORM_PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h "$dir/pg-sock" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE pixform LOGIN CREATEDB PASSWORD 'pixform'" \
    -c "CREATE DATABASE pixform OWNER pixform" >&2 || return 1
  export PIXFORM_TEST_DATABASE_URL="postgres://pixform:pixform@127.0.0.1:$port/pixform"
}

_pixform_start_s3() {
  local dir=$1 kind=${PIXFORM_S3_SERVER:-s3s-fs} port
  port=$(_pixform_free_port)
  export AWS_ACCESS_KEY_ID=pixformtest AWS_SECRET_ACCESS_KEY=pixformtestsecret AWS_REGION=us-east-1
  case $kind in
    s3s-fs)
      command -v s3s-fs >/dev/null || {
        _pixform_log "installing s3s-fs $PIXFORM_S3S_FS_VERSION from crates.io"
        cargo install s3s-fs --version "$PIXFORM_S3S_FS_VERSION" --features binary --locked >&2 || return 1
      }
      mkdir -p "$dir/s3"
      setsid s3s-fs --host 127.0.0.1 --port "$port" --access-key "$AWS_ACCESS_KEY_ID" \
        --secret-key "$AWS_SECRET_ACCESS_KEY" "$dir/s3" >"$dir/s3.log" 2>&1 </dev/null &
      echo $! >"$dir/s3.pid"
      export PIXFORM_TEST_S3_FS_ROOT="$dir/s3"
      ;;
    moto)
      command -v moto_server >/dev/null || {
        _pixform_log "installing moto[server] $PIXFORM_MOTO_VERSION from PyPI"
        python3 -m pip install -q "moto[server]==$PIXFORM_MOTO_VERSION" >&2 || return 1
        hash -r
      }
      setsid moto_server -H 127.0.0.1 -p "$port" >"$dir/s3.log" 2>&1 </dev/null &
      echo $! >"$dir/s3.pid"
      ;;
    *) _pixform_log "PIXFORM_S3_SERVER=$kind: expected s3s-fs or moto"; return 1 ;;
  esac
  _pixform_wait_port "$port" 60 || { _pixform_log "$kind did not listen on $port"; cat "$dir/s3.log" >&2; return 1; }
  local endpoint="http://127.0.0.1:$port" bucket=pixform-test
  # Path-style bucket creation, signed as any S3 client would.
  local code
  code=$(curl -sS -o "$dir/mkbucket.out" -w '%{http_code}' --max-time 10 -X PUT \
    --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$endpoint/$bucket")
  [[ $code == 200 ]] || { _pixform_log "creating bucket $bucket: HTTP $code"; cat "$dir/mkbucket.out" >&2; return 1; }
  "$(dirname "${BASH_SOURCE[0]}")/s3-conditional-put-check.sh" "$endpoint" "$bucket" >&2 ||
    { _pixform_log "$kind does not honour If-None-Match: * (object_store needs it)"; return 1; }
  export PIXFORM_TEST_S3_ENDPOINT=$endpoint PIXFORM_TEST_S3_BUCKET=$bucket
  export PIXFORM_TEST_STORE="s3://$bucket/pixform"
  export AWS_ENDPOINT_URL=$endpoint AWS_ALLOW_HTTP=true
}

# Start both services and export the variables above into the calling shell.
pixform_services_start() {
  local dir t0=$SECONDS
  dir=$(mktemp -d /tmp/pixform-services.XXXXXX) || return 1
  chmod 755 "$dir"
  export PIXFORM_SERVICES_DIR=$dir
  _pixform_start_postgres "$dir" || { pixform_services_stop; return 1; }
  _pixform_log "PostgreSQL ready on $PIXFORM_TEST_DATABASE_URL after $((SECONDS - t0)) s"
  local t1=$SECONDS
  _pixform_start_s3 "$dir" || { pixform_services_stop; return 1; }
  _pixform_log "S3 (${PIXFORM_S3_SERVER:-s3s-fs}) ready on $PIXFORM_TEST_S3_ENDPOINT after $((SECONDS - t1)) s"
}

# Stop both services and remove their folder. Safe to call twice or after a failed start.
pixform_services_stop() {
  local dir=${1:-${PIXFORM_SERVICES_DIR:-}}
  [[ -n $dir && -d $dir ]] || return 0
  if [[ -f $dir/s3.pid ]]; then
    local pid
    pid=$(cat "$dir/s3.pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  if [[ -f $dir/pg/data/postmaster.pid ]]; then
    runuser -u postgres -- "$PIXFORM_PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >&2 || true
  fi
  rm -rf "$dir"
  [[ ${PIXFORM_SERVICES_DIR:-} != "$dir" ]] || unset PIXFORM_SERVICES_DIR
}

# Executed rather than sourced: a small command line.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  case ${1:-} in
    start)
      pixform_services_start
      for v in PIXFORM_SERVICES_DIR PIXFORM_TEST_DATABASE_URL PIXFORM_TEST_STORE PIXFORM_TEST_S3_ENDPOINT \
        PIXFORM_TEST_S3_BUCKET PIXFORM_TEST_S3_FS_ROOT AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID \
        AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ALLOW_HTTP; do
        if [[ -n ${!v:-} ]]; then printf 'export %s=%q\n' "$v" "${!v}"; fi
      done
      ;;
    stop) pixform_services_stop "${2:?the folder printed as PIXFORM_SERVICES_DIR}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
  esac
fi
