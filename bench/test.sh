#!/usr/bin/env bash
# `specgate test` of every operation of Kibana's document against `specgate mock` of it, beside the
# yardstick measured in the same run: Portman (OpenAPI -> Postman collection with its contract
# tests) + newman running that collection against the same mock.
#   bench/test.sh [BUILD_DIR]    (bench/run.sh calls it; Portman and newman live in BUILD_DIR/bench-tools)
# Prints wall time, requests sent and failed assertions of each, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
TOOLS=$(cd "$BUILD" && pwd)/bench-tools
WORK=$(mktemp -d /tmp/specgate-bench-test.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -n ${BENCH_KEEP:-} ]] || rm -rf "$WORK"; }
trap cleanup EXIT
source bench/lib.sh  # say, wait_ready
[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
PORT=${BENCH_TEST_PORT:-18091}
KEY=c29tZTprZXk=
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

say "specgate test: all operations of Kibana's document against specgate mock (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$BUILD/specgate" mock --quiet --spec "$SPEC" --port "$PORT" 2>"$WORK/mock.log" &
PIDS+=($!)
wait_ready "$PORT" 60 >/dev/null

start=$(now_ms)
set +e
"$BUILD/specgate" test --spec "$SPEC" --target "http://127.0.0.1:$PORT" --allow-destructive --api-key "$KEY" \
  --concurrency 8 --format json --output "$WORK/specgate.json" 2>"$WORK/specgate.err"
code=$?
set -e
sg_ms=$(( $(now_ms) - start ))
read -r sg_requests sg_failed sg_ops < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
print(s["exchanges"], s["violations"], r["coverage"]["operations"]["exercised"])' "$WORK/specgate.json")
echo "specgate test: ${sg_ms} ms wall, ${sg_requests} requests to ${sg_ops} operations, ${sg_failed} violations, exit ${code}"
echo "  $(tail -1 "$WORK/specgate.err")"

PORTMAN=$TOOLS/node_modules/.bin/portman
NEWMAN=$TOOLS/node_modules/.bin/newman
if [[ ! -x $PORTMAN || ! -x $NEWMAN ]]; then
  echo "(Portman/newman not installed: npm install --prefix $TOOLS @apideck/portman newman)"
  exit 0
fi
say "yardstick: Portman $("$PORTMAN" --version) + newman $("$NEWMAN" --version) against the same mock"
start=$(now_ms)
(cd "$WORK" && "$PORTMAN" -l "$SPEC" -b "http://127.0.0.1:$PORT" -o "$WORK/collection.json" >"$WORK/portman.log" 2>&1) || true
gen_ms=$(( $(now_ms) - start ))
start=$(now_ms)
"$NEWMAN" run "$WORK/collection.json" --env-var "apiKey=ApiKey $KEY" --reporters json \
  --reporter-json-export "$WORK/newman.json" >"$WORK/newman.log" 2>&1 || true
run_ms=$(( $(now_ms) - start ))
read -r pm_requests pm_assertions pm_failed < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["run"]["stats"]
print(s["requests"]["total"], s["assertions"]["total"], s["assertions"]["failed"])' "$WORK/newman.json")
pm_ms=$(( gen_ms + run_ms ))
echo "portman + newman: ${pm_ms} ms wall (collection ${gen_ms} ms, newman run ${run_ms} ms), ${pm_requests} requests, ${pm_failed} failed assertions of ${pm_assertions}"
echo "ratio (portman + newman) / specgate test: $(awk -v a="$pm_ms" -v b="$sg_ms" 'BEGIN {printf "%.1f", a / b}')x; newman run alone / specgate test: $(awk -v a="$run_ms" -v b="$sg_ms" 'BEGIN {printf "%.1f", a / b}')x"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
