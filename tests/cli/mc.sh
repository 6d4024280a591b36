#!/usr/bin/env bash
# End-to-end checks of `hedgesim mc` on the embedded dataset: the table, the
# /mc layout, byte-identical /mc for 1, 2 and 4 threads, --force, bad
# options and configs, and Ctrl-C leaving no file.  $1: the hedgesim binary.
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

sed "s|@DB@|$db|" "$(dirname "$0")/../data/mc-two-regimes.ini" >"$tmp/mc.ini"

echo "mc:"
expect 0 "mc runs" -- "$bin" mc "$tmp/mc.ini" --seed 7 -t 1 -o "$tmp/t1.h5"
grep_out "table has the runs" "^ewma "
grep_out "table splits by stress" "no-stress"
grep_out "table names the results" "results: $tmp/t1.h5"
expect 0 "2 threads" -- "$bin" mc "$tmp/mc.ini" --seed 7 -t 2 -o "$tmp/t2.h5" -q
expect 0 "4 threads" -- "$bin" mc "$tmp/mc.ini" --seed 7 -t 4 -o "$tmp/t4.h5" -q
# h5dump's first line names the file: compare the rest (every value of /mc).
h5dump -g /mc "$tmp/t1.h5" 2>&1 | tail -n +2 >"$tmp/d1"
h5dump -g /mc "$tmp/t2.h5" 2>&1 | tail -n +2 >"$tmp/d2"
h5dump -g /mc "$tmp/t4.h5" 2>&1 | tail -n +2 >"$tmp/d4"
if grep -q '"/mc/ewma/paths"\|DATASET "paths"' "$tmp/d1" && cmp -s "$tmp/d1" "$tmp/d2" && cmp -s "$tmp/d1" "$tmp/d4"; then
    ok "/mc identical for 1, 2 and 4 threads"
else
    bad "/mc differs between thread counts"
fi
expect 0 "another seed" -- "$bin" mc "$tmp/mc.ini" --seed 8 -o "$tmp/s8.h5" -q
h5dump -g /mc "$tmp/s8.h5" 2>&1 | tail -n +2 >"$tmp/d8"
if cmp -s "$tmp/d1" "$tmp/d8"; then bad "another seed gives the same /mc"; else ok "another seed differs"; fi
if h5dump -H -d /mc/ewma/paths "$tmp/t1.h5" | grep -q 'H5T_COMPOUND' &&
   h5dump -H -d /mc/ewma/paths "$tmp/t1.h5" | grep -q 'DATASPACE  SIMPLE { ( 30 )' &&
   h5dump -H -d /mc/ewma/bands "$tmp/t1.h5" | grep -q '"pnl_q99"' &&
   h5dump -H -d /mc/ewma/bands "$tmp/t1.h5" | grep -q 'DATASPACE  SIMPLE { ( 40 )'; then
    ok "paths and bands are compound tables (30 paths, 40 steps)"
else
    bad "layout of /mc/ewma"
fi
if h5dump -a /mc/stream_scheme "$tmp/t1.h5" | grep -q PCG32 &&
   h5dump -a /mc/seed "$tmp/t1.h5" | grep -q '7'; then
    ok "/mc has the stream scheme and seed"
else bad "/mc attributes"; fi
expect 1 "existing file refused" -- "$bin" mc "$tmp/mc.ini" -o "$tmp/t1.h5"
grep_err "says --force" "use --force"
expect 0 "--force replaces" -- "$bin" mc "$tmp/mc.ini" -o "$tmp/t1.h5" --force -q --paths 3 --keep-paths 2
if h5dump -H -d /mc/ewma/kept/pnl "$tmp/t1.h5" | grep -q '( 2, 40 )'; then ok "kept paths"; else bad "kept paths"; fi
expect 2 "--paths 0" -- "$bin" mc "$tmp/mc.ini" --paths 0 -o "$tmp/x.h5"
grep_err "names --paths" "at least 1 path"
expect 2 "--threads 0" -- "$bin" mc "$tmp/mc.ini" --threads 0 -o "$tmp/x.h5"
expect 1 "--keep-paths > paths" -- "$bin" mc "$tmp/mc.ini" --paths 2 --keep-paths 3 -o "$tmp/x.h5"
expect 1 "horizon 0" -- "$bin" mc "$tmp/mc.ini" --set mc.steps=0 -o "$tmp/x.h5"
grep_err "names the horizon" "horizon"
expect 1 "negative vol" -- "$bin" mc "$tmp/mc.ini" --set mc.regime.stress.vol=-1 -o "$tmp/x.h5"
grep_err "names the section" "mc.regime.stress"
sed '/^\[mc\]/,$d' "$tmp/mc.ini" >"$tmp/nomc.ini"
expect 1 "config without [mc]" -- "$bin" mc "$tmp/nomc.ini" -o "$tmp/x.h5"
grep_err "says no [mc]" "no \[mc\] section"
[ -e "$tmp/x.h5" ] && bad "a failed run left a file" || ok "failed runs leave no file"

# Ctrl-C: many paths, SIGINT after a moment: exit 130, no file, no temp.
"$bin" mc "$tmp/mc.ini" --paths 1000000 -t 2 -o "$tmp/int.h5" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid; rc=$?
if [ $rc -eq 130 ] && [ ! -e "$tmp/int.h5" ] && ! ls "$tmp" | grep -q 'int.h5.tmp'; then
    ok "Ctrl-C: exit 130, nothing written"
else
    bad "Ctrl-C (exit $rc)"
fi
grep_err "Ctrl-C says so" "interrupted after"

echo "mc: $pass passed, $fail failed"
[ $fail -eq 0 ]
