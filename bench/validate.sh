#!/usr/bin/env bash
# `specgate validate` on a 100,000-exchange HAR of Kibana traffic (bench/gen_har.cpp), beside
# Optic's `optic capture SPEC --har FILE` on the same file (bounded by `timeout 300`).
#   bench/validate.sh [BUILD_DIR]      (bench/run.sh calls it; BENCH_EXCHANGES=N for another size)
# Prints exchanges/s, wall time and peak RSS; run it on a quiet machine (it prints the load average).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
N=${BENCH_EXCHANGES:-100000}
TOOLS=$(realpath -m "$BUILD/bench-tools")
WORK=$(mktemp -d /tmp/specgate-validate-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
say() { printf '\n== %s\n' "$*"; }

[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
[[ -x $BUILD/bench/gen_har && -x $BUILD/specgate ]] || { echo "build gen_har and specgate first (cmake --build $BUILD --target gen_har specgate)" >&2; exit 1; }

say "validate: $N exchanges of Kibana traffic"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
"$BUILD/bench/gen_har" "$SPEC" "$N" "$WORK/kibana.har"
size_mb=$(( $(stat -c %s "$WORK/kibana.har") / 1048576 ))
echo "HAR: $size_mb MiB"

run_validate() {  # label file -> prints the figures
  local label=$1 file=$2 code=0
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$BUILD/specgate" validate --spec "$SPEC" --format json \
    --output "$WORK/report.json" "$file" 2>"$WORK/stderr" || code=$?
  local secs rss
  # /usr/bin/time writes "Command exited with non-zero status N" first when the exit is not 0.
  secs=$(tail -1 "$WORK/time" | cut -d' ' -f1); rss=$(( $(tail -1 "$WORK/time" | cut -d' ' -f2) / 1024 ))
  echo "$label: exit $code, $secs s wall (contract load included), peak RSS $rss MB, $(awk -v n="$N" -v s="$secs" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}') exchanges/s"
  tail -1 "$WORK/stderr"
}
run_validate "specgate validate" "$WORK/kibana.har"
# The contract's load alone (an empty HAR), to show the judging rate apart from it.
printf '{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}' >"$WORK/empty.har"
/usr/bin/time -f '%e %M' -o "$WORK/time0" "$BUILD/specgate" validate --spec "$SPEC" --output "$WORK/r0.txt" "$WORK/empty.har" 2>/dev/null || true
load=$(tail -1 "$WORK/time0" | cut -d' ' -f1); total=$(tail -1 "$WORK/time" | cut -d' ' -f1)
echo "contract load alone: $load s, peak RSS $(( $(tail -1 "$WORK/time0" | cut -d' ' -f2) / 1024 )) MB; judging alone: $(awk -v n="$N" -v t="$total" -v l="$load" 'BEGIN {d = t - l; printf "%.0f", (d > 0 ? n / d : 0)}') exchanges/s"
# Memory bounded by the largest entry, not the file: a file 4x as long (the same HAR four times
# over as NDJSON would change the format; concatenating entries keeps it HAR).
python3 - "$WORK/kibana.har" "$WORK/kibana4.har" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f: text = f.read()
head, _, rest = text.partition('"entries":[\n')
body = rest[: rest.rindex('\n]}}')]
with open(dst, 'w') as out:
    out.write(head + '"entries":[\n' + ',\n'.join([body] * 4) + '\n]}}\n')
PY
N4=$(( N * 4 ))
N=$N4 run_validate "specgate validate, the same traffic 4x ($(( $(stat -c %s "$WORK/kibana4.har") / 1048576 )) MiB)" "$WORK/kibana4.har"

OPTIC=$TOOLS/node_modules/.bin/optic
if [[ ! -x $OPTIC ]] && command -v npm >/dev/null; then
  npm install --prefix "$TOOLS" --no-audit --no-fund @useoptic/optic >/dev/null 2>&1 || true
fi
if [[ -x $OPTIC ]]; then
  say "yardstick: Optic capture --har on the same file (timeout 300 s)"
  mkdir -p "$WORK/optic" && cp "$SPEC" "$WORK/optic/openapi.yaml"
  code=0
  ( cd "$WORK/optic" && /usr/bin/time -f '%e %M' -o "$WORK/optic.time" timeout 300 "$OPTIC" capture openapi.yaml --har "$WORK/kibana.har" >"$WORK/optic.out" 2>&1 ) || code=$?
  echo "optic: exit $code ($([[ $code == 124 ]] && echo 'timed out' || echo 'finished')), $(tail -1 "$WORK/optic.time" 2>/dev/null | cut -d' ' -f1) s, peak RSS $(( $(tail -1 "$WORK/optic.time" 2>/dev/null | cut -d' ' -f2 || echo 0) / 1024 )) MB"
  echo "optic output (last lines):"; tail -5 "$WORK/optic.out" | cut -c1-200
else
  echo "Optic not installed (npm install --prefix $TOOLS @useoptic/optic): yardstick skipped"
fi
