#!/usr/bin/env bash
# End-to-end checks of `hedgesim run`, `hedgesim list` and the top-level CLI,
# on the embedded dataset.  $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
db=${HS_TEST_DB:-datasets/hedgesim.db}
plugin=${HS_TEST_PLUGIN:-build/tests/template_plugin.so}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$tmp/err" ] && sed 's/^/       /' "$tmp/err" | head -5; }
# expect CODE NAME -- command...: the exit code must be CODE
expect() {
    local code=$1 name=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ $rc -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; fi
}
grep_err() { if grep -q -- "$2" "$tmp/err"; then ok "$1"; else bad "$1: stderr lacks '$2'"; fi; }
grep_out() { if grep -q -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: stdout lacks '$2'"; fi; }

cat >"$tmp/small.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-06-30
step = 1d
usdt_is_usd = true
[book]
assets = ETH,SOL,ADA
capital = 100000
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
[strategy.band]
type = dynamic_rebalance
beta = ewma
halflife = 10
band = 0.2
INI

echo "run-cmd:"
expect 0 "top-level --help" -- "$bin" --help
grep_out "help lists run" "run "
expect 0 "--version" -- "$bin" --version
grep_out "version string" "hedgesim "
expect 2 "unknown command" -- "$bin" frobnicate
expect 2 "run without config" -- "$bin" run
expect 2 "run unknown option" -- "$bin" run "$tmp/small.ini" --bogus
grep_err "unknown option named" "--bogus"
expect 0 "run --help" -- "$bin" run --help

expect 0 "small run" -- "$bin" run "$tmp/small.ini" -o "$tmp/r.h5"
grep_out "summary has ols" "^ols "
grep_out "summary has band" "^band "
grep_out "USDT note" "USDT prices treated as USD"
if h5ls -r "$tmp/r.h5" | grep -q "/runs/ols/pnl/funding"; then ok "h5 has funding series"; else bad "h5 lacks /runs/ols/pnl/funding"; fi
if h5dump -a /config "$tmp/r.h5" | grep -q "instrument = BTC-PERP"; then ok "config stored verbatim"; else bad "config attribute"; fi
if h5dump -a dataset_sha256 "$tmp/r.h5" | grep -q "$(sha256sum "$db" | cut -c1-16)"; then ok "dataset hash"; else bad "dataset hash"; fi

# Existing results are not overwritten without --force.
cp "$tmp/r.h5" "$tmp/r.before"
expect 1 "no overwrite without --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/r.h5"
grep_err "mentions --force" "--force"
if cmp -s "$tmp/r.h5" "$tmp/r.before"; then ok "old results untouched"; else bad "old results changed"; fi
expect 0 "--force replaces" -- "$bin" run "$tmp/small.ini" -o "$tmp/r.h5" --force -q

# Reproducible: the same inputs give bit-identical series.
expect 0 "second run" -- "$bin" run "$tmp/small.ini" -o "$tmp/r2.h5" -q
a=$(h5dump -d /runs/ols/equity "$tmp/r.h5" | tail -n +2 | md5sum)
b=$(h5dump -d /runs/ols/equity "$tmp/r2.h5" | tail -n +2 | md5sum)
if [ "$a" = "$b" ]; then ok "bit-identical reruns"; else bad "reruns differ"; fi

# --strategy and --set.
expect 0 "--strategy selects" -- "$bin" run "$tmp/small.ini" -o "$tmp/s.h5" --strategy ols
if h5ls "$tmp/s.h5/runs" | grep -q band; then bad "--strategy ran others"; else ok "--strategy ran only ols"; fi
expect 2 "--strategy unknown" -- "$bin" run "$tmp/small.ini" -o "$tmp/u.h5" --strategy nope
grep_err "unknown lists runs" "none, ols, band"
[ -e "$tmp/u.h5" ] && bad "file written on error" || ok "nothing written on error"
expect 0 "--set window" -- "$bin" run "$tmp/small.ini" -o "$tmp/w.h5" --set strategy.ols.window=45 -q
if h5dump -a /runs/ols/params "$tmp/w.h5" | grep -q "window=45"; then ok "--set applied"; else bad "--set not applied"; fi

# Bad configs: clear errors naming the key, nothing written.
run_bad() { # name, pattern, sed expression
    sed "$3" "$tmp/small.ini" >"$tmp/bad.ini"
    expect 1 "$1" -- "$bin" run "$tmp/bad.ini" -o "$tmp/bad.h5"
    grep_err "$1 message" "$2"
    [ -e "$tmp/bad.h5" ] && bad "$1 wrote a file" || true
}
run_bad "unknown strategy" "known: unhedged" 's/type = unhedged/type = nosuch/'
run_bad "unknown key" "unknown key 'windw'" 's/window = 30/windw = 30/'
run_bad "out of range" "out of range" 's/band = 0.2/band = -1/'
run_bad "empty window" "empty" 's/end = 2021-06-30/end = 2020-06-30/'
run_bad "missing benchmark" "NOPE" 's/benchmark = BTC/benchmark = NOPE/'
run_bad "unknown asset" "XYZ" 's/assets = ETH,SOL,ADA/assets = ETH,XYZ/'
run_bad "usdt not stated" "usdt_is_usd" 's/usdt_is_usd = true/usdt_is_usd = false/'
run_bad "too short history" "too short" 's/start = 2021-01-01/start = 2017-08-20/; s/end = 2021-06-30/end = 2017-09-30/; s/assets = ETH,SOL,ADA/assets = ETH/'
run_bad "hourly step on daily data" "coarser" 's/step = 1d/step = 1h/'
expect 1 "missing db" -- "$bin" run "$tmp/small.ini" --db "$tmp/none.db" -o "$tmp/x.h5"
grep_err "missing db named" "none.db"
expect 1 "unwritable output" -- "$bin" run "$tmp/small.ini" -o "$tmp/nodir/x.h5"
grep_err "unwritable named" "nodir"

# Hourly data, hedged with the benchmark's own spot, at 1h and at 8h.
cat >"$tmp/hourly.ini" <<INI
[data]
db = $db
start = 2020-03-01
end = 2020-03-31
step = 1h
usdt_is_usd = true
[book]
assets = ETH.1h
min_history = 24
[hedge]
benchmark = BTC.1h
instrument = BTC.1h
[strategy.ols]
type = perp_short
beta = ols
window = 48
INI
expect 0 "hourly run" -- "$bin" run "$tmp/hourly.ini" -o "$tmp/h.h5"
grep_out "hourly step shown" "steps of 1h"
if h5ls "$tmp/h.h5/assets" | grep -q "BTC.1h.hedge"; then ok "hedge = benchmark written once each"; else bad "hedge = benchmark assets"; fi
expect 0 "8h aggregation run" -- "$bin" run "$tmp/hourly.ini" -o "$tmp/h8.h5" --set data.step=8h
grep_out "8h step shown" "steps of 8h"

# Options: replayed real chains (May 2020) and modeled chains.
cat >"$tmp/opt.ini" <<INI
[data]
db = $db
start = 2020-05-10
end = 2020-06-30
usdt_is_usd = true
[book]
assets = ETH,LTC,XRP
min_history = 30
[hedge]
benchmark = BTC
instrument = BTC-PERP
[options]
chains = store
max_age = 2d
[strategy.puts]
type = protective_put
beta = ols
window = 30
contract_size = 0.1
INI
expect 0 "options on replayed chains" -- "$bin" run "$tmp/opt.ini" -o "$tmp/o1.h5"
grep_out "replay noted" "replayed from the store"
if h5dump -a /modeled_data "$tmp/o1.h5" | grep -q "(0): 0"; then ok "replay: modeled_data = 0"; else bad "replay: modeled_data"; fi
if h5dump -H -d /runs/puts/option_trades "$tmp/o1.h5" | grep -q '"strike"'; then ok "option trades table"; else bad "option trades table"; fi
expect 0 "options on modeled chains" -- "$bin" run "$tmp/opt.ini" -o "$tmp/o2.h5" --set options.chains=model
grep_out "modeled noted" "MODELED"
if h5dump -a /modeled_data "$tmp/o2.h5" | grep -q "(0): 1"; then ok "model: modeled_data = 1"; else bad "model: modeled_data"; fi
if h5ls -r "$tmp/o2.h5/runs/puts" | grep -q "greeks/vega"; then ok "greeks series"; else bad "greeks series"; fi
sed '/^\[options\]/,/^max_age/d' "$tmp/opt.ini" >"$tmp/noopt.ini"
expect 1 "option strategy without [options]" -- "$bin" run "$tmp/noopt.ini" -o "$tmp/o3.h5"
grep_err "asks for [options]" "[options]"

# Plug-ins.
if [ -f "$plugin" ]; then
    cat "$tmp/small.ini" >"$tmp/plug.ini"
    printf '[strategy.half]\ntype = half_hedge\nfraction = 0.5\n' >>"$tmp/plug.ini"
    expect 0 "plugin run" -- "$bin" run "$tmp/plug.ini" --plugin "$plugin" -o "$tmp/p.h5"
    grep_out "plugin row" "^half "
    expect 1 "plugin type unknown without --plugin" -- "$bin" run "$tmp/plug.ini" -o "$tmp/p2.h5"
    expect 0 "list shows plugin" -- "$bin" list strategies --plugin "$plugin"
    grep_out "half_hedge listed" "half_hedge"
fi
expect 0 "list strategies" -- "$bin" list strategies
grep_out "perp_short listed" "perp_short"
expect 0 "list betas" -- "$bin" list betas
grep_out "kalman listed" "kalman"
expect 2 "list nonsense" -- "$bin" list nonsense

echo "run-cmd: $pass passed, $fail failed"
[ $fail -eq 0 ]
