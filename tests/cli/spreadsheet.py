"""The textbook backtest, written as a spreadsheet would: one plain loop over
the days, from the rules of docs/concepts.md, on the store's rows.  Nothing
here calls hedgesim: it reads the store with sqlite3 and compares its own
equity, hedge position and beta, day by day, with a results file of
`hedgesim run` (h5py).

Settings (docs/concepts.md, "How to reproduce a textbook backtest"): fills
at the close with no slippage, a fee of 7 bps, delistings known in advance,
beta_input = target; the perp marked at BTC's spot price (its own bars do
not cover the window), funding from the store (the constant 0.01 % every
8 h where it has none), each settlement priced inside its bar.

usage: spreadsheet.py STORE RESULTS.h5 RUN START END
"""
import math
import sqlite3
import sys

import h5py
import numpy as np

DAY = 86400000
H8 = 8 * 3600000

store, results, run, start_s, end_s = sys.argv[1:6]
f = h5py.File(results, "r")
cfg = f.attrs["config"]
cfg = cfg.decode() if isinstance(cfg, bytes) else cfg


def key(section, name, default):
    """A key of the config text (the one the run recorded)."""
    sec = None
    for line in cfg.splitlines():
        line = line.split(";")[0].strip()
        if line.startswith("["):
            sec = line.strip("[]")
        elif "=" in line and sec == section:
            k, v = (x.strip() for x in line.split("=", 1))
            if k == name:
                return v
    return default


assets = key("book", "assets", "").split(",")
min_history = int(key("book", "min_history", "0"))
capital = float(key("book", "capital", "0"))
fee = 7 / 1e4  # (the run's --set costs.fee_bps = 7)
window = 60
assert key("strategy.ols60", "window", "") == "60"
assert key("book", "rebalance", "") == "weekly"
assert key("book", "weights", "") == "equal"

db = sqlite3.connect("file:%s?mode=ro" % store, uri=True)


def ms(day):
    y, m, d = (int(x) for x in day.split("-"))
    return int((np.datetime64("%04d-%02d-%02d" % (y, m, d)) -
                np.datetime64("1970-01-01")).astype(int)) * DAY


# The grid: `min_history + window + 1` warm-up days before the start.
lookback = min_history + window + 1
start, end = ms(start_s), ms(end_s)
t0 = start - lookback * DAY
times = np.arange(t0, end + DAY, DAY, dtype=np.int64)
n = len(times)
lf = lookback


def bars(symbol, t_from=t0, t_to=end + DAY):
    rows = db.execute(
        "SELECT b.ts, b.open, b.close FROM bars b JOIN instruments i "
        "ON i.id = b.instrument_id WHERE i.symbol = ? AND b.ts >= ? "
        "AND b.ts < ? ORDER BY b.ts", (symbol, t_from, t_to)).fetchall()
    return rows


# Per asset: open, close (NaN where absent), state 0 real / 1 carried /
# 2 absent, first and last real step, and whether the data ends for good.
syms = assets + ["BTC"]
na = len(syms)
O = np.full((n, na), np.nan)
C = np.full((n, na), np.nan)
S = np.full((n, na), 2)
first, last, delisted = [], [], []
for a, s in enumerate(syms):
    for ts, o, c in bars(s):
        t = (ts - t0) // DAY
        O[t, a], C[t, a], S[t, a] = o, c, 0
    real = np.nonzero(S[:, a] == 0)[0]
    fa, la = int(real[0]), int(real[-1])
    later = bars(s, end + DAY, 2**62)
    for t in range(fa + 1, la):  # gaps: carried
        if S[t, a] != 0:
            O[t, a] = C[t, a] = C[t - 1, a]
            S[t, a] = 1
    gone = not later and la < n - 1
    if not gone:
        for t in range(la + 1, n):
            O[t, a] = C[t, a] = C[t - 1, a]
            S[t, a] = 1
    first.append(fa)
    last.append(la)
    delisted.append(gone)
nb = len(assets)
BTC = nb

# Funding of BTC-PERP: the store's settlements, the constant before and after.
fund = db.execute(
    "SELECT f.ts, f.rate, f.interval_hours FROM funding f JOIN instruments i "
    "ON i.id = f.instrument_id WHERE i.symbol = 'BTC-PERP' AND f.ts >= ? "
    "AND f.ts < ? ORDER BY f.ts", (t0, end + DAY)).fetchall()
settle = []
g = t0
while g < (fund[0][0] if fund else end + DAY):
    settle.append((g, 0.0001))
    g += H8
settle += [(ts, r) for ts, r, _ in fund]
if fund:
    g = fund[-1][0] + int(fund[-1][2] * 3600000)
    while g < end + DAY:
        settle.append((g, 0.0001))
        g += H8
