#!/usr/bin/env bash
# End-to-end checks of --json and --csv on `hedgesim run` and
# `hedgesim stress`: the JSON parses (python3's json module), its numbers
# equal the HDF5 file's /summary and /stress/summary (read with h5py), the
# CSV has the same columns and values, and bad combinations are refused.
# $1: the hedgesim binary.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
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
. "$here/pyfind.inc"

cat >"$tmp/j.ini" <<INI
[data]
db = $db
start = 2021-01-01
end = 2021-12-31
usdt_is_usd = true
[book]
assets = ETH,XRP,LTC
capital = 100000
[hedge]
benchmark = BTC
instrument = BTC-PERP
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

echo "json:"
expect 0 "run --json" -- "$bin" run "$tmp/j.ini" -o "$tmp/r.h5" --json
cp "$tmp/out" "$tmp/r.json"
if grep -q "hedgesim run:" "$tmp/r.json"; then bad "--json prints no text table"; else ok "--json prints no text table"; fi
expect 0 "run --csv" -- "$bin" run "$tmp/j.ini" -o "$tmp/r2.h5" --csv
cp "$tmp/out" "$tmp/r.csv"
expect 2 "--json with --csv" -- "$bin" run "$tmp/j.ini" -o "$tmp/r3.h5" --json --csv
grep_err "--json/--csv clash named" "exclude each other"
[ -e "$tmp/r3.h5" ] && bad "nothing written on a usage error" || ok "nothing written on a usage error"
expect 1 "--json on a failing run" -- "$bin" run "$tmp/j.ini" -o "$tmp/r.h5" --json
if [ -s "$tmp/out" ]; then bad "no JSON when the run fails"; else ok "no JSON when the run fails"; fi
expect 0 "stress --json" -- "$bin" stress "$tmp/j.ini" -w luna_ust -o "$tmp/s.h5" --json
cp "$tmp/out" "$tmp/s.json"
expect 0 "stress --csv" -- "$bin" stress "$tmp/j.ini" -w luna_ust -o "$tmp/s2.h5" --csv
cp "$tmp/out" "$tmp/s.csv"
if "$bin" run --help | grep -q -- "--json" && "$bin" stress --help | grep -q -- "--csv"; then
    ok "--help lists --json and --csv"
else
    bad "--help lists --json and --csv"
fi

# The JSON is valid (python3 -m json.tool) whatever else is installed.
for f in r s; do
    if python3 -m json.tool "$tmp/$f.json" >/dev/null 2>"$tmp/err"; then
        ok "$f.json parses"; else bad "$f.json parses"; fi
done

# JSON and CSV against each other and against the HDF5 file.
check() {
    "$py" - "$@" <<'PY'
import csv, json, math, sys
import h5py
js, cs, h5, path, command = sys.argv[1:6]
d = json.load(open(js))
assert d["command"] == command, d["command"]
assert d["table"] == path, d["table"]
assert d["results"].endswith(h5.split("/")[-1]), d["results"]
names = [c["name"] for c in d["columns"]]
rows = list(csv.reader(open(cs, newline="")))
assert rows[0] == names, (rows[0], names)
assert len(rows) - 1 == len(d["rows"]) > 0
raw = h5py.File(h5, "r")[path][()]
assert list(raw.dtype.names) == names, raw.dtype.names
assert len(raw) == len(d["rows"])
checked = 0
for i, r in enumerate(d["rows"]):
    assert list(r.keys()) == names
    for k, c in zip(names, d["columns"]):
        h = raw[k][i]
        text = rows[i + 1][names.index(k)]
        if c["kind"] == "str":
            assert r[k] == h.decode() == text, (k, r[k], h, text)
        elif c["kind"] == "i64":
            assert r[k] == int(h) == int(text), (k, r[k], h, text)
        elif math.isnan(h):
            assert r[k] is None and text == "", (k, r[k], text)
        else:
            # exactly the stored double, from both texts
            assert r[k] == float(h) == float(text), (k, r[k], h, text)
        checked += 1
print("%d values" % checked)
PY
}
if [ -n "$py" ]; then
    if check "$tmp/r.json" "$tmp/r.csv" "$tmp/r.h5" /summary run >"$tmp/err" 2>&1; then
        ok "run: JSON = CSV = /summary ($(tail -1 "$tmp/err"))"; else bad "run: JSON = CSV = /summary"; fi
    if check "$tmp/s.json" "$tmp/s.csv" "$tmp/s.h5" /stress/summary stress >"$tmp/err" 2>&1; then
        ok "stress: JSON = CSV = /stress/summary ($(tail -1 "$tmp/err"))"; else bad "stress: JSON = CSV = /stress/summary"; fi
