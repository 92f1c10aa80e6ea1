#!/usr/bin/env bash
# Runs each libFuzzer target built in BUILD_DIR (default build-fuzz) for FUZZ_SECONDS (default 60),
# FUZZ_JOBS at a time (default 1), starting from the checked-in seeds (tests/fuzz/corpus/<target>/)
# plus what earlier runs found (BUILD_DIR/fuzz-corpus/<target>/, never the checked-in directory) and
# the findings kept as regressions (tests/fuzz/regressions/<target>/), which run first.
# Prints one line per target from libFuzzer's final stats; a crash, leak, UBSan report or hang
# leaves its input in BUILD_DIR/fuzz-artifacts/<target>/ and makes the script fail.
# FUZZ_RUNS (executions per target) and FUZZ_SEED make a run repeatable: the same inputs are tried
# in the same order on every machine, FUZZ_SECONDS then only caps the time (CI uses both).
# FUZZ_TIMEOUT: seconds one input may take before it counts as a hang (default 10; more when the
# machine is busy with other work, as the timer is wall-clock).
# Usage: run.sh [target...]   (default: every target)
set -uo pipefail
cd "$(dirname "$0")/../../.."
build=${BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
all=(fuzz_http_request fuzz_spec_loader fuzz_param_decode fuzz_request_body fuzz_traffic fuzz_response)
targets=("${@:-${all[@]}}")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 bin="$build/tests/fuzz/libfuzzer/$1"
  local corpus="$build/fuzz-corpus/$t" artifacts="$build/fuzz-artifacts/$t" log="$build/fuzz-logs/$t.log"
  [[ -x $bin ]] || { echo "$t: not built ($bin); cmake --build $build --target fuzz_targets" >&2; return 1; }
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  local dict=() repeat=()
  [[ -n ${FUZZ_RUNS:-} ]] && repeat+=("-runs=$FUZZ_RUNS")
  [[ -n ${FUZZ_SEED:-} ]] && repeat+=("-seed=$FUZZ_SEED")
  [[ -f tests/fuzz/libfuzzer/$t.dict ]] && dict=("-dict=tests/fuzz/libfuzzer/$t.dict")
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb bounds memory; -max_len fits the seeds.
  local regressions=()  # every earlier finding runs first, under clang's sanitizers too
  [[ -d tests/fuzz/regressions/$t ]] && regressions=("tests/fuzz/regressions/$t")
  "$bin" "$corpus" "tests/fuzz/corpus/$t" "${regressions[@]}" "${dict[@]}" "${repeat[@]}" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  local rc=$?
  local execs cov ft files cpu
  times >"$log.times"  # this subshell's children (the fuzzer): user and system CPU time, 2nd line
  cpu=$(tail -1 "$log.times")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  files=$(find "$corpus" -type f | wc -l)
  if [[ $rc -ne 0 ]]; then
    echo "$t: FAILED (exit $rc) after ${execs:-?} executions; input in $artifacts/, log $log"
    grep -m3 -E 'ERROR: |runtime error|invariant broken' "$log"
    return 1
  fi
  echo "$t: ${seconds}s (CPU user+sys ${cpu/ /+}), ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus $files files, no findings"
}

status=0
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if (( running >= jobs )); then wait -n || status=1; running=$((running - 1)); fi
done
while (( running > 0 )); do wait -n || status=1; running=$((running - 1)); done
exit $status
