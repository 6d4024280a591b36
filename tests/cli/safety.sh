#!/usr/bin/env bash
# End-to-end checks that hedgesim loses no data and does not crash: the
# results file never replaces anything but a results file, a full disk is a
# clean error, an interrupted import does not block the store, stale
# temporary files are removed.  $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
db=${HS_TEST_DB:-datasets/hedgesim.db}
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
no_err()   { if grep -q -- "$2" "$tmp/err"; then bad "$1: stderr has '$2'"; else ok "$1"; fi; }
same()     { if cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; fi; }
gone()     { if ls "$2"* >/dev/null 2>&1; then bad "$1: $(ls "$2"*)"; else ok "$1"; fi; }

cp "$db" "$tmp/s.db"
cp "$tmp/s.db" "$tmp/s.before"
cat >"$tmp/small.ini" <<INI
[data]
db = $tmp/s.db
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
[strategy.ols]
type = perp_short
beta = ols
window = 30
INI
cp "$tmp/small.ini" "$tmp/small.before"

echo "safety:"

# 1. The output never replaces the store, the config, or anything but a
#    results file, --force or not.
expect 1 "-o the store --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/s.db" --force -q
grep_err "names the store as an input" "same file as"
same "store untouched" "$tmp/s.db" "$tmp/s.before"
ln -s s.db "$tmp/link.h5"
expect 1 "-o a link to the store --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/link.h5" --force -q
grep_err "says symbolic link" "symbolic link"
same "store untouched by the link" "$tmp/s.db" "$tmp/s.before"
mkdir "$tmp/d"
cp "$tmp/s.db" "$tmp/d/copy.db"
expect 1 "-o another SQLite file --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/d/copy.db" --force -q
grep_err "says SQLite" "SQLite database"
same "SQLite copy untouched" "$tmp/d/copy.db" "$tmp/s.before"
expect 1 "-o the config --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/small.ini" --force -q
same "config untouched" "$tmp/small.ini" "$tmp/small.before"
echo "not results" >"$tmp/d/notes.txt"
expect 1 "-o a text file --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/d/notes.txt" --force -q
grep_err "says not HDF5" "not an HDF5 file"
mkfifo "$tmp/d/fifo"
expect 1 "-o a FIFO --force" -- timeout 60 "$bin" run "$tmp/small.ini" -o "$tmp/d/fifo" --force -q
grep_err "says FIFO" "FIFO"
if [ -p "$tmp/d/fifo" ]; then ok "FIFO still a FIFO"; else bad "FIFO replaced"; fi
expect 1 "-o a directory --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/d" --force -q
grep_err "says directory" "directory"
expect 1 "-o a device --force" -- "$bin" run "$tmp/small.ini" -o /dev/zero --force -q
grep_err "says device" "device"
if [ -c /dev/zero ]; then ok "/dev/zero still a device"; else bad "/dev/zero replaced"; fi
if ls "$tmp/d" | grep -q '\.tmp\.'; then bad "temporary files left in d: $(ls "$tmp/d")"; else ok "no temporary files left"; fi
expect 0 "-o /dev/null discards" -- "$bin" run "$tmp/small.ini" -o /dev/null
grep_out "says discarded" "results: discarded (/dev/null)"
if [ -c /dev/null ]; then ok "/dev/null still a device"; else bad "/dev/null replaced"; fi
expect 0 "-o /dev/null --force" -- "$bin" run "$tmp/small.ini" -o /dev/null --force -q
expect 0 "a results file" -- "$bin" run "$tmp/small.ini" -o "$tmp/d/r.h5" -q
expect 0 "a results file is replaced with --force" -- "$bin" run "$tmp/small.ini" -o "$tmp/d/r.h5" --force -q

# 2. A full disk (a file size limit) while writing: exit 1, a message, no
#    temporary file, no crash.
mkdir "$tmp/full"
( ulimit -f 16; exec "$bin" run "$tmp/small.ini" -o "$tmp/full/r.h5" -q ) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ]; then ok "disk full: exit 1"; else bad "disk full: exit $rc, wanted 1"; fi
grep_err "disk full: says why" "File too large"
if [ -z "$(ls -A "$tmp/full")" ]; then ok "disk full: nothing left behind"; else bad "disk full left: $(ls "$tmp/full")"; fi
expect 0 "disk full: the next run works" -- "$bin" run "$tmp/small.ini" -o "$tmp/full/r.h5" -q

