#!/usr/bin/env bash
# Benchmark of hedgesim-mpi (make bench MPI=1, docs/scale.md): paths/s of
# `mc` and grid points/s of `sweep` on 1 and 2 ranks, one thread each, on
# the embedded dataset, and the communication measured by the tool itself
# ($HEDGESIM_MPI_STATS: chunk round trips and the gather on rank 0).
# Rates are net of the start-up (MPI, config, history): the wall time of a
# run of N items minus that of a run of a few, over N minus a few.
# Usage: tests/mpi/bench.sh path/to/hedgesim-mpi [paths] [window-step]
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
paths=${2:-1000}
wstep=${3:-1}
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpirun=(mpirun --oversubscribe --allow-run-as-root)
cfg_mc=configs/alt-basket-mc.ini
cfg_sw=configs/alt-basket-btc-hedge.ini

secs() { # wall seconds of "$@", output discarded; fails the script on error
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$tmp/out" 2>"$tmp/err" || { echo "bench failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk "BEGIN { print $t1 - $t0 }"
}
rate() { awk "BEGIN { printf \"%.1f\", ($1 - $2) / ($3 - $4) }"; }

echo "hedgesim-mpi on $(nproc) cores, $(mpirun --version 2>&1 | head -1)"
few=8
for r in 1 2; do
    t_few=$(secs "${mpirun[@]}" -n $r "$bin" mc $cfg_mc --paths $few -q -o "$tmp/m.h5" --force)
    t_n=$(secs "${mpirun[@]}" -n $r "$bin" mc $cfg_mc --paths "$paths" -q -o "$tmp/m.h5" --force)
    printf 'mc    %d rank(s): %6d paths (365 steps, 14 assets, 4 runs) in %6.2f s, start-up %5.2f s: %8s paths/s\n' \
        $r "$paths" "$t_n" "$t_few" "$(rate "$paths" $few "$t_n" "$t_few")"
done
vary_few=(--vary strategy.ols60.window=20:27:1)
vary=(--vary strategy.ols60.window=20:250:"$wstep" --vary costs.fee_bps=2,5)
points=$(( ( (250 - 20) / wstep + 1 ) * 2 ))
for r in 1 2; do
    t_few=$(secs "${mpirun[@]}" -n $r "$bin" sweep $cfg_sw --run ols60 "${vary_few[@]}" -k 0 -q -o "$tmp/s.h5" --force)
    t_n=$(secs "${mpirun[@]}" -n $r "$bin" sweep $cfg_sw --run ols60 "${vary[@]}" -k 0 -q -o "$tmp/s.h5" --force)
    printf 'sweep %d rank(s): %6d points (2019-2024 daily, 1 run)   in %6.2f s, start-up %5.2f s: %8s points/s\n' \
        $r "$points" "$t_n" "$t_few" "$(rate "$points" $few "$t_n" "$t_few")"
done
echo "communication, 2 ranks (HEDGESIM_MPI_STATS=1):"
HEDGESIM_MPI_STATS=1 "${mpirun[@]}" -n 2 "$bin" mc $cfg_mc --paths "$paths" -q \
    -o "$tmp/m.h5" --force 2>&1 >/dev/null | sed 's/^/  mc:    /'
HEDGESIM_MPI_STATS=1 "${mpirun[@]}" -n 2 "$bin" sweep $cfg_sw --run ols60 "${vary[@]}" -k 0 -q \
    -o "$tmp/s.h5" --force 2>&1 >/dev/null | sed 's/^/  sweep: /'
