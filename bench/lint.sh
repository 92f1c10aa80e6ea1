#!/usr/bin/env bash
# `specgate lint` on Kibana's full document beside Spectral (spectral:oas) and Redocly (recommended),
# in the same run: wall time and peak RSS (median of RUNS), and the distinct invalid examples each flags.
#   bench/lint.sh [BUILD_DIR]       (bench/run.sh calls it; RUNS=N for another count)
# The peers come from npm into BUILD_DIR/bench-tools (make bench-setup). Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
RUNS=${RUNS:-5}
TOOLS=$(realpath -m "$BUILD/bench-tools")/node_modules/.bin
WORK=$(mktemp -d /tmp/specgate-lint-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
[[ -x $BUILD/specgate ]] || { echo "build specgate first" >&2; exit 1; }

echo "== lint of Kibana's document: $(grep -c '' "$SPEC") lines"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo 'extends: ["spectral:oas"]' >"$WORK/.spectral.yaml"
printf 'extends:\n  - recommended\n' >"$WORK/redocly.yaml"

# label, output file, command...: runs RUNS times alternated by the caller; appends "secs kb" to WORK/label.times
timed() {
  local label=$1 out=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$WORK/t" "$@" >"$out" 2>"$WORK/$label.err" || true
  tail -1 "$WORK/t" >>"$WORK/$label.times"
}
for ((i = 0; i < RUNS; i++)); do
  timed specgate "$WORK/specgate.json" "$BUILD/specgate" lint --format json "$SPEC"
  [[ -x $TOOLS/spectral ]] && timed spectral "$WORK/spectral.json" "$TOOLS/spectral" lint -r "$WORK/.spectral.yaml" -f json "$SPEC"
  [[ -x $TOOLS/redocly ]] && timed redocly "$WORK/redocly.json" "$TOOLS/redocly" lint --config "$WORK/redocly.yaml" --max-problems 1000000 --format json "$SPEC"
done

python3 - "$WORK" <<'PY'
import json, os, statistics, sys
work = sys.argv[1]

def root(segs):
    """Cut a location at the example it lies in: .../example or .../examples/<name>."""
    for i in range(len(segs) - 1, -1, -1):
        if segs[i] == 'example' and (i == 0 or segs[i - 1] != 'properties'):
            return '/'.join(segs[:i + 1])
        if segs[i] == 'examples' and i + 1 < len(segs) and (i == 0 or segs[i - 1] != 'properties'):
            return '/'.join(segs[:i + 2])
    return '/'.join(segs)

def unescape(pointer):
    return [s.replace('~1', '/').replace('~0', '~') for s in pointer.lstrip('#').lstrip('/').split('/')]

def examples(label):
    path = os.path.join(work, label + '.json')
    try:
        data = json.load(open(path))
    except Exception as e:
        return None
    if label == 'spectral':
        return {root([str(s) for s in x['path']]) for x in data if 'example' in x['code']}
    if label == 'redocly':
        return {root(unescape(x['location'][0]['pointer'])) for x in data['problems'] if 'example' in x['ruleId']}
    findings = data['findings'] if isinstance(data, dict) else data
    return {root(unescape(x['pointer'])) for x in findings if x.get('rule') == 'example-invalid'}

rows = {}
for label in ('specgate', 'spectral', 'redocly'):
    path = os.path.join(work, label + '.times')
    if not os.path.exists(path):
        continue
    times = [tuple(map(float, l.split()[-2:])) for l in open(path) if l.strip() and l[0].isdigit()]
    secs = statistics.median(t[0] for t in times)
    mb = statistics.median(t[1] for t in times) / 1024
    rows[label] = secs
    ex = examples(label)
    print(f"{label}: median {secs:.3f} s wall ({min(t[0] for t in times):.3f}-{max(t[0] for t in times):.3f}), "
          f"peak RSS {mb:.0f} MB, distinct invalid examples flagged: {len(ex) if ex is not None else 'n/a'}")
if 'specgate' in rows:
    peers = [rows[p] for p in ('spectral', 'redocly') if p in rows]
    if peers:
        print(f"faster peer / specgate: {min(peers) / rows['specgate']:.1f}x")
PY
