#!/usr/bin/env bash
# End-to-end checks of --json and --csv on `hedgesim run`, `stress`,
# `sweep` and `mc`: the JSON parses (python3's json module), its numbers
# equal the HDF5 file's /summary, /stress/summary and /sweep/summary (read
# with h5py) or, for mc, the quantiles and expected shortfall recomputed
# from /mc/<run>/paths; the CSV has the same columns and values, stdout
# holds nothing else (not even with --report), and bad combinations are
# refused.
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
expect 0 "run --json --report" -- "$bin" run "$tmp/j.ini" -o "$tmp/r4.h5" --json --report
if grep -q "report:" "$tmp/out"; then bad "run --json --report: stdout holds the JSON alone"; else
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>"$tmp/err" &&
    ok "run --json --report: stdout holds the JSON alone" || bad "run --json --report: stdout holds the JSON alone"; fi
[ -s "$tmp/r4.html" ] && ok "run --report writes the report with --json" || bad "run --report writes the report with --json"
expect 2 "--json with --csv" -- "$bin" run "$tmp/j.ini" -o "$tmp/r3.h5" --json --csv
grep_err "--json/--csv clash named" "exclude each other"
[ -e "$tmp/r3.h5" ] && bad "nothing written on a usage error" || ok "nothing written on a usage error"
expect 1 "--json on a failing run" -- "$bin" run "$tmp/j.ini" -o "$tmp/r.h5" --json
if [ -s "$tmp/out" ]; then bad "no JSON when the run fails"; else ok "no JSON when the run fails"; fi
expect 0 "stress --json" -- "$bin" stress "$tmp/j.ini" -w luna_ust -o "$tmp/s.h5" --json
cp "$tmp/out" "$tmp/s.json"
expect 0 "stress --csv" -- "$bin" stress "$tmp/j.ini" -w luna_ust -o "$tmp/s2.h5" --csv
cp "$tmp/out" "$tmp/s.csv"
expect 0 "stress --json --report" -- "$bin" stress "$tmp/j.ini" -w luna_ust -o "$tmp/s4.h5" --json --report
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>"$tmp/err"; then
    ok "stress --json --report: stdout holds the JSON alone"; else bad "stress --json --report: stdout holds the JSON alone"; fi
for c in run stress sweep mc; do
    if "$bin" $c --help | grep -q -- "--json" && "$bin" $c --help | grep -q -- "--csv"; then
        ok "$c --help lists --json and --csv"
    else
        bad "$c --help lists --json and --csv"
    fi
done

# sweep: a text axis and a number axis (the table has both kinds).
sweep_args=(--run ols --vary costs.fill=next_open,close --vary strategy.ols.window=20:40:10)
expect 0 "sweep --json" -- "$bin" sweep "$tmp/j.ini" "${sweep_args[@]}" -k 1 -o "$tmp/w.h5" --json
cp "$tmp/out" "$tmp/w.json"
expect 0 "sweep --csv" -- "$bin" sweep "$tmp/j.ini" "${sweep_args[@]}" -k 0 -o "$tmp/w2.h5" --csv
cp "$tmp/out" "$tmp/w.csv"
if grep -q "hedgesim sweep:\|results:" "$tmp/w.json" "$tmp/w.csv"; then bad "sweep --json/--csv print no text"; else ok "sweep --json/--csv print no text"; fi
expect 2 "sweep --json with --csv" -- "$bin" sweep "$tmp/j.ini" "${sweep_args[@]}" -o "$tmp/w3.h5" --csv --json
grep_err "sweep: --json/--csv clash named" "exclude each other"
expect 1 "sweep --json onto an existing file" -- "$bin" sweep "$tmp/j.ini" "${sweep_args[@]}" -o "$tmp/w.h5" --json
if [ -s "$tmp/out" ]; then bad "sweep: no JSON when it fails"; else ok "sweep: no JSON when it fails"; fi

