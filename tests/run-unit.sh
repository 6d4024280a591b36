#!/usr/bin/env bash
# Run every Check suite given on the command line; fail if any fails.
# HS_VALGRIND=1 runs each under valgrind (with CK_FORK=no).
set -u
pass=0; fail=0; failed=()
for t in "$@"; do
    if [ "${HS_VALGRIND:-}" = 1 ]; then
        valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite "$t"
    else
        "$t"
    fi
    if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); failed+=("$t"); fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
