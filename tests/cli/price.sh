#!/usr/bin/env bash
# End-to-end checks of `hedgesim price`.  Usage: tests/cli/price.sh HEDGESIM
# Prints one line per check and `price: N passed, M failed`; exits non-zero
# on any failure.
set -u
bin=${1:?usage: price.sh path/to/hedgesim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }

# run NAME EXPECTED_EXIT CMD...: stdout in $tmp/out, stderr in $tmp/err
run() {
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

# 1. The example from the help prints a price and the greeks.
if run "example put" 0 "$bin" price --right put --spot 30000 --strike 25000 \
    --days 30 --vol 0.8 --rate 0.05; then
    # Independent value: python3 with math.erf, Black-Scholes put:
    # 733.6923403065466.
    p=$(awk '$1 == "price" { print $2 }' "$tmp/out")
    if [ -n "$p" ] && awk -v p="$p" 'BEGIN { d = p - 733.6923403065466; exit !(d < 1e-6 && d > -1e-6) }'; then
        ok "example put prints price $p"
    else
        bad "example put" "price '$p' in: $(cat "$tmp/out")"
    fi
    if grep -q '^theta .*per day' "$tmp/out" && grep -q '^vega .*per vol point' "$tmp/out"; then
        ok "example put prints theta per day and vega per vol point"
    else
        bad "example put units" "$(cat "$tmp/out")"
    fi
fi

# 2. Hull, Options, Futures, and Other Derivatives, 8th ed., Example 15.6:
#    call 4.76 with S 42, K 40, r 10 %, sigma 20 %, T 0.5.
if run "hull 15.6" 0 "$bin" price --right call --spot 42 --strike 40 \
    --years 0.5 --vol 0.2 --rate 0.1; then
    p=$(awk '$1 == "price" { printf "%.2f", $2 }' "$tmp/out")
    [ "$p" = "4.76" ] && ok "Hull example 15.6 call 4.76" || bad "hull 15.6" "got $p"
fi

# 3. --price solves the implied vol of the example's own price.
if run "implied vol" 0 "$bin" price --right put --spot 30000 --strike 25000 \
    --days 30 --price 733.6923403065466 --rate 0.05; then
    v=$(awk '$1 == "implied" { print $3 }' "$tmp/out")
    if awk -v v="$v" 'BEGIN { d = v - 0.8; exit !(d < 1e-9 && d > -1e-9) }'; then
        ok "--price recovers vol 0.8 ($v)"
    else
        bad "implied vol" "got '$v'"
    fi
fi

# 4. Black-76 with --forward (model implied) and a coin-settled price.
if run "black76 inverse" 0 "$bin" price --forward 9352.58 --strike 9250 \
    --years 0.0222 --right put --price 0.04010621 --inverse; then
    grep -q '^Black-76 put' "$tmp/out" && grep -q 'premium-adjusted' "$tmp/out" &&
        ok "--forward selects Black-76; --inverse prints coin greeks" ||
        bad "black76 inverse" "$(cat "$tmp/out")"
fi

# 5. CSV round trip: price rows, feed the prices back with --solve-iv.
cat >"$tmp/in.csv" <<'EOF'
right,spot,strike,years,rate,vol
call,100,100,1,0.05,0.2
put,100,90,0.25,0.02,0.55
call,30000,35000,0.1,0,0.8
put,30000,25000,0.0821917808219178,0.05,0.8
call,1.5,1.2,2,-0.01,1.3
put,50,55,0.5,0.03,0.05
EOF
for model in bs black76; do
    # Black-76 reads a 'forward' column (the single form's --forward).
    [ "$model" = black76 ] && sed -i '1s/spot/forward/' "$tmp/in.csv"
    under=$(head -1 "$tmp/in.csv" | cut -d, -f2)
    if run "csv $model" 0 "$bin" price --csv --model "$model" "$tmp/in.csv"; then
        head -1 "$tmp/out" | grep -qx 'price,delta,gamma,vega,theta,rho' &&
            [ "$(wc -l <"$tmp/out")" -eq 7 ] &&
            ok "--csv --model $model writes a header and 6 rows" ||
            bad "csv $model" "$(cat "$tmp/out")"
        # rows of the input with the price instead of the vol
        paste -d, <(tail -n +2 "$tmp/in.csv" | cut -d, -f1-5) \
            <(tail -n +2 "$tmp/out" | cut -d, -f1) |
            sed "1i right,$under,strike,years,rate,price" >"$tmp/iv_in.csv"
        if run "csv solve $model" 0 "$bin" price --csv --solve-iv --model "$model" <"$tmp/iv_in.csv"; then
            if paste -d, <(tail -n +2 "$tmp/in.csv" | cut -d, -f6) <(tail -n +2 "$tmp/out") |
                awk -F, 'NF != 2 || $2 == "" { bad = 1 }
                         { d = $1 - $2; if (d > 1e-6 || d < -1e-6) bad = 1 }
                         END { exit bad }' && [ "$(wc -l <"$tmp/out")" -eq 7 ]; then
                ok "--csv --solve-iv --model $model recovers the vols within 1e-6"
            else
                bad "csv round trip $model" "$(paste -d' ' "$tmp/in.csv" "$tmp/out")"
            fi
        fi
    fi
done

# 5b. A 'forward' column without --model prices Black-76, as --forward does
# (the issue's example: 755.74 on the forward, not Black-Scholes' 733.69);
# a column that does not match --model is refused, as in the single form.
printf 'right,forward,strike,years,rate,vol\nput,30000,25000,0.0821917808219178,0.05,0.8\n' >"$tmp/fwd.csv"
if run "csv forward" 0 "$bin" price --csv "$tmp/fwd.csv" &&
    single=$("$bin" price --right put --forward 30000 --strike 25000 --days 30 \
        --vol 0.8 --rate 0.05 | awk '$1 == "price" { print $2 }'); then
    p=$(tail -1 "$tmp/out" | cut -d, -f1)
    awk -v p="$p" -v s="$single" 'BEGIN { d = p - s; exit !(d < 1e-6 && d > -1e-6 && p > 755 && p < 756) }' &&
        ok "--csv with a forward column prices Black-76 ($p), as --forward ($single)" ||
        bad "csv forward" "csv $p, single $single"
fi
if run "csv forward with bs" 1 "$bin" price --csv --model bs "$tmp/fwd.csv"; then
    grep -q "'forward' column is for --model black76" "$tmp/err" &&
        ok "--model bs refuses a forward column" || bad "csv forward bs" "$(cat "$tmp/err")"
fi
if run "single forward with bs" 2 "$bin" price --model bs --right put --forward 30000 \
    --strike 25000 --days 30 --vol 0.8; then
    ok "--model bs refuses --forward in the single form too"
fi
printf 'right,spot,strike,years,rate,vol\nput,30000,25000,0.0821917808219178,0.05,0.8\n' >"$tmp/spot.csv"
if run "csv spot with black76" 1 "$bin" price --csv --model black76 "$tmp/spot.csv"; then
    grep -q "needs a 'forward' column" "$tmp/err" &&
        ok "--model black76 refuses a spot column" || bad "csv spot black76" "$(cat "$tmp/err")"
fi
printf 'right,spot,forward,strike,years,rate,vol\nput,1,1,1,1,0,0.8\n' >"$tmp/both.csv"
if run "csv spot and forward" 1 "$bin" price --csv "$tmp/both.csv"; then
    grep -q "both 'spot' and 'forward'" "$tmp/err" &&
        ok "spot and forward columns without --model are refused" || bad "csv both" "$(cat "$tmp/err")"
fi

# 6. --solve-iv with a price below intrinsic: empty iv, reason on stderr,
#    exit 0 because every row parsed.
printf 'right,spot,strike,years,rate,price\ncall,120,100,0.5,0,15\ncall,100,100,1,0.05,10.450583572185565\n' >"$tmp/below.csv"
if run "below intrinsic" 0 "$bin" price --csv --solve-iv "$tmp/below.csv"; then
    line2=$(sed -n 2p "$tmp/out")
    line3=$(sed -n 3p "$tmp/out")
    if [ -z "$line2" ] && [ -n "$line3" ] && grep -q ':2: .*below_intrinsic' "$tmp/err"; then
        ok "price below intrinsic: empty iv, reason with line number on stderr"
    else
        bad "below intrinsic" "out: $(cat "$tmp/out") err: $(cat "$tmp/err")"
    fi
fi

# 7. Command-line errors: one line, exit 2.
usage_check() {
    local name=$1
    shift
    if run "$name" 2 "$bin" price "$@"; then
        [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "$name: exit 2, one line" ||
            bad "$name" "stderr: $(cat "$tmp/err")"
    fi
}
usage_check "bad number" --right put --spot 3x0 --strike 25000 --days 30 --vol 0.8
usage_check "unknown option" --right put --spot 300 --strike 250 --days 30 --vol 0.8 --bogus
usage_check "missing --strike" --right put --spot 300 --days 30 --vol 0.8
usage_check "negative vol" --right put --spot 300 --strike 250 --days 30 --vol -0.8
usage_check "both --days and --years" --right put --spot 300 --strike 250 --days 30 --years 1 --vol 0.8
usage_check "--spot with black76" --model black76 --right put --spot 300 --strike 250 --days 30 --vol 0.8
usage_check "bad right" --right straddle --spot 300 --strike 250 --days 30 --vol 0.8

# 8. A price no volatility reproduces: exit 1 with the reason.
if run "unattainable price" 1 "$bin" price --right put --spot 100 --strike 100 --days 10 --price 200; then
    grep -q 'above_max' "$tmp/err" && ok "price above the upper bound: exit 1, reason" ||
        bad "unattainable price" "$(cat "$tmp/err")"
fi

# 9. Malformed CSV: the line number and the field, exit 1.
printf 'right,spot,strike,years,rate,vol\ncall,100,100,1,0,0.2\nput,100,abc,1,0,0.2\n' >"$tmp/bad.csv"
if run "malformed csv" 1 "$bin" price --csv <"$tmp/bad.csv"; then
    grep -q "stdin:3: field 'strike'" "$tmp/err" && ok "malformed CSV names line 3 and field 'strike'" ||
        bad "malformed csv" "$(cat "$tmp/err")"
fi
printf 'right,spot,strike,years,rate\ncall,100,100,1,0\n' >"$tmp/nocol.csv"
if run "missing column" 1 "$bin" price --csv "$tmp/nocol.csv"; then
    grep -q "missing column 'vol'" "$tmp/err" && ok "missing CSV column named" ||
        bad "missing column" "$(cat "$tmp/err")"
fi

# 10. --help
if run "help" 0 "$bin" price --help; then
    grep -q '^usage: hedgesim price' "$tmp/out" && ok "--help prints the usage" ||
        bad "help" "$(head -3 "$tmp/out")"
fi

echo "price: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