# mc: a regime model (the stress split) and the bootstrap (no split).
cat "$tmp/j.ini" - >"$tmp/m.ini" <<INI
[mc]
steps = 30
paths = 40
[mc.regime.calm]
to.calm = 0.95
to.stress = 0.05
vol = 0.5, 0.7, 0.9, 0.8
corr = 0.6
[mc.regime.stress]
to.calm = 0.2
to.stress = 0.8
vol = 1.0
corr = 0.9
jump_rate = 10
jump_mean = -0.08
jump_sd = 0.04
INI
expect 0 "mc --json --report" -- "$bin" mc "$tmp/m.ini" -t 2 -o "$tmp/m.h5" --json --report
cp "$tmp/out" "$tmp/m.json"
[ -s "$tmp/m.html" ] && ok "mc --report writes the report with --json" || bad "mc --report writes the report with --json"
expect 0 "mc --csv" -- "$bin" mc "$tmp/m.ini" -o "$tmp/m2.h5" --csv
cp "$tmp/out" "$tmp/m.csv"
if cmp -s <(h5dump -g /mc "$tmp/m.h5" | tail -n +2) <(h5dump -g /mc "$tmp/m2.h5" | tail -n +2); then
    ok "mc --json and --csv runs wrote the same /mc"; else bad "mc --json and --csv runs wrote the same /mc"; fi
expect 0 "mc bootstrap --json" -- "$bin" mc "$tmp/m.ini" --set mc.model=bootstrap --set mc.block=5 -o "$tmp/b.h5" --json
cp "$tmp/out" "$tmp/b.json"
expect 0 "mc bootstrap --csv" -- "$bin" mc "$tmp/m.ini" --set mc.model=bootstrap --set mc.block=5 -o "$tmp/b2.h5" --csv
cp "$tmp/out" "$tmp/b.csv"
if grep -q "hedgesim mc:\|results:\|report:" "$tmp/m.json" "$tmp/m.csv" "$tmp/b.json"; then bad "mc --json/--csv print no text"; else ok "mc --json/--csv print no text"; fi
expect 2 "mc --csv with --json" -- "$bin" mc "$tmp/m.ini" -o "$tmp/m3.h5" --csv --json
grep_err "mc: --json/--csv clash named" "exclude each other"
[ -e "$tmp/m3.h5" ] && bad "mc: nothing written on a usage error" || ok "mc: nothing written on a usage error"
expect 1 "mc --json onto an existing file" -- "$bin" mc "$tmp/m.ini" -o "$tmp/m.h5" --json
if [ -s "$tmp/out" ]; then bad "mc: no JSON when it fails"; else ok "mc: no JSON when it fails"; fi
if "$bin" mc "$tmp/m.ini" -o "$tmp/m4.h5" --json | python3 -c 'import json,sys; json.load(sys.stdin)' 2>"$tmp/err"; then
    ok "mc --json | python3 json.load"; else bad "mc --json | python3 json.load"; fi

