#!/usr/bin/env bash
# End-to-end checks of `hedgesim import` and `hedgesim info`.
# Usage: tests/cli/import.sh HEDGESIM
# Prints one line per check and `import: N passed, M failed`; exits non-zero
# on any failure.
set -u
bin=${1:?usage: import.sh path/to/hedgesim}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }

# check NAME EXPECTED_EXIT CMD...: stdout in $tmp/out, stderr in $tmp/err
check() {
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name" "exit $got, expected $want; stderr: $(head -c 300 "$tmp/err")"
        return 1
    fi
    return 0
}

# has NAME FILE TEXT...: every TEXT occurs in FILE
has() {
    local name=$1 file=$2
    shift 2
    for t in "$@"; do
        if ! grep -qF -- "$t" "$file"; then
            bad "$name" "'$t' not in: $(head -c 400 "$file")"
            return 1
        fi
    done
    ok "$name"
}

db=$tmp/t.db

if check "import --help" 0 "$bin" import --help; then
    has "import --help describes --db and --embedded" "$tmp/out" --db --embedded
fi

if check "import generic CSV" 0 "$bin" import --db "$db" --symbol TESTX \
    "$data/generic_iso.csv"; then
    has "import generic CSV reports 4 new rows" "$tmp/out" "4 rows read, 4 new"
fi

if check "info lists the import" 0 "$bin" info --db "$db"; then
    if awk '$1 == "TESTX" && $2 == "spot" && $3 == "USD" && $6 == "bars" && $10 == 4 && $11 == 1 { f = 1 } END { exit !f }' "$tmp/out"; then
        ok "info shows TESTX: spot USD bars, 4 rows, 1 gap"
    else
        bad "info shows TESTX" "$(cat "$tmp/out")"
    fi
fi

if check "re-import" 0 "$bin" import --db "$db" --symbol TESTX --quiet \
    "$data/generic_ms.csv"; then
    if [ ! -s "$tmp/out" ]; then ok "--quiet prints nothing"; else bad "--quiet" "$(cat "$tmp/out")"; fi
fi
if check "re-import is idempotent" 0 "$bin" import --db "$db" --symbol TESTX \
    "$data/generic_iso.csv"; then
    has "re-import reports 0 new, 4 unchanged" "$tmp/out" "0 new, 4 unchanged"
fi

if check "bad file exits 1" 1 "$bin" import --db "$db" --symbol BADX \
    "$data/bad_high_low.csv"; then
    has "bad file message names file, line and field" "$tmp/err" \
        "bad_high_low.csv:5:" "field 'high'"
fi
if check "bad file left nothing" 0 "$bin" info --db "$db"; then
    if grep -q '^BADX ' "$tmp/out"; then bad "bad file left nothing" "BADX listed"; else ok "bad file left nothing"; fi
fi

if check "unknown option exits 2" 2 "$bin" import --db "$db" --frobnicate x; then
    has "unknown option is named" "$tmp/err" "--frobnicate"
fi
if check "missing --db exits 2" 2 "$bin" import --symbol X "$data/generic_iso.csv"; then
    has "missing --db is explained" "$tmp/err" "--db"
fi
if check "unknown format exits 2" 2 "$bin" import --db "$db" --format excel \
    --symbol X "$data/generic_iso.csv"; then
    has "unknown format is named" "$tmp/err" "excel"
fi
if check "option --value missing exits 2" 2 "$bin" import --db "$db" --symbol; then
    has "missing value is explained" "$tmp/err" "needs a value"
fi

if check "chain without snapshot time exits 1" 1 "$bin" import --db "$db" \
    --format deribit-usd "$data/opt_usd_good.csv"; then
    has "chain without snapshot time asks for it" "$tmp/err" "--snapshot-time"
fi
if check "chain import" 0 "$bin" import --db "$db" --format deribit-usd \
    --snapshot-time 2025-04-06T14:06:00Z "$data/opt_usd_good.csv" &&
    check "info after chain import" 0 "$bin" info --db "$db"; then
    if awk '$1 == "BTC" && $2 == "USD" && $4 == 1 && $5 == 3 && $6 == 3 { f = 1 } END { exit !f }' "$tmp/out"; then
        ok "info summarises the chain per underlying (1 snapshot, 3 contracts)"
    else
        bad "info chain summary" "$(cat "$tmp/out")"
    fi
fi

# --embedded: temporary file renamed at the end; --force to replace
edb=$tmp/e.db
if check "embedded build" 0 "$bin" import --embedded "$data/manifest_ok" --db "$edb"; then
    has "embedded build prints a summary" "$tmp/out" "3 files" "MB"
fi
sum1=$(cksum <"$edb" 2>/dev/null)
if check "existing db without --force exits 1" 1 "$bin" import \
    --embedded "$data/manifest_ok" --db "$edb"; then
    has "existing db is refused" "$tmp/err" "already exists" "--force"
    if [ "$(cksum <"$edb")" = "$sum1" ]; then ok "refused build left the db alone"; else bad "refused build changed the db"; fi
