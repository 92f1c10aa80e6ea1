#!/usr/bin/env bash
# specgate benchmarks, each beside a yardstick measured in the same run.
#   bench/run.sh [BUILD_DIR]        (make bench runs it after installing wrk, nginx, Prism)
# Prints every figure; bench/RESULTS.md records them as ratios.
# Load tests only target 127.0.0.1 and are bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
TOOLS=$BUILD/bench-tools
WORK=$(mktemp -d /tmp/specgate-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

source bench/lib.sh  # say, wait_ready, run_wrk, peak_rss_mb, write_nginx_conf
[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

# --- micro benchmarks (Google Benchmark; each has its yardstick inside) ---
for b in bench_load bench_router bench_params bench_validate; do
  if [[ -x $BUILD/bench/$b ]]; then
    say "$b"
    "$BUILD/bench/$b" --benchmark_min_time=0.5 2>&1 | grep -vE '^\*\*\*|^$'
  fi
done

# --- start-up: ready to serve Kibana's full document ---
# "ready in" is specgate's own figure: from main() to the listener accepting,
# every check run and every answer prepared.
# SPECGATE_BASELINE=path/to/an/older/specgate runs that binary alternately with
# this one, as the yardstick of the same run (e.g. a build of main).
STARTUP_RUNS=${STARTUP_RUNS:-11}
ready_ms() { grep -o 'ready in [0-9]* ms' "$1" | grep -o '[0-9]*' || true; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "?")}'; }
say "start-up on Kibana's full document ($STARTUP_RUNS runs each, alternated; medians)"
: >"$WORK/ready.new"; : >"$WORK/ready.base"; : >"$WORK/wall.new"
for i in $(seq "$STARTUP_RUNS"); do
  if [[ -n ${SPECGATE_BASELINE:-} ]]; then
    "$SPECGATE_BASELINE" mock --spec "$SPEC" --port 0 --dry-run 2>"$WORK/base.$i" || true
    ready_ms "$WORK/base.$i" >>"$WORK/ready.base"
  fi
  /usr/bin/time -f '%e %M' -o "$WORK/rss.$i" "$BUILD/specgate" mock --spec "$SPEC" --port 0 --dry-run 2>"$WORK/start.$i" || true
  ready_ms "$WORK/start.$i" >>"$WORK/ready.new"
  echo "run $i: ready in $(ready_ms "$WORK/start.$i") ms; whole --dry-run process (answers prepared and checked) $(cut -d' ' -f1 "$WORK/rss.$i") s, peak RSS $(( $(cut -d' ' -f2 "$WORK/rss.$i") / 1024 )) MB${SPECGATE_BASELINE:+; baseline ready in $(ready_ms "$WORK/base.$i") ms}"
done
new_median=$(median <"$WORK/ready.new")
echo "specgate ready in (median): $new_median ms"
if [[ -n ${SPECGATE_BASELINE:-} ]]; then
  base_median=$(median <"$WORK/ready.base")
  echo "baseline ready in (median): $base_median ms; ratio baseline/specgate $(awk -v a="$base_median" -v b="$new_median" 'BEGIN {printf "%.2f", a / b}')"
fi

PRISM=$TOOLS/node_modules/.bin/prism
if [[ -x $PRISM ]]; then
  say "start-up, yardstick: Prism on the same document"
  "$PRISM" mock -p 4010 "$SPEC" >"$WORK/prism.log" 2>&1 &
  PIDS+=($!)
  echo "prism ready in $(wait_ready 4010 60) ms"
else
  echo "(Prism not installed: make bench installs it)"
fi

# --- load: requests/s and latency, side by side ---
if ! command -v wrk >/dev/null; then echo "(wrk not installed: make bench installs it)"; exit 0; fi
body_file=$WORK/configure.json
# The POST /api/cases/configure example request body of the embedded contract (831 bytes).
"$BUILD/specgate" example setCaseConfigurationDefaultSpace >"$body_file"
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["kbn-xsrf"] = "true"
wrk.headers["Authorization"] = "ApiKey c29tZTprZXk="
local f = io.open("$body_file", "r"); wrk.body = f:read("*a"); f:close()
EOF
say "load: $CONNECTIONS connections, $DURATION each, wrk on the same machine"
# nginx answering a fixed body: the ceiling.
write_nginx_conf "$WORK/nginx" 18080 \
  "    location / { default_type application/json; return 200 '{\"isReady\":true,\"missing_requirements\":[],\"missing_optional_features\":[]}'; }"
if command -v nginx >/dev/null; then
  nginx -c "$WORK/nginx/nginx.conf" &
  PIDS+=($!)
  sleep 0.5
  run_wrk "nginx fixed body (ceiling)" http://127.0.0.1:18080/api/fleet/agents/setup
fi

"$BUILD/specgate" mock --quiet --spec "$SPEC" --port 18081 2>"$WORK/specgate.log" &
SG=$!
PIDS+=($SG)
wait_ready 18081 30 >/dev/null
run_wrk "specgate GET /api/fleet/agents/setup" http://127.0.0.1:18081/api/fleet/agents/setup
[[ -s $body_file ]] && run_wrk "specgate POST /api/cases/configure (validated)" http://127.0.0.1:18081/api/cases/configure "$WORK/post.lua"
echo "specgate RSS under load: $(peak_rss_mb "$SG") MB peak"

if [[ -x $PRISM ]]; then
  run_wrk "prism GET /api/fleet/agents/setup" http://127.0.0.1:4010/api/fleet/agents/setup
  [[ -s $body_file ]] && run_wrk "prism POST /api/cases/configure" http://127.0.0.1:4010/api/cases/configure "$WORK/post.lua"
fi

# --- `specgate test` of Kibana's document against the mock, Portman + newman beside it (issue 10) ---
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
bench/test.sh "$BUILD"

# --- the validating proxy (issue 9): nginx direct, specgate proxy, Prism's proxy ---
# This script's servers stop first: the proxy benchmark has the machine to itself.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
bench/proxy.sh "$BUILD"

# --- recorded traffic (issue 10): specgate validate on 100,000 exchanges, Optic beside it ---
bench/validate.sh "$BUILD"

# --- the contract's own quality (issue 11): specgate lint beside Spectral and Redocly ---
bench/lint.sh "$BUILD"
