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
    if awk '$1 == "TESTX" && $2 == "spot" && $5 == "bars" && $9 == 4 && $10 == 1 { f = 1 } END { exit !f }' "$tmp/out"; then
        ok "info shows TESTX: spot bars, 4 rows, 1 gap"
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

echo "import: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
