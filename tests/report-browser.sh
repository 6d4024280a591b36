#!/usr/bin/env bash
# Reports in a real browser (headless Chromium).
#
#   tests/report-browser.sh check FILE.h5 FILE.html [TABLE]
#       Load FILE.html, then check from the rendered DOM: no script error or
#       console error (report.js writes them into the page), every chart
#       drew marks for its data, and, when TABLE (an object path such as
#       /summary) is given, that every number of the page's table of that
#       path equals the value in FILE.h5 (read with h5dump).
#   tests/report-browser.sh screenshot FILE.html OUT.png
#       A PNG of the page's first screen (the README's picture).
#
# The browser is $HS_CHROMIUM, else chromium on the PATH.  Nothing is
# fetched: the page is a local file and the flags turn off the browser's
# own network traffic.
set -euo pipefail
mode=${1:?usage: report-browser.sh check FILE.h5 FILE.html [TABLE] | screenshot FILE.html OUT.png}
browser=${HS_CHROMIUM:-$(command -v chromium chromium-browser 2>/dev/null | head -n1 || true)}
[ -n "$browser" ] || { echo "report-browser: no chromium found" >&2; exit 2; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run_browser() {
    # DBUS_SESSION_BUS_ADDRESS: no session bus in a headless box
    DBUS_SESSION_BUS_ADDRESS=disabled: timeout 180 "$browser" --headless \
        --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update \
        --disable-sync --disable-dev-shm-usage --hide-scrollbars \
        --user-data-dir="$profile" "$@" 2>"$profile/stderr"
}
abs() { (cd "$(dirname "$1")" && printf '%s/%s' "$(pwd)" "$(basename "$1")"); }

case $mode in
screenshot)
    html=$(abs "$2")
    out=$3
    run_browser --window-size=1280,1500 --screenshot="$profile/shot.png" \
        "file://$html" >/dev/null
    [ -s "$profile/shot.png" ] || { cat "$profile/stderr" >&2; exit 1; }
    cp "$profile/shot.png" "$out"
    echo "screenshot: $out ($(stat -c %s "$out") bytes)"
    ;;
check)
    h5=$2
    html=$(abs "$3")
    table=${4:-}
    run_browser --dump-dom "file://$html" >"$profile/dom.html" || true
    dump=""
    if [ -n "$table" ]; then
        h5dump -m '%.17g' -y -w 0 -d "$table" "$h5" >"$profile/h5.txt" 2>/dev/null ||
            h5dump -m '%.17g' -y -w 0 -g "$table" "$h5" >"$profile/h5.txt"
        dump="$profile/h5.txt"
    fi
    python3 - "$profile/dom.html" "$html" "$table" "$dump" <<'EOF'
import html.parser, math, re, sys

dom_path, page, table, dump = sys.argv[1:5]
dom = open(dom_path, encoding="utf-8").read()
fail = []

body = re.search(r"<body([^>]*)>", dom)
if not body:
    sys.exit(f"{page}: the browser returned no page")
attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
if attrs.get("data-report") != "ready":
    fail.append("report.js did not finish (no data-report=ready)")
if attrs.get("data-errors") != "0":
    m = re.search(r'<pre id="hs-errors"[^>]*>(.*?)</pre>', dom, re.S)
    fail.append("errors in the page: " + (m.group(1) if m else "?"))
charts = re.findall(r'<div class="chart[^"]*" id="(c\d+)"([^>]*)>', dom)
if not charts or attrs.get("data-charts") != str(len(charts)):
    fail.append(f"charts: page says {attrs.get('data-charts')}, DOM has {len(charts)}")
for cid, rest in charts:
    a = dict(re.findall(r'([\w-]+)="([^"]*)"', rest))
    pts, ser, marks = (int(a.get(k, "-1")) for k in ("data-points", "data-series", "data-marks"))
    kind = a.get("data-kind")
    # every series drew something; a bar or heat map one mark per value
    need = max(ser, 1) if kind in ("line", "fan") else pts
    if pts <= 0 or marks < need:
        fail.append(f"chart {cid} ({kind}): {pts} points, {ser} series, {marks} marks drawn (need {need})")
print(f"report-browser: {page}: {len(charts)} charts drawn, no errors" if not fail else "")

if table:
    # the page's numbers
    m = re.search(r'<table class="num" data-path="%s"[^>]*>(.*?)</table>' % re.escape(table), dom, re.S)
    if not m:
        fail.append(f"no table {table} in the page")
    else:
        rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)
        cells = [re.findall(r'<td class="n" data-col="([^"]*)" data-v="([^"]*)"', r) for r in rows]
        cells = [c for c in cells if c]
        # the file's numbers, from h5dump
        txt = open(dump, encoding="utf-8").read()
        h5 = {}
        if "H5T_COMPOUND" in txt:
            dtype = txt[txt.index("DATATYPE"):txt.index("DATASPACE")]
            names = re.findall(r'(?:\}|H5T_\w+)\s+"([^"]+)";', dtype)
            data = txt[txt.index("DATA {") + 6:]
            recs = re.findall(r"\{([^{}]*)\}", data)
            for rec in recs:
                toks = re.findall(r'"(?:[^"\\]|\\.)*"|[^,\s]+', rec)
                for n, t in zip(names, toks):
                    h5.setdefault(n, []).append(t)
        else:
            for n, body_ in re.findall(r'DATASET "([^"]+)" \{.*?DATA \{(.*?)\}', txt, re.S):
                h5[n.rsplit("/", 1)[-1]] = re.findall(r'"(?:[^"\\]|\\.)*"|[^,\s]+', body_)
        checked = 0
        for i, row in enumerate(cells):
            for col, v in row:
                want = h5.get(col)
                if want is None or i >= len(want):
                    fail.append(f"{table}: column {col} row {i} not in the file")
                    continue
                a = float(v)
                b = float(want[i])
                same = (math.isnan(a) and math.isnan(b)) or a == b
                if not same:
                    fail.append(f"{table}: {col}[{i}] page {v} file {want[i]}")
                checked += 1
        if checked == 0:
            fail.append(f"{table}: no numbers compared")
        else:
            print(f"report-browser: {table}: {checked} numbers equal the file's")
if fail:
    print(f"report-browser: {page}: FAIL", file=sys.stderr)
    for f in fail:
        print("  " + f, file=sys.stderr)
    sys.exit(1)
EOF
    ;;
*)
    echo "report-browser: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
