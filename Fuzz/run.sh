#!/usr/bin/env bash
# Runs the fuzz targets, each for FUZZ_SECONDS (default 20), starting from the committed seeds in
# Fuzz/corpus/<target> plus what earlier runs found (kept in $FUZZ_SCRATCH/corpus/<target>, not
# in the repo). Prints executions/s and coverage per target; exits 1 if any target crashed,
# leaving the input in $FUZZ_SCRATCH/artifacts/<target>/ (replay: <fuzzer binary> <file>).
#
#   Fuzz/run.sh                 # every target
#   Fuzz/run.sh json jwt        # some
set -uo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
ALL=(proto json jsonrpc config sse http-response jwt jwks admin-http)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

# The Swift runtime's own crash backtracer would race libFuzzer's crash handler (and can wait
# 30 s on a fatalError): turn it off so libFuzzer/ASan report and save the input.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}

failed=0
printf '%-14s %10s %9s %8s %8s %7s  %s\n' target runs exec/s cov ft corpus result
for t in "${TARGETS[@]}"; do
    bin="$SCRATCH/fuzzers/$t"
    [ -x "$bin" ] || { echo "$bin missing: run Fuzz/build.sh first" >&2; exit 2; }
    work="$SCRATCH/corpus/$t" artifacts="$SCRATCH/artifacts/$t/" log="$SCRATCH/logs/$t.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    "$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "Fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    last_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"${done_line:-$last_line}")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"${done_line:-$last_line}")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"${done_line:-$last_line}")
    if [ $rc -eq 0 ]; then result=ok; else result="CRASH (rc $rc): $(ls -t "$artifacts" | head -1) — see $log"; failed=1; fi
    printf '%-14s %10s %9s %8s %8s %7s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit $failed
