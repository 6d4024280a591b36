#!/usr/bin/env bash
# End-to-end checks of `hedgesim sweep` on the embedded dataset.
# $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
db=${HS_TEST_DB:-datasets/hedgesim.db}
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
# The exact bits of every value of group /sweep (hex floats), without the
# file name line.
sweep_bits() { h5dump -g /sweep -m %a "$1" | tail -n +2; }

cat >"$tmp/s.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-12-31
usdt_is_usd = true
[book]
assets = ETH,SOL,ADA
capital = 100000
min_history = 20
[hedge]
benchmark = BTC
instrument = BTC-PERP
[costs]
fee_bps = 5
slippage_bps = 2
[strategy.none]
type = unhedged
[strategy.ols]
type = perp_short
beta = ols
window = 30
INI

echo "sweep:"
expect 0 "sweep --help" -- "$bin" sweep --help
grep_out "help shows --vary" "--vary KEY=FIRST:LAST:STEP"
expect 0 "top-level help lists sweep" -- "$bin" --help
grep_out "sweep listed" "sweep "
expect 2 "no --vary" -- "$bin" sweep "$tmp/s.ini"
grep_err "asks for --vary" "--vary"
expect 2 "bad --threads" -- "$bin" sweep "$tmp/s.ini" --vary strategy.ols.window=20,30 --threads 0
expect 2 "bad --keep-series" -- "$bin" sweep "$tmp/s.ini" --vary strategy.ols.window=20,30 -k x
expect 1 "two runs, no --run" -- "$bin" sweep "$tmp/s.ini" --vary strategy.ols.window=20,30 -o "$tmp/x.h5"
grep_err "names the runs" "none, ols"
expect 1 "out-of-range point" -- "$bin" sweep "$tmp/s.ini" --run ols --vary strategy.ols.window=20,1 -o "$tmp/x.h5"
grep_err "names point and key" "grid point 1 (strategy.ols.window=1).*window"
expect 1 "key of another section" -- "$bin" sweep "$tmp/s.ini" --run ols --vary data.start=2021-02-01 -o "$tmp/x.h5"
grep_err "only run and costs keys" "only keys of \[strategy.ols\] and \[costs\]"
expect 1 "empty range" -- "$bin" sweep "$tmp/s.ini" --run ols --vary strategy.ols.window=50:20:5 -o "$tmp/x.h5"
grep_err "says empty" "empty range"
if [ ! -e "$tmp/x.h5" ]; then ok "nothing written after errors"; else bad "a file was written"; fi

vary=(--run ols --vary costs.fee_bps=2,10 --vary strategy.ols.window=10:60:5 --vary strategy.ols.target_beta=0.5,1)
expect 0 "sweep, 1 thread" -- "$bin" sweep "$tmp/s.ini" "${vary[@]}" -o "$tmp/t1.h5" -k 2
grep_out "counts the points" "44 grid points"
grep_out "HE distribution" "^hedge effectiveness"
grep_out "best rows" "^best:"
grep_out "worst rows" "^worst:"
if h5dump -H -d /sweep/summary "$tmp/t1.h5" | grep -q "H5T_COMPOUND"; then ok "summary is one compound dataset"; else bad "summary not compound"; fi
expect 0 "sweep, 2 threads" -- "$bin" sweep "$tmp/s.ini" "${vary[@]}" -o "$tmp/t2.h5" -k 2 -j 2 -q
expect 0 "sweep, 3 threads" -- "$bin" sweep "$tmp/s.ini" "${vary[@]}" -o "$tmp/t3.h5" -k 2 --threads 3 -q
if [ -s "$tmp/out" ]; then bad "--quiet printed"; else ok "--quiet prints nothing"; fi
sweep_bits "$tmp/t1.h5" >"$tmp/b1"; sweep_bits "$tmp/t2.h5" >"$tmp/b2"; sweep_bits "$tmp/t3.h5" >"$tmp/b3"
if [ -s "$tmp/b1" ] && cmp -s "$tmp/b1" "$tmp/b2" && cmp -s "$tmp/b1" "$tmp/b3"; then
    ok "/sweep bit-identical with 1, 2 and 3 threads"; else bad "/sweep differs with the thread count"; fi

# A point equals `hedgesim run` with its values and the sweep's lookback.
# Point 13: fee_bps 2 (first half), window 10 + 5 * 6 = 40, target_beta 1.
L=$(h5dump -a /sweep/lookback "$tmp/t1.h5" | sed -n 's/.*(0): //p')
expect 0 "the point run alone" -- "$bin" run "$tmp/s.ini" --strategy ols --set data.lookback="$L" \
    --set costs.fee_bps=2 --set strategy.ols.window=40 --set strategy.ols.target_beta=1 -o "$tmp/alone.h5" -q
# The row's values, one per line: point, the 3 varied keys, then the 18
# metrics (hedge_effectiveness 5th, cvar99 15th, total_return 22nd).
h5dump -d "/sweep/summary[13;;1]" -m %a "$tmp/t1.h5" | sed -n '/(13): {/,/}/p' | tr -d ' ,' | sed '1d;$d' >"$tmp/row"
metric() { h5dump -a "/runs/ols/metrics/$1" -m %a "$tmp/alone.h5" | sed -n 's/.*(0): //p'; }
if [ "$(sed -n 1,4p "$tmp/row" | tr '\n' ' ')" = "13 0x1p+1 0x1.4p+5 0x1p+0 " ] &&
   [ "$(sed -n 5p "$tmp/row")" = "$(metric hedge_effectiveness)" ] &&
   [ "$(sed -n 15p "$tmp/row")" = "$(metric cvar99)" ] &&
   [ "$(sed -n 22p "$tmp/row")" = "$(metric total_return)" ]; then
    ok "point 13 = hedgesim run alone (HE, CVaR99, total return: same bits)"; else bad "point 13 differs from the run alone"; cat "$tmp/row"; fi

# Existing results are not overwritten without --force; with it they are.
cp "$tmp/t1.h5" "$tmp/t1.before"
expect 1 "no overwrite without --force" -- "$bin" sweep "$tmp/s.ini" "${vary[@]}" -o "$tmp/t1.h5"
grep_err "mentions --force" "--force"
if cmp -s "$tmp/t1.h5" "$tmp/t1.before"; then ok "old results untouched"; else bad "old results changed"; fi
expect 0 "--force replaces" -- "$bin" sweep "$tmp/s.ini" --run ols --vary strategy.ols.window=20,30 -o "$tmp/t1.h5" --force -q
if h5dump -a /sweep/n_points "$tmp/t1.h5" | grep -q "(0): 2$"; then ok "replaced by the new sweep"; else bad "not replaced"; fi
if ls "$tmp" | grep -q '\.tmp\.'; then bad "temporary files left"; else ok "no temporary files left"; fi

echo "sweep: $pass passed, $fail failed"
[ $fail -eq 0 ]
