#!/usr/bin/env bash
# End-to-end checks of `hedgesim calibrate` on the embedded dataset.
# $1: the hedgesim binary.
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

cat >"$tmp/c.ini" <<INI
[data]
db = $db
start = 2020-01-01
end = 2023-12-31
step = 1d
usdt_is_usd = true
[book]
assets = ETH,SOL,ADA
[hedge]
benchmark = BTC
instrument = BTC-PERP
[strategy.ols]
type = perp_short
beta = ols
window = 30
INI

# The shape of a written model: [mc] with 2 keys, one [mc.regime.NAME] per
# regime with k to.* keys, drift, vol, beta, one corr row per asset and 3
# jump keys; every line within the config reader's 199 characters; every
# list with one number per asset.  $1 file, $2 k, $3 assets.
shape() {
    awk -v k="$2" -v na="$3" '
        length($0) > 199 { print "line " NR " has " length($0) " characters"; bad = 1 }
        /^;/ || /^$/ { next }
        /^\[/ { sec = $0; nsec++; next }
        { keys[sec]++ }
        sec ~ /^\[mc\.regime\./ && $1 ~ /^(drift|vol|beta|corr\.)/ {
            n = split($3, v, ","); if (n != na) { print $1 " has " n " values"; bad = 1 } }
        END {
            if (nsec != k + 1) { print nsec " sections"; bad = 1 }
            if (keys["[mc]"] != 2) { print "[mc] has " keys["[mc]"] " keys"; bad = 1 }
            for (s in keys) if (s != "[mc]" && keys[s] != k + 6 + na) {
                print s " has " keys[s] " keys"; bad = 1 }
            exit bad }' "$1"
}

echo "calibrate:"
expect 0 "calibrate --help" -- "$bin" calibrate --help
grep_out "help names --window" "--window"
expect 0 "top-level help lists calibrate" -- "$bin" --help
grep_out "calibrate listed" "calibrate "

expect 0 "fit to a file" -- "$bin" calibrate "$tmp/c.ini" -o "$tmp/m.ini"
grep_out "summary: regimes" "^calm "
grep_out "summary: stress" "^stress "
grep_out "summary: betas" "^SOL "
grep_out "summary: benchmark row" "^BTC "
if [ -f "$tmp/m.ini" ] && shape "$tmp/m.ini" 2 4 >"$tmp/err" 2>&1; then ok "model shape (2 regimes, 4 assets)"; else bad "model shape"; fi
if grep -q '^regimes = calm,stress$' "$tmp/m.ini" && grep -q '^model = regime$' "$tmp/m.ini"; then ok "[mc] keys"; else bad "[mc] keys"; fi
if grep -q '^corr.BTC = ' "$tmp/m.ini" && grep -q '^to.stress = ' "$tmp/m.ini"; then ok "corr and to keys"; else bad "corr and to keys"; fi
# Transition rows sum to 1 (10 digits).
if awk -F' = ' '/^\[mc.regime/ { if (s != "" && (s < 1 - 1e-8 || s > 1 + 1e-8)) bad = 1; s = 0 }
               /^to\./ { s += $2 } END { if (s < 1 - 1e-8 || s > 1 + 1e-8) bad = 1; exit bad }' "$tmp/m.ini"; then
    ok "transition rows sum to 1"; else bad "transition rows"; fi
# The model is a config's [mc] section as written: appended to the config,
# it is read as is, and `hedgesim mc` simulates from it (lists in its order:
# the benchmark first, annual figures).
cat "$tmp/c.ini" "$tmp/m.ini" >"$tmp/cm.ini"
expect 0 "mc runs on the calibrated model" -- "$bin" mc "$tmp/cm.ini" --paths 20 --seed 3 -o "$tmp/sim.h5"
if h5ls "$tmp/sim.h5/mc" 2>/dev/null | grep -q ols; then ok "mc results from the calibrated model"; else bad "mc results from the calibrated model"; fi
if grep -q '^; .*columns: the benchmark BTC, then the book' "$tmp/m.ini" && awk -F' = ' '/^\[mc.regime.calm\]/{s=1} s && /^beta = /{split($2,b,","); exit !(b[1] == 1)}' "$tmp/m.ini"; then ok "benchmark first (beta 1)"; else bad "benchmark first (beta 1)"; fi

# Same inputs, same model.
expect 0 "stdout model" -- "$bin" calibrate "$tmp/c.ini"
if cmp -s "$tmp/out" "$tmp/m.ini"; then ok "stdout model = file model"; else bad "stdout and file differ"; fi
grep_err "summary on stderr with stdout model" "^calm "

# Never overwrite without --force; never anything but a regular file.
cp "$tmp/m.ini" "$tmp/m.before"
expect 1 "no overwrite without --force" -- "$bin" calibrate "$tmp/c.ini" -o "$tmp/m.ini" --window 2021-01-01..2022-12-31
grep_err "mentions --force" "--force"
if cmp -s "$tmp/m.ini" "$tmp/m.before"; then ok "old model untouched"; else bad "old model changed"; fi
expect 0 "--force replaces" -- "$bin" calibrate "$tmp/c.ini" -o "$tmp/m.ini" --window 2021-01-01..2022-12-31 --force -q
if cmp -s "$tmp/m.ini" "$tmp/m.before"; then bad "window changed nothing"; else ok "--window refits"; fi
grep_out_file() { if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1"; fi; }
grep_out_file "window in the header" "2021-01-01 .. 2022-12-31" "$tmp/m.ini"
mkdir "$tmp/dir"
expect 1 "refuses a directory" -- "$bin" calibrate "$tmp/c.ini" -o "$tmp/dir" --force
grep_err "names not a regular file" "not a regular file"
ln -s "$tmp/m.before" "$tmp/link"
expect 1 "refuses a symlink" -- "$bin" calibrate "$tmp/c.ini" -o "$tmp/link" --force
if [ -L "$tmp/link" ]; then ok "symlink left alone"; else bad "symlink replaced"; fi
if ls "$tmp" | grep -q 'XXXXXX\|m.ini\.'; then bad "temporary files left"; else ok "no temporary files left"; fi

# 3 regimes: names r0..r2.
expect 0 "3 regimes" -- "$bin" calibrate "$tmp/c.ini" -k 3 -o "$tmp/m3.ini" -q
if [ -f "$tmp/m3.ini" ] && shape "$tmp/m3.ini" 3 4 >"$tmp/err" 2>&1 && grep -q '^regimes = r0,r1,r2$' "$tmp/m3.ini"; then ok "3-regime shape"; else bad "3-regime shape"; fi
expect 0 "no jumps" -- "$bin" calibrate "$tmp/c.ini" --jumps 0 -o "$tmp/m0.ini" -q
if grep -q '^jump_rate = 0$' "$tmp/m0.ini" && ! grep -q '^jump_rate = [^0]' "$tmp/m0.ini"; then ok "--jumps 0: rates 0"; else bad "--jumps 0"; fi

# Bad command lines and data.
expect 2 "no config" -- "$bin" calibrate
expect 2 "bad --states" -- "$bin" calibrate "$tmp/c.ini" --states 0
grep_err "states range" "choose 1 to 8"
expect 2 "bad --window" -- "$bin" calibrate "$tmp/c.ini" --window 2021-01-01
grep_err "window format" "START..END"
expect 2 "reversed --window" -- "$bin" calibrate "$tmp/c.ini" --window 2022-01-01..2021-01-01
expect 2 "negative --jumps" -- "$bin" calibrate "$tmp/c.ini" --jumps -1
expect 2 "unknown option" -- "$bin" calibrate "$tmp/c.ini" --bogus
expect 1 "missing config" -- "$bin" calibrate "$tmp/none.ini"
expect 1 "window too short" -- "$bin" calibrate "$tmp/c.ini" --window 2021-01-01..2021-01-10
grep_err "too few" "too few"
expect 1 "asset not listed in the window" -- "$bin" calibrate "$tmp/c.ini" --window 2019-01-01..2020-06-30
grep_err "names SOL" "SOL"
expect 1 "asset with one bar in the window" -- "$bin" calibrate "$tmp/c.ini" --window 2019-01-01..2020-08-11
grep_err "SOL has no returns" "SOL has 0 returns"
ls "$tmp" >"$tmp/ls"
if grep -q '^m.ini$' "$tmp/ls" && [ "$(ls "$tmp" | grep -c '^m')" -eq 4 ]; then ok "failed runs wrote nothing"; else bad "unexpected files: $(tr '\n' ' ' <"$tmp/ls")"; fi

echo "calibrate: $pass passed, $fail failed"
[ $fail -eq 0 ]
