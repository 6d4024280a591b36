#!/usr/bin/env bash
# End-to-end checks of `hedgesim stress`, `hedgesim analyze` and
# `hedgesim list windows` on the embedded dataset.  $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
db=${HS_TEST_DB:-datasets/hedgesim.db}
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$tmp/err" ] && sed 's/^/       /' "$tmp/err" | head -5; }
expect() {
    local code=$1 name=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ $rc -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; fi
}
grep_err() { if grep -q -- "$2" "$tmp/err"; then ok "$1"; else bad "$1: stderr lacks '$2'"; fi; }
grep_out() { if grep -q -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: stdout lacks '$2'"; fi; }

cat >"$tmp/s.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-12-31
usdt_is_usd = true
[book]
assets = ETH,XRP,LTC
[hedge]
benchmark = BTC
instrument = BTC-PERP
[strategy.none]
type = unhedged
[strategy.ols]
type = perp_short
beta = ols
window = 30
[window.mine]
start = 2021-05-15
end = 2021-06-15
description = my own window
INI

echo "stress:"
expect 0 "list windows" -- "$bin" list windows
grep_out "library has COVID" "covid_crash *2020-03-01 .. 2020-03-31"
grep_out "sources listed" "source: "
expect 0 "list windows --config" -- "$bin" list windows --config "$tmp/s.ini"
grep_out "config window listed" "mine .*my own window \[config\]"

# Run from another directory: the crisis library is compiled in.
(cd "$tmp" && "$bin" stress s.ini --window covid_crash --window mine \
    -o "$tmp/s.h5") >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ]; then ok "stress from another directory"; else bad "stress from another directory"; fi
grep_out "covid row" "^covid_crash .*ols "
grep_out "covid worst day" "^covid_crash .*none .*2020-03-12"
grep_out "config window row" "^mine .*ols"
grep_out "no annualised figures" "no annualised"
[ -f "$tmp/s.h5" ] && ok "results written" || bad "results written"
if command -v h5ls >/dev/null; then
    h5ls -r "$tmp/s.h5" >"$tmp/out" 2>&1
    grep_out "summary dataset" "^/stress/summary *Dataset {4}"
    grep_out "window summary" "^/stress/mine/summary *Dataset {2}"
    grep_out "run series" "^/stress/covid_crash/runs/ols/return *Dataset {31}"
fi
expect 1 "no overwrite without --force" -- "$bin" stress "$tmp/s.ini" --window mine -o "$tmp/s.h5"
grep_err "says --force" "use --force"
expect 0 "overwrite with --force" -- "$bin" stress "$tmp/s.ini" --window mine -o "$tmp/s.h5" --force -q
expect 1 "unknown window" -- "$bin" stress "$tmp/s.ini" --window nope -o "$tmp/x.h5"
grep_err "unknown window named" "unknown window 'nope' (known: covid_crash"
[ ! -e "$tmp/x.h5" ] && ok "nothing written on error" || bad "nothing written on error"
expect 1 "warm-up too long" -- "$bin" stress "$tmp/s.ini" --window covid_crash --set data.lookback=2000 -o "$tmp/x.h5"
grep_err "warm-up error names window" "window covid_crash: the warm-up of 2000 steps"
expect 1 "no basket data" -- "$bin" stress "$tmp/s.ini" --window covid_crash --set book.assets=SOL -o "$tmp/x.h5"
grep_err "no data names asset" "window covid_crash: SOL has no bars"
[ ! -e "$tmp/x.h5" ] && ok "still nothing written" || bad "still nothing written"
expect 2 "transplant not implemented" -- "$bin" stress "$tmp/s.ini" --transplant ftx_collapse --onto 2024-06-01
grep_err "transplant says so" "not implemented"
expect 2 "no config" -- "$bin" stress

echo "analyze:"
expect 0 "analyze one window" -- "$bin" analyze "$tmp/s.ini" --window ftx_collapse -o "$tmp/a.h5"
grep_out "verdict" "verdict: during ftx_collapse the basket's beta to BTC"
grep_out "per-asset table" "^  XRP "
if command -v h5ls >/dev/null; then
    h5ls -r "$tmp/a.h5" >"$tmp/out" 2>&1
    grep_out "analytics summary" "^/analytics/summary *Dataset {1}"
    grep_out "rolling beta" "^/analytics/ftx_collapse/beta/ols/basket"
    grep_out "absorption series" "^/analytics/ftx_collapse/absorption_ratio"
fi
expect 1 "analyze unknown window" -- "$bin" analyze "$tmp/s.ini" --window nope -o "$tmp/y.h5"
grep_err "analyze names the window" "unknown window 'nope'"
expect 1 "analyze history too short" -- "$bin" analyze "$tmp/s.ini" --window covid_crash --pre 2000 -o "$tmp/y.h5"
grep_err "analyze warm-up" "window covid_crash: the warm-up"
expect 2 "analyze bad --pre" -- "$bin" analyze "$tmp/s.ini" --pre 3

echo "stress: $pass passed, $fail failed"
[ $fail -eq 0 ]