by_step = [[] for _ in range(n)]
for ts, r in settle:
    by_step[(ts - t0) // DAY].append((ts, r))


def eligible(t, a):
    return (S[t, a] != 2 and first[a] + min_history <= t + 1 and
            not (delisted[a] and t >= last[a]))


def weights(t):
    e = [eligible(t, a) for a in range(nb)]
    k = sum(e)
    return np.array([1.0 / k if x else 0.0 for x in e]), k


def sunday(t):
    return np.datetime64(int(times[t]), "ms").astype("datetime64[D]").item().isoweekday() == 7


def basket_return(t, x):
    """Holdings x (units) decided at the close of t-1 over step t, on the
    assets with a real bar at t and a price at t-1."""
    v0 = dv = 0.0
    for a in range(nb):
        if x[a] == 0 or S[t, a] != 0 or S[t - 1, a] == 2:
            continue
        v0 += x[a] * C[t - 1, a]
        dv += x[a] * (C[t, a] - C[t - 1, a])
    return dv / v0 if v0 > 0 else math.nan


def ols(xs, ys):
    """OLS slope over the last `window` finite pairs, NaN before."""
    pts = [(x, y) for x, y in zip(xs, ys) if math.isfinite(x) and math.isfinite(y)]
    if len(pts) < window:
        return math.nan
    x = np.array([p[0] for p in pts[-window:]])
    y = np.array([p[1] for p in pts[-window:]])
    dx = x - x.mean()
    return float((dx * (y - y.mean())).sum() / (dx * dx).sum())


q = np.zeros(nb)            # book holdings, units
pend = np.zeros(nb)         # book orders waiting for a real bar
cash = capital              # book cash
hq = 0.0                    # hedge position, BTC
hcash = 0.0                 # hedge account
intent = np.zeros(nb)       # holdings decided at the previous close
xs, ys = [], []
out = {"equity": [], "hedge_qty": [], "beta": []}
ever = False
for t in range(n):
    c = C[t]
    # The estimator's observation of step t (x: BTC, y: the decided basket).
    if t > 0:
        xs.append(C[t, BTC] / C[t - 1, BTC] - 1)
        ys.append(basket_return(t, intent))
    if t < lf:
        w, _ = weights(t)
        intent = np.where(np.isfinite(c[:nb]) & (w > 0), w / np.where(np.isfinite(c[:nb]), c[:nb], 1), 0.0)
        continue
    # 1. The book at the open: waiting orders fill on a real bar; marks.
    for a in range(nb):
        if S[t, a] == 2:
            assert q[a] == 0  # known delistings are sold at the last close
            pend[a] = 0
            continue
        if pend[a] != 0 and S[t, a] == 0:
            cash -= pend[a] * O[t, a] + abs(pend[a]) * O[t, a] * fee
            q[a] += pend[a]
            pend[a] = 0
    hold = sum(q[a] * c[a] for a in range(nb) if q[a] != 0)
    # 2. The hedge: marked close to close, funding per settlement.
    if t > lf:
        hcash += hq * (c[BTC] - C[t - 1, BTC])
    o_b, c_b = O[t, BTC], c[BTC]
    for ts, r in by_step[t]:
        price = o_b + (c_b - o_b) * ((ts - times[t]) / DAY)
        hcash += -hq * price * r
    # 3. Known delistings sold at the close of their last bar.
    equity = cash + hold + hcash
    for a in range(nb):
        if delisted[a] and last[a] == t and q[a] != 0:
            cash += q[a] * c[a] - abs(q[a]) * c[a] * fee
            equity -= abs(q[a]) * c[a] * fee
            q[a] = 0
            pend[a] = 0
    # 4. Rebalance: the first live step with anything eligible, then Sundays.
    w, k = weights(t)
    due = k > 0 and (not ever or (t + 1 < n and sunday(t)))
    ever = ever or k > 0
    if due:
        for a in range(nb):
            if not np.isfinite(c[a]) or S[t, a] == 2:
                continue
            d = w[a] * equity / c[a] - q[a]
            if d != 0 and S[t, a] == 0:
                cash -= d * c[a] + abs(d) * c[a] * fee
                q[a] += d
                pend[a] = 0
            else:
                pend[a] = d
    hold = sum(q[a] * c[a] for a in range(nb) if q[a] != 0)
    exposure = sum((q[a] + pend[a]) * c[a] for a in range(nb) if np.isfinite(c[a]) and S[t, a] != 2)
    intent = q + pend
    # 5. The beta, then perp_short: -beta x exposure / price, 0.001 BTC
    # contracts, an order of at least half a contract, none at the last step.
    beta = ols(xs, ys)
    target = None
    if exposure == 0:
        target = 0.0
    elif math.isfinite(beta):
        target = -beta * exposure / c_b
    if target is not None and t + 1 < n:
        m = target / 0.001  # to whole contracts, halves away from zero
        target = math.copysign(math.floor(abs(m) + 0.5), m) * 0.001
        if abs(target - hq) >= 0.0005:
            hcash -= abs(target - hq) * c_b * fee
            hq = target
    out["equity"].append(cash + hold + hcash)
    out["hedge_qty"].append(hq)
    out["beta"].append(beta)

# Against the results file, every live day.
g = f["/runs/%s" % run]
got = {k: g[k][()] for k in out}
assert len(got["equity"]) == n - lf, (len(got["equity"]), n - lf)
worst = {}
for k, want in out.items():
    want = np.array(want)
    have = got[k]
    scale = np.maximum(np.abs(want), 1.0 if k != "equity" else 0.0)
    both_nan = np.isnan(want) & np.isnan(have)
    rel = np.where(both_nan, 0.0, np.abs(have - want) / np.where(scale > 0, scale, 1))
    i = int(np.nanargmax(rel))
    worst[k] = (float(rel[i]), i)
    if not rel[i] <= 1e-9:
        day = np.datetime64(int(times[lf + i]), "ms")
        sys.exit("%s differs on %s (live step %d): hedgesim %.17g, "
                 "spreadsheet %.17g (relative %.3g)" %
                 (k, day, i, have[i], want[i], rel[i]))
print("%d days; worst relative differences: %s" % (
    n - lf, ", ".join("%s %.2g" % (k, v[0]) for k, v in worst.items())))
