#!/usr/bin/env bash
# Run libFuzzer harnesses for a bounded time each.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
# BUILD_DIR/fuzz/TARGET is run on a working corpus BUILD_DIR/corpus/TARGET
# (new inputs go there) seeded from tests/fuzz/TARGET/.  A crash, leak,
# sanitizer report or timeout stops that harness with its input saved as
# BUILD_DIR/crashes/TARGET-<kind>-<sha1>; the script exits 1 if any harness
# failed, after running them all.
set -u
b=${1:?usage: run.sh BUILD_DIR SECONDS TARGET...}
secs=${2:?usage: run.sh BUILD_DIR SECONDS TARGET...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$b/crashes"
failed=()
for t in "$@"; do
    mkdir -p "$b/corpus/$t"
    log=$b/fuzz-$t.log
    echo "fuzz: $t for ${secs}s (log: $log)"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a runaway
    # allocation is a failure, not a machine brought to its knees.
    "$b/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$b/crashes/$t-" \
        "$b/corpus/$t" "$here/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $rc -eq 0 ]; then
        echo "fuzz: $t ok, ${runs:-?} inputs, corpus $(ls "$b/corpus/$t" | wc -l) files"
    else
        failed+=("$t")
        echo "fuzz: $t FAILED (exit $rc):"
        grep -aE "ERROR|SUMMARY|runtime error" "$log" | head -n 8
        saved=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        echo "fuzz: input saved as ${saved:-?}"
        echo "fuzz: reproduce with: $b/fuzz/$t ${saved:-<the input>}"
    fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]}"; exit 1; }
echo "fuzz: all passed"
