#!/usr/bin/env bash
# MPI tests (make check-mpi, docs/scale.md): `hedgesim-mpi mc` and `sweep`
# over 1, 2 and 3 ranks give /mc, /sweep and /calendar identical to the
# single-process hedgesim (h5diff: exact comparison of every value and
# attribute of the group); the summary is printed once; a rank killed with
# SIGKILL or a grid point that fails ends the run with a non-zero exit and
# no results file; commands other than mc and sweep refuse several ranks.
# Usage: tests/mpi/run.sh path/to/hedgesim path/to/hedgesim-mpi
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mpibin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
db=${HS_TEST_DB:-$root/datasets/hedgesim.db}
fake=$root/build/tests/fake_plugin.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Root runs CI containers; several ranks on a machine with fewer cores.
mpirun=(mpirun --oversubscribe --allow-run-as-root)
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$tmp/err" ] && sed 's/^/       /' "$tmp/err" | tail -8; }
run() { "$@" >"$tmp/out" 2>"$tmp/err"; }
expect() {
    local code=$1 name=$2; shift 3
    run "$@"; local rc=$?
    if [ $rc -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; fi
}
# expect_fail NAME -- CMD: any non-zero exit.
expect_fail() {
    local name=$1; shift 2
    run "$@"; local rc=$?
    if [ $rc -ne 0 ]; then ok "$name (exit $rc)"; else bad "$name (exit 0)"; fi
}
same() { # NAME GROUP REF FILE
    if [ -f "$4" ] && h5diff "$3" "$4" "$2" >"$tmp/diff" 2>&1; then ok "$1"
    else bad "$1"; head -5 "$tmp/diff"; fi
}
nofile() { # NAME DIR: no results and no temporary file left in DIR
    if [ -z "$(ls -A "$2")" ]; then ok "$1"; else bad "$1: $(ls "$2")"; fi
}

sed -e "s|@DB@|$db|" -e "s|^paths = 30$|paths = 150|" \
    "$(dirname "$0")/../data/mc-two-regimes.ini" >"$tmp/mc.ini"
cat >"$tmp/sw.ini" <<INI
[data]
db = $db
start = 2023-01-01
end = 2024-06-30
step = 1d
usdt_is_usd = true
[book]
assets = ETH,SOL,ADA
capital = 100000
[hedge]
benchmark = BTC
instrument = BTC-PERP
[strategy.ols]
type = perp_short
beta = ols
window = 30
INI
sed -e 's/^\[strategy.ols\]/[strategy.bad]/' -e 's/^type = perp_short/type = fail_at/' \
    -e '/^beta =/d' -e '/^window =/d' "$tmp/sw.ini" >"$tmp/bad.ini"
vary=(--vary strategy.ols.window=10:60:5 --vary strategy.ols.target_beta=0.5,1
      --vary costs.fee_bps=2,5)

echo "mpi: mc"
expect 0 "hedgesim mc (reference, 2 threads)" -- \
    "$bin" mc "$tmp/mc.ini" --seed 5 -t 2 --keep-paths 4 -q -o "$tmp/mc.h5"
for r in 1 2 3; do
    mkdir -p "$tmp/mc$r"
    expect 0 "mc on $r rank(s)" -- "${mpirun[@]}" -n $r "$mpibin" mc "$tmp/mc.ini" \
        --seed 5 --keep-paths 4 -o "$tmp/mc$r/out.h5"
    same "mc on $r rank(s): /mc identical" /mc "$tmp/mc.h5" "$tmp/mc$r/out.h5"
    n=$(grep -c '^results: ' "$tmp/out")
    [ "$n" = 1 ] && ok "mc on $r rank(s): one summary" || bad "mc on $r rank(s): $n summaries"
done
expect 0 "mc on 2 ranks of 2 threads" -- "${mpirun[@]}" -n 2 "$mpibin" mc "$tmp/mc.ini" \
    --seed 5 -t 2 --keep-paths 4 -q -o "$tmp/mc2t.h5"
same "2 ranks x 2 threads: /mc identical" /mc "$tmp/mc.h5" "$tmp/mc2t.h5"
expect 0 "another seed on 2 ranks" -- "${mpirun[@]}" -n 2 "$mpibin" mc "$tmp/mc.ini" \
    --seed 6 --keep-paths 4 -q -o "$tmp/mc6.h5"
if h5diff -q "$tmp/mc.h5" "$tmp/mc6.h5" /mc >/dev/null 2>&1; then
    bad "another seed gives the same /mc (the comparison cannot fail)"
else ok "another seed differs (the comparison can fail)"; fi

echo "mpi: sweep"
expect 0 "hedgesim sweep (reference, 2 threads)" -- \
    "$bin" sweep "$tmp/sw.ini" "${vary[@]}" -j 2 -q -o "$tmp/sw.h5"
for r in 1 2 3; do
    expect 0 "sweep on $r rank(s)" -- "${mpirun[@]}" -n $r "$mpibin" sweep "$tmp/sw.ini" \
        "${vary[@]}" -o "$tmp/sw$r.h5"
    same "sweep on $r rank(s): /sweep identical" /sweep "$tmp/sw.h5" "$tmp/sw$r.h5"
    same "sweep on $r rank(s): /calendar identical" /calendar "$tmp/sw.h5" "$tmp/sw$r.h5"
    n=$(grep -c '^results: ' "$tmp/out")
    [ "$n" = 1 ] && ok "sweep on $r rank(s): one summary" || bad "sweep on $r rank(s): $n summaries"
done

echo "mpi: failures"
# Rank 1 is killed (SIGKILL) a second into a run that needs far longer:
# Open MPI ends every rank, mpirun exits non-zero, nothing is written.
mkdir -p "$tmp/killed"
cat >"$tmp/kill1.sh" <<SH
#!/bin/sh
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 1; kill -9 \$\$) & fi
exec "\$@"
SH
chmod +x "$tmp/kill1.sh"
expect_fail "mc with rank 1 killed: non-zero exit" -- timeout 300 "${mpirun[@]}" -n 2 \
    "$tmp/kill1.sh" "$mpibin" mc "$tmp/mc.ini" --paths 1000000 --set mc.steps=365 \
    -q -o "$tmp/killed/out.h5"
