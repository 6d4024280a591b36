#!/usr/bin/env python3
"""Write yf_stock.csv (classic yfinance layout, with Adj Close) and
yf_index.csv (the three-line Price/Ticker/Date layout): a synthetic stock
and index over the NYSE sessions of 2021 and 2022.  Sessions are weekdays
less the holidays NYSE published for those years (listed below, not
computed), so the fixture is independent of hedgesim's calendar code.
Deterministic: python3 gen_stock_pair.py regenerates the same files."""
import datetime as dt
import random

HOLIDAYS = {
    "2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31",
    "2021-07-05", "2021-09-06", "2021-11-25", "2021-12-24",
    "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20",
    "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26",
}

rng = random.Random(20240607)
day = dt.date(2021, 1, 1)
idx, stk, factor = 3700.0, 30.0, 0.97
rows = []
while day <= dt.date(2022, 12, 31):
    d = day.isoformat()
    if day.weekday() < 5 and d not in HOLIDAYS:
        rm = rng.gauss(0.0003, 0.011)
        rs = 1.3 * rm + rng.gauss(0, 0.012)
        o_i, o_s = idx * (1 + rng.gauss(0, 0.002)), stk * (1 + rng.gauss(0, 0.003))
        idx *= 1 + rm
        stk *= 1 + rs
        if day.month in (3, 6, 9, 12) and day.day in (1, 2, 3):
            factor *= 1.004  # dividends: the adjustment factor moves
        rows.append((d, o_i, idx, o_s, stk, min(factor, 1.0)))
    day += dt.timedelta(days=1)

with open("yf_stock.csv", "w") as f:
    f.write("Date,Open,High,Low,Close,Adj Close,Volume\n")
    for d, _, _, o, c, fac in rows:
        hi, lo = max(o, c) * 1.004, min(o, c) * 0.996
        f.write(f"{d},{o:.6f},{hi:.6f},{lo:.6f},{c:.6f},{c * fac:.6f},"
                f"{rng.randint(1000000, 9000000)}\n")
with open("yf_index.csv", "w") as f:
    f.write("Price,Adj Close,Close,High,Low,Open,Volume\n")
    f.write("Ticker,IDX,IDX,IDX,IDX,IDX,IDX\n")
    f.write("Date,,,,,,\n")
    for d, o, c, _, _, _ in rows:
        hi, lo = max(o, c) * 1.003, min(o, c) * 0.997
        f.write(f"{d},{c:.6f},{c:.6f},{hi:.6f},{lo:.6f},{o:.6f},"
                f"{rng.randint(50000000, 90000000)}\n")