fi
if check "failing embedded build exits 1" 1 "$bin" import --force \
    --embedded "$data/manifest_bad" --db "$edb"; then
    has "failing build names the file and line" "$tmp/err" "bad_high_low.csv:5:"
    if [ "$(ls "$tmp" | grep -c 'e.db-build')" -eq 0 ] && [ "$(cksum <"$edb")" = "$sum1" ]; then
        ok "failing build left no temporary file and the old db"
    else
        bad "failing build left debris" "$(ls "$tmp")"
    fi
fi
check "embedded build with --force" 0 "$bin" import --force --embedded \
    "$data/manifest_ok" --db "$edb" && ok "embedded build with --force"

# info
if check "info on a missing db exits 1" 1 "$bin" info --db "$tmp/none.db"; then
    has "missing db suggests how to build one" "$tmp/err" "make dataset" "hedgesim import"
fi
head -c 5000 /dev/urandom >"$tmp/junk.db"
if check "info on a non-SQLite file exits 1" 1 "$bin" info --db "$tmp/junk.db"; then
    has "non-SQLite file is named" "$tmp/err" "junk.db" "not an SQLite database"
fi
if check "info unknown option exits 2" 2 "$bin" info --db "$db" --bogus; then
    has "info unknown option is named" "$tmp/err" "--bogus"
fi
if check "info --help" 0 "$bin" info --help; then
    has "info --help describes --db" "$tmp/out" "--db"
fi
if [ -f "$root/datasets/hedgesim.db" ]; then
    if check "info on the embedded store" 0 "$bin" info --db "$root/datasets/hedgesim.db"; then
        has "embedded store lists spot, perps, funding, DVOL, options, rates" "$tmp/out" \
            "BTC.1h" "BTC-PERP" "XBTUSD" "BTC-PERPETUAL" "ETH-DVOL" "DGS1MO" "option quotes"
    fi
else
    bad "info on the embedded store" "datasets/hedgesim.db is missing (run make)"
fi

# A failed first import into a new store leaves no store file behind.
if check "failed first import fails" 1 "$bin" import --db "$tmp/new.db" \
    --format generic --symbol NEWX --kind spot "$data/bad_nan.csv"; then
    if [ -e "$tmp/new.db" ]; then bad "failed first import left a store"
    else ok "failed first import left no store"; fi
fi

# Input the documentation rules out, refused with file, line and field;
# what spreadsheets write, accepted.
if check "negative epoch time exits 1" 1 "$bin" import --db "$db" --symbol NEGX \
    "$data/bad_time_negative.csv"; then
    has "negative epoch time named" "$tmp/err" "bad_time_negative.csv:3:" \
        "field 'ts'" "timestamp '-1' has a sign"
fi
if check "extra field exits 1" 1 "$bin" import --db "$db" --symbol XTRA \
    "$data/bad_extra_field.csv"; then
    has "extra field named" "$tmp/err" "bad_extra_field.csv:3:" "7 fields"
fi
if check "hex price exits 1" 1 "$bin" import --db "$db" --symbol HEXX \
    "$data/bad_hex.csv"; then
    has "hex price named" "$tmp/err" "bad_hex.csv:3:" "'0x10'"
fi
if check "header-only file exits 1" 1 "$bin" import --db "$db" --symbol HDRX \
    "$data/header_only.csv"; then
    has "header-only file explained" "$tmp/err" "header_only.csv" "no data rows"
fi
if check "BOM and CRLF accepted" 0 "$bin" import --db "$db" --symbol BOMX \
    "$data/bom_crlf.csv"; then
    has "BOM and CRLF file imported" "$tmp/out" "3 rows read, 3 new"
fi
if check "long --venue exits 1" 1 "$bin" import --db "$db" --symbol VENX \
    --venue a-venue-name-of-21 "$data/generic_iso.csv"; then
    has "long --venue names the limit" "$tmp/err" "venue 'a-venue-name-of-21'" \
        "longer than 15 characters"
fi
if check "nothing left by the refused files" 0 "$bin" info --db "$db"; then
    if grep -qE '^(NEGX|XTRA|HEXX|HDRX|VENX) ' "$tmp/out"; then
        bad "refused files left nothing" "$(cat "$tmp/out")"
    else
        ok "refused files left nothing"
    fi
fi

# A killed build leaves PATH-build-PID: the next build removes it.
sleep 0 &
deadpid=$!
wait "$deadpid"
: >"$edb-build-$deadpid"
if check "build after a killed one" 0 "$bin" import --force --embedded \
    "$data/manifest_ok" --db "$edb"; then
    if [ -e "$edb-build-$deadpid" ]; then bad "stale build file removed" "$(ls "$tmp")"
    else ok "stale build file removed"; fi
fi

# A 1000-fold one-day spike imports (possible in principle) and runs, with a
# data note on the terminal and in the results.
jdb=$tmp/jump.db
awk 'BEGIN { print "ts,open,high,low,close,volume"
             for (d = 0; d < 100; d++) {
                 c = 100 + d % 3; if (d == 85) c = 100000
                 printf "%d,%s,%s,%s,%s,1\n", 1609459200 + d * 86400, c, c, c, c } }' \
    >"$tmp/jump_a.csv"