elif [ "$py_missing_fails" = 1 ]; then
    bad "python3 with h5py and pandas is required in CI (HS_CI=1)"
else
    echo "  SKIP JSON/CSV against HDF5: no python3 with h5py and pandas (make deps installs them)"
fi

# A window shorter than a year: the total return, no annualised figure
# (hs_metric_annual_shown).  A year of returns needs 365 steps after the
# formation step: 2021-01-01 .. 2022-01-01 has both, j.ini's 2021 (364
# returns) only the total.
sed -e 's/^start = .*/start = 2022-11-01/' -e 's/^end = .*/end = 2022-11-30/' \
    "$tmp/j.ini" >"$tmp/short.ini"
sed -e 's/^end = .*/end = 2022-01-01/' "$tmp/j.ini" >"$tmp/year.ini"
expect 0 "run over a year --json" -- "$bin" run "$tmp/year.ini" -o "$tmp/year.h5" --json
cp "$tmp/out" "$tmp/year.json"
expect 0 "run over a month" -- "$bin" run "$tmp/short.ini" -o "$tmp/short.h5"
if grep -q "tot.ret  ann.ret" "$tmp/out" && grep "^ols " "$tmp/out" | grep -q " n/a "; then
    ok "a month: tot.ret shown, ann.ret n/a"; else bad "a month: tot.ret shown, ann.ret n/a"; fi
expect 0 "run over a month --json" -- "$bin" run "$tmp/short.ini" -o "$tmp/short2.h5" --json
cp "$tmp/out" "$tmp/short.json"
if [ -n "$py" ]; then
    if "$py" - "$tmp/short.json" "$tmp/short.h5" "$tmp/year.json" "$tmp/r.json" >"$tmp/err" 2>&1 <<'PY'
import json, math, sys
import h5py, numpy as np
short, h5, year, y2021 = sys.argv[1:5]
f = h5py.File(h5, "r")
for row in json.load(open(short))["rows"]:
    assert row["ann_return"] is None, row
    # the window's return, compounded here from the run's own series
    r = f["/runs/%s/return" % row["run"]][()]
    want = np.prod(1 + r[np.isfinite(r)]) - 1
    assert abs(row["total_return"] - want) <= 1e-12 * max(1, abs(want)), (row, want)
    assert math.isnan(f["/runs/%s/metrics" % row["run"]].attrs["ann_return"])
    s = f["/summary"][()]
    k = list(s["run"]).index(row["run"].encode())
    assert math.isnan(s["ann_return"][k]) and s["total_return"][k] == row["total_return"]
for row in json.load(open(year))["rows"]:
    assert row["ann_return"] is not None and row["total_return"] is not None, row
for row in json.load(open(y2021))["rows"]:
    assert row["ann_return"] is None and row["total_return"] is not None, row
print("ok")
PY
    then ok "a month: JSON ann_return null, total_return = prod(1 + ret) - 1, /summary and metrics agree"
    else bad "a month: JSON ann_return null, total_return = prod(1 + ret) - 1"; fi
fi

echo "json: $pass passed, $fail failed"
[ $fail -eq 0 ]
