#!/usr/bin/env bash
# Runs a command with a throwaway MinIO server (S3-compatible) for tests:
#   scripts/with-minio.sh CMD [ARGS...]
#
# The server listens only on 127.0.0.1 (a free port), keeps its data in a
# temporary folder, and is stopped and deleted when CMD ends, however it
# ends. A bucket is created first. CMD sees
#   AWS_ENDPOINT_URL=http://127.0.0.1:PORT   AWS_REGION=us-east-1
#   AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=... (random for this run)
#   FRESHET_TEST_S3_BUCKET=freshet-test
# and its exit status is this script's.
#
# MinIO is built from source with `go install` from the Go module proxy the
# first time (a few minutes, ~2 GB of RAM) and cached under
# ~/.cache/freshet/minio/<version>/; FRESHET_MINIO_BIN=PATH uses another binary.
# The pinned version is the last commit of MinIO's community repository,
# which is archived and ships no binaries any more.
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

bin=${FRESHET_MINIO_BIN:-}
if [[ -z $bin ]]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/freshet/minio/$MINIO_VERSION
  bin=$cache/minio
  if [[ ! -x $bin ]]; then
    command -v go >/dev/null || { echo "with-minio: Go is needed to build MinIO" >&2; exit 1; }
    echo "with-minio: building MinIO $MINIO_VERSION with go install (once; takes minutes)" >&2
    mkdir -p "$cache"
    gobin=$(mktemp -d "$cache/build.XXXXXX")
    if ! GOBIN=$gobin GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$MINIO_VERSION" \
      >"$cache/build.log" 2>&1; then
      echo "with-minio: the build failed; its log:" >&2
      tail -n 30 "$cache/build.log" >&2
      rm -rf "$gobin"
      exit 1
    fi
    mv "$gobin/minio" "$bin"
    rm -rf "$gobin"
  fi
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/freshet-minio.XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

user="freshet-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
password="pw-$(od -An -N15 -tx1 /dev/urandom | tr -d ' \n')"
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port can be taken between the check and the start: try a few.
started=0
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  console=$((port + 1))
  port_is_free "$port" && port_is_free "$console" || continue
  # MINIO_DOMAIN lets tests use virtual-host addressing (BUCKET.localhost).
  MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_DOMAIN=localhost \
    MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=on \
    "$bin" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
    "$tmp/data" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    if curl -sf "http://127.0.0.1:$port/minio/health/ready" >/dev/null 2>&1; then
      started=1
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  ((started)) && break
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
done
if ((!started)); then
  echo "with-minio: the server did not start; its log:" >&2
  cat "$tmp/server.log" >&2 || true
  exit 1
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=$user
export AWS_SECRET_ACCESS_KEY=$password
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_PROFILE || true
export FRESHET_TEST_S3_BUCKET=freshet-test

# Create the bucket with curl's own SigV4 signing. A server that reports
# ready may still answer 503 (XMinioServerNotInitialized) for a moment on a
# loaded machine: retry that for up to 30 s.
for _ in $(seq 1 300); do
  code=$(curl -s -o "$tmp/mb.out" -w '%{http_code}' -X PUT \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$user:$password" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "$AWS_ENDPOINT_URL/$FRESHET_TEST_S3_BUCKET")
  [[ $code == 503 ]] || break
  sleep 0.1
done
if [[ $code != 200 ]]; then
  echo "with-minio: creating the bucket failed (HTTP $code):" >&2
  cat "$tmp/mb.out" >&2
  exit 1
fi

echo "with-minio: MinIO ${MINIO_VERSION} on 127.0.0.1:$port, bucket $FRESHET_TEST_S3_BUCKET" >&2
set +e
"$@"
status=$?
set -e
exit $status
