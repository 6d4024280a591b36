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
digest=$("$bin" info --db "$db" | sed -n 's/^content sha256 \([0-9a-f]*\) .*/\1/p')
if [ ${#digest} -eq 64 ] && h5dump -a dataset_content_sha256 "$tmp/r.h5" | grep -q "$digest"; then ok "dataset content digest = info's"; else bad "dataset content digest"; fi

# The run identifies its data by the store's content digest and the rows it
# loaded, never by hashing the file: a copy of the store with a large
# unrelated table added (the file's bytes change, no import) gives the same
# digests; an import changes the content digest, not the rows loaded.
cp "$db" "$tmp/big.db"
sqlite3 "$tmp/big.db" "CREATE TABLE unrelated(x BLOB); INSERT INTO unrelated SELECT randomblob(100000) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 200) SELECT i FROM c);" 2>"$tmp/err"
if ! cmp -s "$db" "$tmp/big.db" && [ "$(stat -c %s "$tmp/big.db")" -gt 30000000 ]; then ok "store copy grew by 20 MB"; else bad "store copy did not grow"; fi
expect 0 "run on the grown store" -- "$bin" run "$tmp/small.ini" --db "$tmp/big.db" -o "$tmp/big.h5" -q
attr() { h5dump -a "$2" "$1" | sed -n 's/.*(0): "\(.*\)"/\1/p'; }
if [ "$(attr "$tmp/big.h5" dataset_content_sha256)" = "$(attr "$tmp/r.h5" dataset_content_sha256)" ] &&
   [ "$(attr "$tmp/big.h5" dataset_rows_sha256)" = "$(attr "$tmp/r.h5" dataset_rows_sha256)" ]; then
    ok "digests ignore bytes not imported"; else bad "digests changed without an import"; fi
printf 'ts,open,high,low,close,volume\n2020-01-01,1,1,1,1,1\n2020-01-02,1,1,1,1,1\n' >"$tmp/extra.csv"
expect 0 "import into the copy" -- "$bin" import "$tmp/extra.csv" --db "$tmp/big.db" --symbol ZZZ
expect 0 "run after the import" -- "$bin" run "$tmp/small.ini" --db "$tmp/big.db" -o "$tmp/big2.h5" -q
if [ "$(attr "$tmp/big2.h5" dataset_content_sha256)" != "$(attr "$tmp/big.h5" dataset_content_sha256)" ] &&
   [ "$(attr "$tmp/big2.h5" dataset_rows_sha256)" = "$(attr "$tmp/big.h5" dataset_rows_sha256)" ]; then
    ok "an import changes the content digest, not the rows loaded"; else bad "digest after an import"; fi

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
if h5dump -H -d /runs/puts/option_trades "$tmp/o1.h5" | grep -q '"off_chain"'; then ok "option trades: off_chain column"; else bad "option trades: off_chain column"; fi
expect 0 "options on modeled chains" -- "$bin" run "$tmp/opt.ini" -o "$tmp/o2.h5" --set options.chains=model
grep_out "modeled noted" "MODELED"
if h5dump -a /modeled_data "$tmp/o2.h5" | grep -q "(0): 1"; then ok "model: modeled_data = 1"; else bad "model: modeled_data"; fi
if h5ls -r "$tmp/o2.h5/runs/puts" | grep -q "greeks/vega"; then ok "greeks series"; else bad "greeks series"; fi
sed '/^\[options\]/,/^max_age/d' "$tmp/opt.ini" >"$tmp/noopt.ini"
expect 1 "option strategy without [options]" -- "$bin" run "$tmp/noopt.ini" -o "$tmp/o3.h5"
grep_err "asks for [options]" "[options]"

# Config values that pass a naive check but make no sense: refused, naming
# the key, nothing written.
set_bad() { # name, pattern, --set assignment
    expect 1 "$1" -- "$bin" run "$tmp/small.ini" -o "$tmp/bad.h5" --set "$3"
    grep_err "$1 message" "$2"
    [ -e "$tmp/bad.h5" ] && bad "$1 wrote a file" || true
}
set_bad "weights overflow" "weights: their sum overflows" "book.weights=1e308,1e308,1"
set_bad "empty asset item" "assets: an empty item" "book.assets=ETH,,SOL"
set_bad "hex integer" "key 'min_history': '0x10'" "book.min_history=0x10"
set_bad "exponent integer" "key 'min_history': '1e1'" "book.min_history=1e1"
set_bad "fraction integer" "key 'min_history': '16.0'" "book.min_history=16.0"
set_bad "second 60" "key 'start'" "data.start=2021-01-01 00:00:60"
set_bad "run name over 40" "longer than 40" "strategy.$(printf 'r%.0s' $(seq 41)).type=unhedged"
expect 1 "vol_index not an index" -- "$bin" run "$tmp/opt.ini" -o "$tmp/bad.h5" --set options.chains=model --set options.vol_index=ETH
grep_err "vol_index message" "vol_index: ETH is a spot series, not a volatility index"
[ -e "$tmp/bad.h5" ] && bad "vol_index wrote a file" || ok "vol_index: nothing written"

# The whole book delisted (MATIC ends 2024-09-09): every run goes flat, and
# the data notes say why.
cat >"$tmp/gone.ini" <<INI
[data]
db = $db
start = 2024-06-01
end = 2024-12-31
usdt_is_usd = true
[book]
assets = MATIC
min_history = 30
[hedge]
benchmark = BTC
instrument = BTC
[strategy.ols]
type = perp_short
beta = ols
window = 30
[strategy.band]
type = dynamic_rebalance
beta = ewma
halflife = 10
INI
expect 0 "book delisted run" -- "$bin" run "$tmp/gone.ini" -o "$tmp/gone.h5"
grep_out "book gone noted" "every book asset is delisted from 2024-09-10"
# live steps 2024-06-01 .. 2024-12-31: 2024-09-10 is step 101; the order to
# close fills at the next open (step 102); 112 steps from there.
values() { # dataset, start, count: its values on one line
    h5dump -y -w 0 -d "$1" -s "$2" -c "$3" "$tmp/gone.h5" | awk '/DATA \{/ { getline; print; exit }'
}
for r in ols band; do
    v=$(values /runs/$r/hedge_qty 102 112 | tr -d ' ,0')
    h=$(values /runs/$r/hedge_qty 100 1 | tr -d ' ')
    if [ -z "$v" ] && [ "$h" != 0 ]; then ok "$r flat once the book is gone"; else bad "$r keeps a hedge ($h before, '$v' after)"; fi
done

# An estimator window longer than the history loaded before start: the
# run is hedged only once it warms up, and both the notes and the summary
# say so.
expect 0 "late warm-up run" -- "$bin" run "$tmp/small.ini" -o "$tmp/late.h5" --set data.lookback=5 --strategy ols
grep_out "late warm-up noted" "run 'ols': no ols beta before"
grep_out "late warm-up reason" "the history up to start gives"
grep_out "late warm-up summary" "^ols: hedged on 97 of 181 steps"
if h5dump -a /runs/ols/steps_hedged "$tmp/late.h5" | grep -q "(0): 97"; then ok "steps_hedged attribute"; else bad "steps_hedged attribute"; fi

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

# One run fails part-way (the fake plug-in's fail_at): the others complete
# and are written, the failure is listed with its reason, exit status 3.
fake=$(dirname "$plugin")/fake_plugin.so
if [ -f "$fake" ]; then
    expect 3 "failed run: exit 3" -- "$bin" run "$tmp/small.ini" --plugin "$fake" -o "$tmp/f.h5" --set strategy.bad.type=fail_at --set strategy.bad.step=5
    grep_out "failed run in the table" "^bad .*fail_at .*FAILED: .*deliberate failure at live step 5"
    grep_out "completed runs in the table" "^band "
    grep_out "failures counted" "1 of 4 runs FAILED"
    grep_err "failure on stderr" "run 'bad' failed: .*deliberate failure"
    if h5dump -d /failed_runs "$tmp/f.h5" | grep -q "deliberate failure at live step 5"; then ok "failed run listed in the file"; else bad "failed run not in the file"; fi
    if h5ls "$tmp/f.h5/runs" | grep -q "^bad"; then bad "failed run written as a run"; else ok "failed run not written as a run"; fi
    a=$(h5dump -d /runs/ols/equity "$tmp/f.h5" | tail -n +2 | md5sum)
    b=$(h5dump -d /runs/ols/equity "$tmp/r.h5" | tail -n +2 | md5sum)
    if [ "$a" = "$b" ]; then ok "other runs unchanged by the failure"; else bad "other runs changed"; fi
    expect 3 "failed run -q: exit 3" -- "$bin" run "$tmp/small.ini" --plugin "$fake" -o "$tmp/f2.h5" -q --set strategy.bad.type=fail_at
    grep_err "failure on stderr with -q" "run 'bad' failed"
    expect 1 "every run failed: exit 1" -- "$bin" run "$tmp/small.ini" --plugin "$fake" -o "$tmp/f3.h5" --strategy bad --set strategy.bad.type=fail_at
    grep_err "every run failed message" "deliberate failure"
    [ -e "$tmp/f3.h5" ] && bad "every run failed wrote a file" || ok "every run failed: nothing written"
fi
expect 0 "list strategies" -- "$bin" list strategies
grep_out "perp_short listed" "perp_short"
expect 0 "list betas" -- "$bin" list betas
grep_out "kalman listed" "kalman"
expect 2 "list nonsense" -- "$bin" list nonsense

echo "run-cmd: $pass passed, $fail failed"
[ $fail -eq 0 ]