# The JSON is valid (python3 -m json.tool) whatever else is installed.
for f in r s w m b; do
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
# mc: the table is computed, not stored; recompute it from the per-path
# table of each run (row p = path p) as docs/montecarlo.md defines it:
# quantiles as GSL's gsl_stats_quantile_from_sorted_data (index f (n - 1),
# linear between neighbours) over the finite values, ES99 minus the mean of
# the worst ceil(n / 100) final P&Ls; the stress split by stress_share > 0.
# The same operations in the same order give the same doubles, so the
# comparison is exact.
check_mc() {
    "$py" - "$@" <<'PY'
import csv, json, math, sys
import h5py
js, cs, h5, regimes = sys.argv[1:5]
regimes = regimes == "1"
d = json.load(open(js))
assert d["command"] == "mc" and d["table"] == "/mc", (d["command"], d["table"])
names = [c["name"] for c in d["columns"]]
rows = list(csv.reader(open(cs, newline="")))
assert rows[0] == names, (rows[0], names)
assert len(rows) - 1 == len(d["rows"]) > 0
f = h5py.File(h5, "r")
runs = [k for k in f["/mc"] if isinstance(f["/mc"][k], h5py.Group)]
assert sorted(runs) == sorted(r["run"] for r in d["rows"]), runs

def quantile(x, f):
    idx = f * (len(x) - 1)
    lhs = int(idx)
    delta = idx - lhs
    if lhs == len(x) - 1:
        return x[lhs]
    return (1 - delta) * x[lhs] + delta * x[lhs + 1]

def summary(he, pnl):
    n = len(he)
    if n == 0:
        return [0] + [None] * 7
    he = sorted(v for v in he if math.isfinite(v))
    pl = sorted(v for v in pnl if math.isfinite(v))
    out = [n] + [quantile(he, q / 100) for q in (5, 50, 95)]
    out += [quantile(pl, q / 100) for q in (5, 50, 95)]
    k = math.ceil(0.01 * n)
    s = 0.0
    for v in pl[:k]:
        s += v
    return out + [-s / k]

checked = 0
for i, r in enumerate(d["rows"]):
    assert list(r.keys()) == names
    t = f["/mc"][r["run"]]
    assert r["type"] == t.attrs["type"], (r["type"], t.attrs["type"])
    p = t["paths"][()]
    he, pnl, share = list(p["he"]), list(p["pnl"]), list(p["stress_share"])
    sets = {"": summary(he, pnl)}
    if regimes:
        st = [j for j in range(len(he)) if share[j] > 0]
        ns = [j for j in range(len(he)) if not share[j] > 0]
        assert st and ns, "the test wants paths on both sides of the split"
        sets["stress_"] = summary([he[j] for j in st], [pnl[j] for j in st])
        sets["no_stress_"] = summary([he[j] for j in ns], [pnl[j] for j in ns])
    else:
        sets["stress_"] = sets["no_stress_"] = [0] + [None] * 7
    for pre, want in sets.items():
        for col, w in zip(["paths", "he_q05", "he_q50", "he_q95", "pnl_q05",
                           "pnl_q50", "pnl_q95", "es99"], want):
            k = pre + col
            text = rows[i + 1][names.index(k)]
            if w is None:
                assert r[k] is None and text == "", (k, r[k], text)
            elif col == "paths":
                assert r[k] == w == int(text), (k, r[k], w, text)
            else:
                assert r[k] == w == float(text), (r["run"], k, r[k], w, text)
            checked += 1
    assert r["paths"] == len(he) == f["/mc"].attrs["paths"]
print("%d values" % checked)
PY
}
if [ -n "$py" ]; then
    if check "$tmp/r.json" "$tmp/r.csv" "$tmp/r.h5" /summary run >"$tmp/err" 2>&1; then
        ok "run: JSON = CSV = /summary ($(tail -1 "$tmp/err"))"; else bad "run: JSON = CSV = /summary"; fi
    if check "$tmp/s.json" "$tmp/s.csv" "$tmp/s.h5" /stress/summary stress >"$tmp/err" 2>&1; then
        ok "stress: JSON = CSV = /stress/summary ($(tail -1 "$tmp/err"))"; else bad "stress: JSON = CSV = /stress/summary"; fi
    if check "$tmp/w.json" "$tmp/w.csv" "$tmp/w.h5" /sweep/summary sweep >"$tmp/err" 2>&1; then
        ok "sweep: JSON = CSV = /sweep/summary ($(tail -1 "$tmp/err"))"; else bad "sweep: JSON = CSV = /sweep/summary"; fi
    if check_mc "$tmp/m.json" "$tmp/m.csv" "$tmp/m.h5" 1 >"$tmp/err" 2>&1; then
        ok "mc: JSON = CSV = quantiles of /mc/<run>/paths ($(tail -1 "$tmp/err"))"; else bad "mc: JSON = CSV = quantiles of /mc/<run>/paths"; fi
    if check_mc "$tmp/b.json" "$tmp/b.csv" "$tmp/b.h5" 0 >"$tmp/err" 2>&1; then
        ok "mc bootstrap: JSON = CSV = /mc/<run>/paths, no split ($(tail -1 "$tmp/err"))"; else bad "mc bootstrap: JSON = CSV = /mc/<run>/paths, no split"; fi
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
