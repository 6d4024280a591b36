#!/usr/bin/env bash
# The acceptance test of docs/concepts.md's "How to reproduce a textbook
# backtest": the default basket (configs/alt-basket-btc-hedge.ini) with
# fills at the close, fee_bps = 7, no slippage, delisting = known and
# beta_input = target, over 2019-01-01 .. 2024-12-31 (LINK, ATOM, MATIC,
# DOGE and BCH list in 2019 and join the book later; MATIC's data ends on
# 2024-09-09), must match a spreadsheet-style loop written from the rules
# (spreadsheet.py, numpy, no hedgesim code) to 1e-9 relative every day:
# equity, hedge position and beta of the ols60 run.
# $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
db=${HS_TEST_DB:-$top/datasets/hedgesim.db}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; sed 's/^/       /' "$tmp/err" | tail -5; }
. "$here/pyfind.inc"

echo "spreadsheet:"
if [ -z "$py" ]; then
    if [ "$py_missing_fails" = 1 ]; then
        echo "  FAIL python3 with h5py and numpy is required in CI (HS_CI=1)"; exit 1
    fi
    echo "  SKIP no python3 with h5py and numpy (make deps installs them)"; exit 0
fi
set -- "$bin" run "$top/configs/alt-basket-btc-hedge.ini" -o "$tmp/t.h5" -q \
    --set data.db="$db" --set data.start=2019-01-01 --set data.end=2024-12-31 \
    --set costs.fill=close --set costs.fee_bps=7 --set costs.slippage_bps=0 \
    --set costs.close_slippage_bps=0 --set book.delisting=known \
    --set book.beta_input=target
if "$@" >"$tmp/out" 2>"$tmp/err"; then ok "the textbook run"; else bad "the textbook run"; fi
if "$py" "$here/spreadsheet.py" "$db" "$tmp/t.h5" ols60 2019-01-01 2024-12-31 \
    >"$tmp/err" 2>&1; then
    ok "equity, hedge position and beta = the spreadsheet's to 1e-9 ($(tail -1 "$tmp/err"))"
else
    bad "equity, hedge position and beta = the spreadsheet's to 1e-9"
fi
echo "spreadsheet: $pass passed, $fail failed"
[ $fail -eq 0 ]
