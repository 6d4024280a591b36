#!/usr/bin/env bash
# `make install` into a temporary DESTDIR, then use the installed tree as a
# user would: the program, the man page (one section per command of
# `hedgesim --help`), docs/examples/run_config.c built with
# `pkg-config --cflags --libs hedgesim` (the .pc's prefix mapped into the
# DESTDIR with PKG_CONFIG_SYSROOT_DIR) and run on the embedded dataset, and
# the template strategy built as a plug-in against the shared library and
# loaded by the installed program.  Last, `make uninstall` removes every
# file.  $1: make (with its flags), $2: PREFIX.
set -u
make=${1:-make}
prefix=${2:-/usr/local}
top=$(cd "$(dirname "$0")/.." && pwd)
db=${HS_TEST_DB:-$top/datasets/hedgesim.db}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
root=$dest$prefix
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$tmp/err" ] && sed 's/^/       /' "$tmp/err" | head -8; }
echo "install:"
cd "$top" || exit 1
if $make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/err" 2>&1; then
    ok "make install DESTDIR=... PREFIX=$prefix"
else
    bad "make install"; exit 1
fi
for f in bin/hedgesim lib/libhedgesim.a lib/libhedgesim.so lib/pkgconfig/hedgesim.pc \
         share/man/man1/hedgesim.1 include/hedgesim/hedgesim.h include/hedgesim/plan.h \
         include/hedgesim/summary.h include/hedgesim/strategy.h; do
    [ -e "$root/$f" ] && ok "installed $f" || bad "installed $f"
done
n_hdr=$(ls include/hedgesim/*.h | wc -l)
[ "$(ls "$root"/include/hedgesim/*.h | wc -l)" = "$n_hdr" ] && ok "all $n_hdr public headers" || bad "all public headers"
so=$(readlink "$root/lib/libhedgesim.so")
real=$(readlink "$root/lib/$so")
soname=$(readelf -d "$root/lib/$real" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
if [ "$so" = "$soname" ] && [ -f "$root/lib/$real" ] && [ "${real#"$so".}" != "$real" ]; then
    ok "versioned shared library: libhedgesim.so -> $so -> $real (soname $soname)"
else
    bad "versioned shared library ($so, $real, soname $soname)"
fi
if grep -q '^prefix='"$prefix"'$' "$root/lib/pkgconfig/hedgesim.pc"; then ok ".pc prefix is $prefix"; else bad ".pc prefix"; fi

# The program, from the staged tree: it finds the staged library.
hs=$root/bin/hedgesim
if "$hs" --version >"$tmp/out" 2>"$tmp/err" && grep -q "hedgesim " "$tmp/out"; then ok "installed hedgesim runs"; else bad "installed hedgesim runs"; fi
if ldd "$hs" | grep -qF "libhedgesim.so.$(readlink "$root/lib/libhedgesim.so" | sed "s/.*\.so\.//") => $dest"; then ok "it uses the installed library"; else ldd "$hs" >"$tmp/err"; bad "it uses the installed library"; fi
if readelf -d "$hs" | grep -q 'NEEDED.*libhedgesim.so'; then ok "hedgesim links the shared library"; else bad "hedgesim links the shared library"; fi

# The man page covers every command `hedgesim --help` lists.
man=$root/share/man/man1/hedgesim.1
cmds=$("$hs" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
missing=""
for c in $cmds; do grep -q "^\.SS $c\b" "$man" || missing="$missing $c"; done
[ -n "$cmds" ] && [ -z "$missing" ] && ok "man page has a section per command ($(echo $cmds | wc -w))" || bad "man page lacks:$missing"
if command -v man >/dev/null && MANWIDTH=80 man -l "$man" >"$tmp/out" 2>"$tmp/err" && grep -q "SYNOPSIS" "$tmp/out"; then
    ok "man -l renders it"
elif ! command -v man >/dev/null; then
    echo "  SKIP man -l: no man program"
else
    bad "man -l renders it"
fi

# docs/examples/run_config.c with pkg-config, against the staged tree.
export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs hedgesim 2>"$tmp/err")
case "$flags" in *"-I$root/include"*"-L$root/lib"*|*"-L$root/lib"*"-I$root/include"*) ok "pkg-config points into the staged tree";;
    *) echo "$flags" >"$tmp/err"; bad "pkg-config points into the staged tree";; esac
if cc -std=c11 -Wall -Wextra -Werror docs/examples/run_config.c -o "$tmp/run_config" $flags 2>"$tmp/err"; then
    ok "docs/examples/run_config.c builds with pkg-config"
else
    bad "docs/examples/run_config.c builds with pkg-config"
fi
cat >"$tmp/ex.ini" <<INI
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
[strategy.half]
type = half_hedge
beta = ewma
halflife = 20
INI
# run_config has no plug-ins: it runs the two built-in strategies.
sed '/^\[strategy.half\]/,$d' "$tmp/ex.ini" >"$tmp/ex2.ini"
if LD_LIBRARY_PATH=$root/lib "$tmp/run_config" "$tmp/ex2.ini" >"$tmp/out" 2>"$tmp/err"; then
    ok "run_config runs on the embedded dataset"
else
    bad "run_config runs on the embedded dataset"
fi
# Its numbers are hedgesim's: HE of `ols` to 4 decimals.
he_ex=$(awk '$1 == "ols" { print $3 }' "$tmp/out")
he_cli=$("$hs" run "$tmp/ex2.ini" -o "$tmp/ex.h5" --csv 2>"$tmp/err" | awk -F, '$1 == "ols" { printf "%.4f", $3 }')
[ -n "$he_ex" ] && [ "$he_ex" = "$he_cli" ] && ok "run_config's HE = hedgesim run's ($he_ex)" || bad "run_config's HE ($he_ex) = hedgesim run's ($he_cli)"

# A plug-in built against the installed library, loaded by the installed
# program (which exports nothing itself).
if cc -std=c11 -fPIC -shared strategies/template.c -o "$tmp/half.so" $flags 2>"$tmp/err"; then
    ok "plug-in builds with pkg-config"
else
    bad "plug-in builds with pkg-config"
fi
readelf -d "$tmp/half.so" | grep -q 'NEEDED.*libhedgesim.so' && ok "plug-in links libhedgesim.so" || bad "plug-in links libhedgesim.so"
if "$hs" run "$tmp/ex.ini" --plugin "$tmp/half.so" -o "$tmp/p.h5" >"$tmp/out" 2>"$tmp/err" && grep -q "^half .*half_hedge" "$tmp/out"; then
    ok "installed hedgesim runs the plug-in"
else
    bad "installed hedgesim runs the plug-in"
fi

if $make --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/err" 2>&1; then ok "make uninstall"; else bad "make uninstall"; fi
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] && ok "nothing left after uninstall" || { echo "$left" >"$tmp/err"; bad "nothing left after uninstall"; }
echo "install: $pass passed, $fail failed"
[ $fail -eq 0 ]
