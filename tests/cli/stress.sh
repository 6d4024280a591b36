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

echo "transplant:"
cat >"$tmp/t.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-12-31
usdt_is_usd = true
[book]
assets = ETH,SOL
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
# SOL lists in August 2020: in the COVID window it gets BTC's return times
# its beta, plus a bootstrapped residual.
expect 0 "transplant covid onto 2024-06-01" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-06-01 -o "$tmp/t.h5"
grep_out "transplant row" "^covid_crash@2024-06-01 *ols "
grep_out "transplant steps" "covid_crash@2024-06-01 2024-06-01 .. 2024-07-02  32 steps"
grep_out "missing asset in the notes" "SOL: no data in covid_crash on 31 of 31 steps; there beta [0-9.]* x BTC's crisis log return"
grep_out "worst day is the 12th day" "^covid_crash@2024-06-01 *none .*2024-06-13"
if command -v h5ls >/dev/null; then
    h5ls -r "$tmp/t.h5" >"$tmp/out" 2>&1
    grep_out "transplant group" "^/stress/covid_crash@2024-06-01/summary *Dataset {2}"
    grep_out "transplant series" "^/stress/covid_crash@2024-06-01/runs/ols/return *Dataset {32}"
fi
if command -v h5dump >/dev/null; then
    h5dump -a "/stress/covid_crash@2024-06-01/transplant_seed" "$tmp/t.h5" >"$tmp/out" 2>&1
    grep_out "seed attribute" "(0): 1$"
fi
# Same seed, same results; another seed draws SOL's residuals anew.
"$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-06-01 --csv -o "$tmp/t1.h5" >"$tmp/c1" 2>&1
"$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-06-01 --csv -o "$tmp/t2.h5" >"$tmp/c2" 2>&1
"$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-06-01 --seed 9 --csv -o "$tmp/t3.h5" >"$tmp/c3" 2>&1
sed -i '/t[123].h5/d' "$tmp/c1" "$tmp/c2" "$tmp/c3"
cmp -s "$tmp/c1" "$tmp/c2" && ok "same seed, same table" || bad "same seed, same table"
cmp -s "$tmp/c1" "$tmp/c3" && bad "another seed, another table" || ok "another seed, another table"
# A date near the data's end: the window need not fit in the data.
expect 0 "transplant beyond the data's end" -- "$bin" stress "$tmp/t.ini" --transplant ftx_collapse --onto 2025-12-20 -q -o "$tmp/late.h5"
expect 0 "transplant with windows" -- "$bin" stress "$tmp/s.ini" --window mine --transplant luna_ust --onto 2024-06-01 -o "$tmp/t4.h5"
grep_out "window and transplant rows" "^luna_ust@2024-06-01 *ols "
grep_out "window row kept" "^mine .*ols "
expect 1 "transplant unknown window" -- "$bin" stress "$tmp/t.ini" --transplant nope --onto 2024-06-01 -o "$tmp/x.h5"
grep_err "transplant unknown window" "unknown window 'nope' (known: covid_crash"
expect 1 "transplant after the data" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2031-01-01 -o "$tmp/x.h5"
grep_err "outside the data" "transplant onto 2031-01-01: outside the data: BTC's bars run from 2017-08-17"
expect 1 "transplant too early" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2017-10-01 -o "$tmp/x.h5"
grep_err "too early" "transplant onto 2017-10-01: too early"
expect 1 "transplant asset too young" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2020-08-20 -o "$tmp/x.h5"
grep_err "too young names SOL" "SOL has no bars in covid_crash"
[ ! -e "$tmp/x.h5" ] && ok "nothing written on transplant errors" || bad "nothing written on transplant errors"
expect 2 "--onto without --transplant" -- "$bin" stress "$tmp/t.ini" --onto 2024-06-01
grep_err "go together" "go together"
expect 2 "bad --onto" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-13-01
expect 2 "bad --beta-window" -- "$bin" stress "$tmp/t.ini" --transplant covid_crash --onto 2024-06-01 --beta-window 1

echo "synthetic:"
expect 0 "synthetic covid" -- "$bin" stress "$tmp/s.ini" --synthetic covid_crash --paths 30 --threads 2 -o "$tmp/syn.h5"
grep_out "historical row" "^covid_crash .*ols "
grep_out "forced regime" "forced shift: regime stress from step 0 for 31 steps"
grep_out "distribution" "^ols  *ret.h "
if command -v h5ls >/dev/null; then
    h5ls -r "$tmp/syn.h5" >"$tmp/out" 2>&1
    grep_out "synthetic summary" "^/stress/synthetic/covid_crash/summary *Dataset {2}"
    grep_out "synthetic paths" "^/stress/synthetic/covid_crash/paths/ols *Dataset {30}"
fi
expect 0 "synthetic json" -- "$bin" stress "$tmp/s.ini" --synthetic covid_crash --paths 10 --json -o "$tmp/syn2.h5"
grep_out "json names the table" "/stress/synthetic/covid_crash/summary"
expect 2 "synthetic with --window" -- "$bin" stress "$tmp/s.ini" --synthetic covid_crash --window mine
expect 2 "--paths without --synthetic" -- "$bin" stress "$tmp/s.ini" --paths 10
expect 1 "synthetic unknown window" -- "$bin" stress "$tmp/s.ini" --synthetic nope -o "$tmp/x.h5"
grep_err "synthetic unknown window" "unknown window 'nope'"
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
