#!/usr/bin/env bash
# Soak (`make soak`, not in CI): SOAK_SECONDS (default 600) of mixed traffic (bench/soak_client.py)
# against the mock and, at the same time, against the proxy in front of a second mock; SIGHUP reloads
# both mocks every 30 s; resident memory sampled every SOAK_SAMPLE seconds; prints crashes, wrong
# answers and the RSS slope after warm-up (the first quarter). SOAK_THREADS (4) client threads per
# target, SOAK_PAUSE_MS (0) between each thread's requests. Exit 1 on a crash or a wrong answer.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SPECGATE:-$ROOT/build/specgate}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
SAMPLE=${SOAK_SAMPLE:-5}
THREADS=${SOAK_THREADS:-4}
PAUSE_MS=${SOAK_PAUSE_MS:-0}  # per thread between requests (0 = flat out)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start() {  # name args... -> starts specgate, waits for its port; sets STARTED_PID and STARTED_PORT
  local name=$1; shift
  "$BIN" "$@" --port 0 --quiet 2>"$WORK/$name.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 200); do
    STARTED_PORT=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$WORK/$name.err" | head -1)
    [[ -n $STARTED_PORT ]] && return 0
    sleep 0.05
  done
  echo "soak: $name did not start:" >&2; cat "$WORK/$name.err" >&2; exit 1
}

start mock mock
MOCK_PID=$STARTED_PID; MOCK_PORT=$STARTED_PORT
start upstream mock
UP_PID=$STARTED_PID; UP_PORT=$STARTED_PORT
start proxy proxy --upstream "http://127.0.0.1:$UP_PORT"
PROXY_PID=$STARTED_PID; PROXY_PORT=$STARTED_PORT
echo "soak: ${SECONDS_TOTAL}s; mock :$MOCK_PORT (pid $MOCK_PID), proxy :$PROXY_PORT (pid $PROXY_PID) -> mock :$UP_PORT"

python3 "$ROOT/bench/soak_client.py" "$MOCK_PORT" "$SECONDS_TOTAL" "$ROOT/spec/kibana.yaml" "$THREADS" "$PAUSE_MS" \
  >"$WORK/mock.result" &
CLIENT_MOCK=$!
python3 "$ROOT/bench/soak_client.py" "$PROXY_PORT" "$SECONDS_TOTAL" "$ROOT/spec/kibana.yaml" "$THREADS" "$PAUSE_MS" \
  >"$WORK/proxy.result" &
CLIENT_PROXY=$!

# Sample RSS (KiB) of the mock and the proxy; reload both mocks every 30 s.
start_s=$(date +%s); next_reload=$((start_s + 30)); reloads=0
while kill -0 "$CLIENT_MOCK" 2>/dev/null || kill -0 "$CLIENT_PROXY" 2>/dev/null; do
  now=$(date +%s)
  for who in mock:$MOCK_PID proxy:$PROXY_PID; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/${who#*:}/status" 2>/dev/null || echo 0)
    echo "$((now - start_s)) $rss" >>"$WORK/${who%%:*}.rss"
  done
  if (( now >= next_reload )); then
    kill -HUP "$MOCK_PID" "$UP_PID" 2>/dev/null || true
    reloads=$((reloads + 1)); next_reload=$((next_reload + 30))
  fi
  sleep "$SAMPLE"
done
status=0
wait "$CLIENT_MOCK" || status=1
wait "$CLIENT_PROXY" || status=1

slope() {  # file of "t rss" -> "first last slope(KiB/min) after the first quarter"
  python3 - "$1" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
warm = rows[len(rows) // 4:]
n = len(warm)
mt = sum(t for t, _ in warm) / n
mr = sum(r for _, r in warm) / n
var = sum((t - mt) ** 2 for t, _ in warm) or 1.0
k = sum((t - mt) * (r - mr) for t, r in warm) / var
print(f"rss {int(rows[0][1])} KiB at start, {int(warm[0][1])} after warm-up, {int(rows[-1][1])} at the end, "
      f"max {int(max(r for _, r in rows))}; slope after warm-up {k * 60:+.1f} KiB/min over {n} samples")
PY
}

crashes=0
for who in mock:$MOCK_PID upstream:$UP_PID proxy:$PROXY_PID; do
  if ! kill -0 "${who#*:}" 2>/dev/null; then
    echo "soak: ${who%%:*} is gone (crash):" >&2; tail -20 "$WORK/${who%%:*}.err" >&2; crashes=$((crashes + 1))
  fi
done
for who in mock proxy; do
  echo "soak $who: $(cat "$WORK/$who.result")"
  echo "soak $who: $(slope "$WORK/$who.rss")"
done
for port in "$MOCK_PORT" "$UP_PORT"; do
  echo "soak: mock :$port reloads: $(curl -s "http://127.0.0.1:$port/__specgate/metrics" | grep '^specgate_reloads_total' | tr '\n' ' ')"
done
echo "soak: SIGHUPs sent to each mock: $reloads; crashes: $crashes"
# A clean stop: SIGTERM, exit status 0.
for pid in "$PROXY_PID" "$MOCK_PID" "$UP_PID"; do
  kill -TERM "$pid"; wait "$pid" || { echo "soak: pid $pid exited with $?" >&2; status=1; }
done
PIDS=()
(( crashes == 0 )) || status=1
exit "$status"
