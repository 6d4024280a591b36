#!/usr/bin/env bash
# End-to-end CLI tests: runs every tests/cli/*.sh (but this one) with the
# hedgesim binary given as $1; fails if any fails.
set -u
bin=${1:?usage: tests/cli/run.sh path/to/hedgesim}
here=$(cd "$(dirname "$0")" && pwd)
pass=0; fail=0; failed=()
for t in "$here"/*.sh; do
    [ "$(basename "$t")" = run.sh ] && continue
    if bash "$t" "$bin"; then pass=$((pass+1)); else fail=$((fail+1)); failed+=("$(basename "$t")"); fi
done
echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