nofile "mc with rank 1 killed: no results file" "$tmp/killed"
grep -qi "signal 9\|killed" "$tmp/err" && ok "mpirun names the killed rank's signal" ||
    bad "mpirun's message lacks the signal"
expect_fail "sweep with rank 1 killed: non-zero exit" -- timeout 300 "${mpirun[@]}" -n 2 \
    "$tmp/kill1.sh" "$mpibin" sweep "$tmp/sw.ini" --vary strategy.ols.window=10:100000:1 \
    -q -o "$tmp/killed/sw.h5"
nofile "sweep with rank 1 killed: no results file" "$tmp/killed"

# One grid point fails (the fake plug-in's fail_at, at live step 5): on
# whichever rank runs it, every rank stops and nothing is written.
if [ -f "$fake" ]; then
    mkdir -p "$tmp/failed"
    expect_fail "a failing grid point on 3 ranks: non-zero exit" -- "${mpirun[@]}" -n 3 \
        "$mpibin" sweep "$tmp/bad.ini" --plugin "$fake" \
        --vary strategy.bad.step=100000,99999,5,99998 -q -o "$tmp/failed/sw.h5"
    grep -q "deliberate failure at live step 5" "$tmp/err" &&
        ok "the message names the failure" || bad "the message lacks the failure"
    grep -q "hedgesim-mpi: rank [0-9] of 3 failed" "$tmp/err" &&
        ok "the message names the failed rank" || bad "the message lacks the rank"
    nofile "a failing grid point: no results file" "$tmp/failed"
    expect_fail "a failing path on 2 ranks: non-zero exit" -- "${mpirun[@]}" -n 2 \
        "$mpibin" mc "$tmp/mc.ini" --plugin "$fake" --set strategy.none.type=fail_at \
        -q -o "$tmp/failed/mc.h5"
    grep -q "path [0-9]*: .*deliberate failure" "$tmp/err" &&
        ok "the message names the path" || bad "the message lacks the path"
    nofile "a failing path: no results file" "$tmp/failed"
else
    bad "no fake plug-in at $fake (make check builds it)"
fi
touch "$tmp/exists.h5"
expect_fail "an existing results file without --force, 2 ranks" -- "${mpirun[@]}" -n 2 \
    "$mpibin" mc "$tmp/mc.ini" -q -o "$tmp/exists.h5"
[ ! -s "$tmp/exists.h5" ] && ok "the existing file is untouched" || bad "the existing file changed"
expect 2 "run on 2 ranks: refused (exit 2)" -- "${mpirun[@]}" -n 2 "$mpibin" run "$tmp/sw.ini" \
    -o "$tmp/run.h5"
grep -q "only mc and sweep run on several" "$tmp/err" && ok "the message says why" ||
    bad "the refusal lacks its reason"

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