# 3. An import killed part-way leaves a hot journal: read-only commands roll
#    it back and work (never "corrupt"); a WAL store leaves no -wal/-shm.
cp "$tmp/s.before" "$tmp/k.db"
awk 'BEGIN { print "ts,open,high,low,close,volume"; t = 1609459200000
             for (i = 0; i < 300000; i++) printf "%.0f,100,102,99,101,10\n", t + i * 60000 }' >"$tmp/big.csv"
killed=0
for attempt in 1 2 3; do
    rm -f "$tmp/k.db-journal"
    "$bin" import --db "$tmp/k.db" --symbol BIGX --quiet "$tmp/big.csv" >/dev/null 2>&1 &
    pid=$!
    # Kill it once its journal is live (the header magic is written).
    while kill -0 $pid 2>/dev/null; do
        if [ "$(head -c 4 "$tmp/k.db-journal" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = d9d505f9 ]; then
            kill -9 $pid; killed=1; break
        fi
        sleep 0.02
    done
    wait $pid 2>/dev/null
    [ $killed = 1 ] && break
    cp "$tmp/s.before" "$tmp/k.db"
done
if [ $killed = 1 ] && [ -s "$tmp/k.db-journal" ]; then ok "import killed with a hot journal"; else bad "could not interrupt the import"; fi
expect 0 "info after a killed import" -- "$bin" info --db "$tmp/k.db"
no_err "info does not say corrupt" "corrupt"
if grep -q "^BIGX " "$tmp/out"; then bad "the interrupted import is visible"; else ok "the interrupted import was rolled back"; fi
gone "journal rolled back" "$tmp/k.db-journal"
expect 0 "run after a killed import" -- "$bin" run "$tmp/small.ini" --db "$tmp/k.db" -o /dev/null -q
expect 0 "the import can be redone" -- "$bin" import --db "$tmp/k.db" --symbol BIGX --quiet "$tmp/big.csv"

cp "$tmp/s.before" "$tmp/w.db"
# File format write and read versions 2 (bytes 18, 19): WAL mode.
printf '\002\002' | dd of="$tmp/w.db" bs=1 seek=18 conv=notrunc 2>/dev/null
expect 0 "info on a WAL store" -- "$bin" info --db "$tmp/w.db"
gone "info leaves no -wal" "$tmp/w.db-wal"
gone "info leaves no -shm" "$tmp/w.db-shm"
expect 0 "run on a WAL store" -- "$bin" run "$tmp/small.ini" --db "$tmp/w.db" -o /dev/null -q
gone "run leaves no -wal" "$tmp/w.db-wal"
gone "run leaves no -shm" "$tmp/w.db-shm"

# 4. Temporary files of killed runs are removed by the next write there.
mkdir "$tmp/res"
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2>/dev/null; do dead=$(sh -c 'echo $$'); done
: >"$tmp/res/old.h5.tmp.$dead.0"
head -c 100000 "$tmp/d/r.h5" >"$tmp/res/r.h5.tmp.$dead.1"   # a partial file
: >"$tmp/res/live.h5.tmp.$$.0"                               # this shell: alive
echo "keep me" >"$tmp/res/mine.tmp.$dead.0"                  # not ours
expect 0 "run in a directory with stale temporaries" -- "$bin" run "$tmp/small.ini" -o "$tmp/res/r.h5" -q
if [ ! -e "$tmp/res/old.h5.tmp.$dead.0" ] && [ ! -e "$tmp/res/r.h5.tmp.$dead.1" ]; then
    ok "stale temporaries removed"; else bad "stale temporaries left: $(ls "$tmp/res")"; fi
if [ -e "$tmp/res/live.h5.tmp.$$.0" ] && [ -e "$tmp/res/mine.tmp.$dead.0" ]; then
    ok "others' files kept"; else bad "removed a file that was not stale: $(ls "$tmp/res")"; fi

echo "safety: $pass passed, $fail failed"
[ $fail -eq 0 ]
