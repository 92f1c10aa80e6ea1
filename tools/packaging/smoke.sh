#!/bin/bash
# Run inside a root that never saw the build (package-check, image-check): specgate --version, lint, mock answering.
# Usage: smoke.sh SPEC  (specgate on PATH; bash's /dev/tcp instead of curl, so the root needs nothing else)
set -euo pipefail
spec=${1:?usage: smoke.sh SPEC}
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

echo "== specgate --version"
specgate --version | tee /tmp/smoke.version
grep -Eq '^specgate [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]+|unknown), ' /tmp/smoke.version || fail "unexpected --version"

echo "== specgate lint $spec"
specgate lint "$spec"

# GET PORT PATH: prints the HTTP status line and the body.
get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}

# start_mock LOG ARGS...: starts `specgate mock` on a free port, waits for its "listening on" line, sets PORT and PID.
start_mock() {
  local log=$1; shift
  specgate mock --host 127.0.0.1 --port 0 "$@" >"$log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$PORT" ] && { cat "$log"; return 0; }
    kill -0 "$PID" 2>/dev/null || { cat "$log"; fail "mock exited"; }
    sleep 0.1
  done
  cat "$log"; kill "$PID"; fail "mock did not report listening within 10 s"
}

echo "== specgate mock --spec $spec: GET /hello/world"
start_mock /tmp/smoke.mock1 --spec "$spec"
reply=$(get "$PORT" /hello/world); kill "$PID"; wait "$PID" || true
echo "$reply"
head -1 <<<"$reply" | grep -q '^HTTP/1.1 200' || fail "GET /hello/world: not 200"
grep -q '"message"' <<<"$reply" || fail "GET /hello/world: no message in the body"

echo "== specgate mock (embedded Kibana contract): GET /__specgate/health"
start_mock /tmp/smoke.mock2
reply=$(get "$PORT" /__specgate/health); kill "$PID"; wait "$PID" || true
echo "$reply"
head -1 <<<"$reply" | grep -q '^HTTP/1.1 200' || fail "health: not 200"
echo "smoke: OK"
