#!/usr/bin/env bash
# `specgate diff` on two Kibana-sized documents: Kibana's own against a copy edited here (text edits:
# every 10th API version renamed, every 5th `required: false` made true, every 7th `type: integer`
# widened to number), and the document against itself; median of 5 runs of wall time, CPU time
# (user+sys: the cost on a busy machine) and peak RSS (/usr/bin/time -v), with the edited run's counts.
#   bench/diff.sh [BUILD_DIR]          (needs $BUILD/specgate: cmake --build BUILD --target specgate)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
RUNS=${BENCH_DIFF_RUNS:-5}
WORK=$(mktemp -d /tmp/specgate-diff-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
say() { printf '\n== %s\n' "$*"; }

[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
[[ -x $BUILD/specgate ]] || { echo "build specgate first (cmake --build $BUILD --target specgate)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

awk '
  /Elastic-Api-Version=2023-10-31/ { if (++v % 10 == 0) sub(/Elastic-Api-Version=2023-10-31/, "Elastic-Api-Version=2099-01-01") }
  /^ *required: false$/            { if (++r % 5 == 0) sub(/required: false/, "required: true") }
  /^ *type: integer$/              { if (++t % 7 == 0) sub(/type: integer/, "type: number") }
  { print }' "$SPEC" >"$WORK/edited.yaml"

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

bench() {  # label old new
  local label=$1 old=$2 new=$3 i code
  : >"$WORK/wall"; : >"$WORK/rss"; : >"$WORK/cpu"
  for ((i = 0; i < RUNS; i++)); do
    code=0
    /usr/bin/time -v -o "$WORK/time" "$BUILD/specgate" diff "$old" "$new" --format json --output "$WORK/out.json" \
      2>"$WORK/stderr" || code=$?
    [[ $code -le 1 ]] || { echo "$label: specgate diff exited $code" >&2; cat "$WORK/stderr" >&2; exit 1; }
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.31"
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s}' \
      "$WORK/time" >>"$WORK/wall"
    awk -F': ' '/Maximum resident set size/ {printf "%.0f\n", $2 / 1024}' "$WORK/time" >>"$WORK/rss"
    awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f\n", s}' "$WORK/time" >>"$WORK/cpu"
  done
  echo "$label: median of $RUNS: $(median <"$WORK/wall") s wall, $(median <"$WORK/cpu") s CPU (user+sys), $(median <"$WORK/rss") MB peak RSS (exit $code)"
  echo "  $(tail -1 "$WORK/stderr")"
}

say "diff: Kibana's document ($(( $(stat -c %s "$SPEC") / 1024 )) KiB) against an edited copy, and against itself"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
bench "kibana.yaml -> edited copy" "$SPEC" "$WORK/edited.yaml"
bench "kibana.yaml -> itself" "$SPEC" "$SPEC"
