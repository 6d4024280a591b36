#!/usr/bin/env bash
# End-to-end checks of `hedgesim report` and the --report flag of run and
# stress; then the reports in headless Chromium (tests/report-browser.sh):
# a run, a stress and an analyze file from the embedded dataset, and the
# sweep and Monte Carlo fixtures of tests/check_report.c.  $1: the hedgesim
# binary.  Without chromium the browser part is skipped with a line saying
# so, unless HS_REQUIRE_BROWSER=1 (CI), which makes it a failure.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
db=${HS_TEST_DB:-datasets/hedgesim.db}
db=$(cd "$(dirname "$db")" && pwd)/$(basename "$db")
fixtures=${HS_CHECK_REPORT:-}
[ -n "$fixtures" ] && fixtures=$(cd "$(dirname "$fixtures")" && pwd)/$(basename "$fixtures")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$tmp/err" ] && sed 's/^/       /' "$tmp/err" | head -8; }
expect() {
    local code=$1 name=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ $rc -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; fi
}
grep_err() { if grep -q -- "$2" "$tmp/err"; then ok "$1"; else bad "$1: stderr lacks '$2'"; fi; }
grep_out() { if grep -q -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: stdout lacks '$2'"; fi; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

cat >"$tmp/r.ini" <<INI
; </script><b>bold</b><script>alert(1)</script>
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
INI

echo "report:"
cd "$tmp"
expect 0 "run --report" -- "$bin" run r.ini -o run.h5 --report
grep_out "run prints the report's path" "^report: run.html"
check "report beside the results" "[ -s run.html ]"
check "config shown as text" "grep -q '; &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;' run.html"
check "no element from the config" "! grep -q '<b>' run.html"
check "three script elements" "[ \"\$(grep -o '</script>' run.html | wc -l)\" = 3 ]"
check "nothing fetched" "! grep -Eq '(src|href)=\"(https?:)?//' run.html"
cp run.html run2.html
expect 1 "run --report refuses an existing report" -- "$bin" run r.ini -o run2.h5 --report
grep_err "says --force" "run2.html exists: use --force"
check "... before running: no results written" "[ ! -e run2.h5 ]"
expect 0 "run --report --force" -- "$bin" run r.ini -o run.h5 --report --force -q
check "quiet: no path printed" "[ ! -s $tmp/out ]"

expect 0 "report of a run file" -- "$bin" report run.h5 -o again.html
grep_out "prints the path" "^report: again.html"
check "same file, same page" "cmp -s run.html again.html"
expect 1 "existing report kept without --force" -- "$bin" report run.h5
grep_err "says --force" "run.html' exists: use --force"
expect 0 "--force replaces it" -- "$bin" report run.h5 --force
expect 1 "missing results file" -- "$bin" report nosuch.h5
grep_err "names the file" "nosuch.h5"
check "no report left" "[ ! -e nosuch.html ]"
printf 'not hdf5\n' >text.h5
expect 1 "not an HDF5 file" -- "$bin" report text.h5
grep_err "says HDF5" "HDF5"
expect 1 "directory that does not exist" -- "$bin" report run.h5 -o nodir/x.html
expect 1 "report over its results" -- "$bin" report run.h5 -o run.h5 --force
grep_err "refused" "would replace the results"
check "results intact" "h5dump -H run.h5 >/dev/null 2>&1"
expect 2 "no results file" -- "$bin" report
expect 2 "two results files" -- "$bin" report run.h5 run.h5
expect 2 "unknown option" -- "$bin" report --nope run.h5
expect 0 "--help" -- "$bin" report --help
check "no temporary files" "! ls | grep -q '\.tmp\.'"

expect 0 "stress --report" -- "$bin" stress r.ini -w ftx_collapse -o stress.h5 --report -q
check "stress report beside" "[ -s stress.html ] && grep -q 'id=\"stress\"' stress.html"
expect 0 "analyze" -- "$bin" analyze r.ini --window ftx_collapse -o analyze.h5
expect 0 "report of an analyze file" -- "$bin" report analyze.h5
check "analyze section" "grep -q 'id=\"analyze\"' analyze.html"

echo "report in a browser:"
browser=${HS_CHROMIUM:-$(command -v chromium chromium-browser 2>/dev/null | head -n1 || true)}
if [ -z "$browser" ] || ! command -v python3 >/dev/null; then
    if [ "${HS_REQUIRE_BROWSER:-0}" = 1 ]; then
        bad "chromium and python3 are required (HS_REQUIRE_BROWSER=1)"
    else
        echo "  skip browser checks: chromium or python3 not installed (make deps does not install chromium; .ci/run does)"
    fi
else
    export HS_CHROMIUM=$browser
    mkdir fx
    if [ -n "$fixtures" ] && "$fixtures" --fixtures fx 2>"$tmp/err"; then
        ok "fixtures written"
        "$bin" report fx/sweep.h5 >/dev/null && "$bin" report fx/mc.h5 >/dev/null
    else
        bad "fixtures: HS_CHECK_REPORT (the check_report binary) is needed"
    fi
    # a tampered page: one number of the table changed must be caught
    sed '0,/data-col="hedge_effectiveness" data-v="[^"]*"/s//data-col="hedge_effectiveness" data-v="0.123"/' \
        run.html >tampered.html
    # two browsers at a time
    b() { "$here/../report-browser.sh" check "$@"; }
    b run.h5 run.html /summary >b1.out 2>&1 & p1=$!
    b stress.h5 stress.html /stress/summary >b2.out 2>&1 & p2=$!
    wait $p1; r1=$?; wait $p2; r2=$?
    b analyze.h5 analyze.html /analytics/summary >b3.out 2>&1 & p3=$!
    b fx/sweep.h5 fx/sweep.html >b4.out 2>&1 & p4=$!
    wait $p3; r3=$?; wait $p4; r4=$?
    b fx/mc.h5 fx/mc.html >b5.out 2>&1 & p5=$!
    b run.h5 tampered.html /summary >b6.out 2>&1 & p6=$!
    wait $p5; r5=$?; wait $p6; r6=$?
    i=0
    for name in "run report" "stress report" "analyze report" "sweep report" "Monte Carlo report"; do
        i=$((i+1)); eval "r=\$r$i"
        cp "b$i.out" "$tmp/err"
        if [ "$r" = 0 ]; then ok "$name: loads, charts drawn, table = file ($(grep -o '[0-9]* numbers' "b$i.out" || echo 'no table'))"
        else bad "$name in the browser"; fi
    done
    cp b6.out "$tmp/err"
    if [ "$r6" != 0 ] && grep -q "page 0.123" b6.out; then ok "a tampered number is caught"
    else bad "a tampered number was not caught"; fi
fi

echo "report: $pass passed, $fail failed"
[ $fail -eq 0 ]
