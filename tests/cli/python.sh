#!/usr/bin/env bash
# The Python module python/hedgesim_results.py on files written by hedgesim:
# a history run, a run with option strategies and a stress file
# (python/test_hedgesim_results.py).  Skipped with a line saying so when no
# python3 has h5py and pandas, except in CI (HS_CI=1), where that fails.
# $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
db=${HS_TEST_DB:-datasets/hedgesim.db}
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/pyfind.inc"
echo "python:"
if [ -z "$py" ]; then
    if [ "$py_missing_fails" = 1 ]; then
        echo "  FAIL python3 with h5py and pandas is required in CI (HS_CI=1)"
        exit 1
    fi
    echo "  SKIP python module test: no python3 with h5py and pandas (make deps installs python3-h5py python3-pandas)"
    exit 0
fi
cat >"$tmp/p.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-12-31
usdt_is_usd = true
[book]
assets = ETH,XRP,LTC
capital = 100000
[hedge]
benchmark = BTC
instrument = BTC-PERP
[strategy.none]
type = unhedged
[strategy.ols]
type = perp_short
beta = ols
window = 30
INI
"$bin" run "$tmp/p.ini" -o "$tmp/run.h5" -q 2>"$tmp/err" &&
"$bin" run "$top/configs/alt-basket-options.ini" --db "$db" --set data.start=2023-01-01 \
    -o "$tmp/opt.h5" -q 2>>"$tmp/err" &&
"$bin" stress "$tmp/p.ini" -w luna_ust -w may2021_crash -o "$tmp/stress.h5" -q 2>>"$tmp/err" ||
    { echo "  FAIL writing the results files"; sed 's/^/       /' "$tmp/err"; exit 1; }
if HS_RESULTS_RUN="$tmp/run.h5" HS_RESULTS_OPTIONS="$tmp/opt.h5" \
    HS_RESULTS_STRESS="$tmp/stress.h5" PYTHONPATH="$top/python" PYTHONDONTWRITEBYTECODE=1 \
    "$py" "$top/python/test_hedgesim_results.py" >"$tmp/log" 2>&1; then
    echo "  ok   hedgesim_results.load ($(grep '^Ran' "$tmp/log"))"
else
    echo "  FAIL hedgesim_results.load"; sed 's/^/       /' "$tmp/log"; exit 1
fi