awk 'BEGIN { print "ts,open,high,low,close,volume"
             for (d = 0; d < 100; d++) {
                 c = 50 + d % 5
                 printf "%d,%s,%s,%s,%s,1\n", 1609459200 + d * 86400, c, c, c, c } }' \
    >"$tmp/jump_b.csv"
cat >"$tmp/jump.ini" <<INI
[data]
db = $jdb
start = 2021-03-17
end = 2021-04-10
step = 1d
usdt_is_usd = true
[book]
assets = JA
capital = 100000
min_history = 5
[hedge]
benchmark = JB
instrument = JB
[strategy.none]
type = unhedged
INI
if check "import the spike" 0 "$bin" import --db "$jdb" --symbol JA --quiet "$tmp/jump_a.csv" &&
    check "import the benchmark" 0 "$bin" import --db "$jdb" --symbol JB --quiet "$tmp/jump_b.csv" &&
    check "run over a 1000-fold spike" 0 "$bin" run "$tmp/jump.ini" -o "$tmp/jump.h5"; then
    has "spike noted on the terminal" "$tmp/out" "data notes:" \
        "JA: close 100000 at 2021-03-27 is" "2 one-bar moves beyond 10x"
    if h5dump -a /data_notes "$tmp/jump.h5" | grep -q "JA: close 100000 at 2021-03-27"; then
        ok "spike noted in the results"
    else
        bad "spike noted in the results" "$(h5dump -a /data_notes "$tmp/jump.h5" | head -c 400)"
    fi
fi

# Everyday files: yfinance (both layouts), ccxt, --columns, --volume-in;
# a stock pair on the NYSE calendar runs without usdt_is_usd.
ydb=$tmp/y.db
if check "import yfinance --adjusted" 0 "$bin" import --db "$ydb" --format yfinance \
    --adjusted --symbol STK "$data/yf_stock.csv" &&
    check "import yfinance three-line header" 0 "$bin" import --db "$ydb" \
        --format yfinance --symbol IDX "$data/yf_index.csv"; then
    has "yfinance import: 503 rows, no gaps on its calendar" "$tmp/out" \
        "503 rows read, 503 new, 0 unchanged, 0 gaps; 2021-01-04 .. 2022-12-30"
fi
if check "info on the stock pair" 0 "$bin" info --db "$ydb"; then
    if awk '$1 == "STK" && $3 == "USD" && $11 == 0 && $12 == "XNYS" { f = 1 } END { exit !f }' "$tmp/out"; then
        ok "info: a stock shows no weekend gaps (calendar XNYS)"
    else
        bad "info calendar" "$(cat "$tmp/out")"
    fi
fi
cat >"$tmp/pair.ini" <<INI
[data]
db = $ydb
start = 2021-06-01
end = 2022-12-30
calendar = XNYS
rates = none
[book]
assets = STK
min_history = 20
[hedge]
benchmark = IDX
instrument = IDX
[costs]
fee_bps = 0
fill = close
[strategy.ols]
type = perp_short
beta = ols
window = 60
INI
if check "run a stock pair on XNYS without usdt_is_usd" 0 "$bin" run "$tmp/pair.ini" \
    -o "$tmp/pair.h5"; then
    has "the pair runs on its sessions" "$tmp/out" "401 steps of 1d"
    if grep -q "USDT" "$tmp/out"; then
        bad "no USDT note for USD data" "$(cat "$tmp/out")"
    else
        ok "no USDT note for USD data"
    fi
fi
sed 's/^calendar = XNYS/calendar = NYSE/' "$tmp/pair.ini" >"$tmp/pair_bad.ini"
if check "unknown calendar exits 1" 1 "$bin" run "$tmp/pair_bad.ini" -o "$tmp/pb.h5"; then
    has "unknown calendar named" "$tmp/err" "key 'calendar': unknown calendar 'NYSE'"
fi
if check "ccxt without a header" 0 "$bin" import --db "$ydb" --format ccxt \
    --symbol CX "$data/ccxt_noheader.csv"; then
    has "ccxt rows" "$tmp/out" "3 rows read, 3 new"
fi
if check "generic refuses a ccxt file, naming the format" 1 "$bin" import --db "$ydb" \
    --symbol CZ "$data/ccxt_noheader.csv"; then
    has "ccxt named" "$tmp/err" "looks like ccxt: use --format ccxt"
fi
if check "--columns and --volume-in quote" 0 "$bin" import --db "$ydb" --symbol MAP \
    --columns ts=Day,open=Price,high=Price,low=Price,close=Price,volume=Qty \
    --volume-in quote "$data/columns_map.csv"; then
    has "--columns rows" "$tmp/out" "3 rows read, 3 new"
fi
if check "--volume-in bad value exits 2" 2 "$bin" import --db "$ydb" --symbol MAP \
    --volume-in coins "$data/columns_map.csv"; then
    has "--volume-in named" "$tmp/err" "--volume-in: 'coins'"
fi

echo "import: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
