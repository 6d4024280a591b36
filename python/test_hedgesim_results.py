"""Tests of hedgesim_results.load on files written by hedgesim.

Run by tests/cli/python.sh (make check), which writes the files and passes
their paths: HS_RESULTS_RUN (a history run), HS_RESULTS_OPTIONS (a run with
option strategies), HS_RESULTS_STRESS (a stress file).  Every value is
checked against the file read with h5py directly, and the runs' P&L
attribution must add up to the change in equity.
"""

import os
import re
import unittest

import h5py
import numpy as np
import pandas as pd

import hedgesim_results as hr

RUN = os.environ.get("HS_RESULTS_RUN")
OPTIONS = os.environ.get("HS_RESULTS_OPTIONS")
STRESS = os.environ.get("HS_RESULTS_STRESS")

METRICS = ["hedge_effectiveness", "tracking_error", "residual_beta",
           "ann_return", "ann_vol", "sharpe", "max_drawdown", "var95",
           "cvar95", "var99", "cvar99", "turnover", "fees", "slippage",
           "funding", "premium", "hedge_cost_drag", "total_return",
           "years"]


def same(a, b):
    """Equal as doubles, NaN equal to NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) |
                                              (np.isnan(a) & np.isnan(b))))


class RunFile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = hr.load(RUN)

    def test_one_line_pandas(self):
        # The documented one-liners.
        s = pd.DataFrame(h5py.File(RUN)["summary"][()])
        self.assertEqual(list(s.columns), ["run", "type"] + METRICS)
        f = pd.DataFrame(h5py.File(RUN)["/runs/ols/fills"][()])
        self.assertEqual(list(f.columns),
                         ["time", "qty", "price", "fee", "slippage"])

    def test_summary_equals_metrics(self):
        with h5py.File(RUN, "r") as f:
            runs = list(f["runs"].keys())
            self.assertEqual(sorted(self.r.summary.index), sorted(runs))
            for name in runs:
                m = f["runs"][name]["metrics"].attrs
                row = self.r.summary.loc[name]
                self.assertEqual(row["type"], f["runs"][name].attrs["type"])
                for k in METRICS:
                    self.assertTrue(same(row[k], m[k]), (name, k))

    def test_series(self):
        with h5py.File(RUN, "r") as f:
            n = len(f["calendar/time"])
            t0 = int(f["calendar/time"][0])
            for name, df in self.r.series.items():
                self.assertEqual(len(df), n)
                self.assertEqual(str(df.index.tz), "UTC")
                self.assertEqual(df.index[0].value // 10**6, t0)
                self.assertTrue(same(df["equity"],
                                     f["runs"][name]["equity"][()]))
                self.assertTrue(same(df["pnl/hedge"],
                                     f["runs"][name]["pnl"]["hedge"][()]))
                self.assertNotIn("fills", df.columns)
        self.assertIn("benchmark", self.r.book.columns)

    def test_attribution_adds_up(self):
        # equity[i] - equity[i-1] is the sum of the attribution, with
        # equity[-1] the config's capital (docs/results-format.md).
        capital = float(re.search(r"^capital\s*=\s*(\S+)",
                                  self.r.attrs["config"], re.M).group(1))
        for name, df in self.r.series.items():
            terms = df[["pnl/book", "pnl/hedge", "pnl/options", "pnl/fees",
                        "pnl/slippage", "pnl/funding"]].sum(axis=1)
            d = df["equity"].diff().iloc[1:]
            self.assertTrue(np.allclose(d, terms.iloc[1:], rtol=0,
                                        atol=1e-9 * df["equity"].abs().max()),
                            name)
            self.assertAlmostEqual(df["equity"].iloc[0] - terms.iloc[0],
                                   capital, delta=1e-9 * capital)

    def test_fills(self):
        with h5py.File(RUN, "r") as f:
            times = set(f["calendar/time"][()].tolist())
        self.assertEqual(len(self.r.fills["none"]), 0)
        fl = self.r.fills["ols"]
        self.assertGreater(len(fl), 0)
        self.assertTrue((fl["fee"] >= 0).all())
        self.assertTrue(set(fl["time"].tolist()) <= times)
        self.assertTrue(fl["time"].is_monotonic_increasing)
        self.assertIsNone(self.r.stress)
        self.assertEqual(self.r.attrs["mode"], "history")


@unittest.skipUnless(OPTIONS, "no option run given")
class OptionFile(unittest.TestCase):
    def test_option_tables(self):
        r = hr.load(OPTIONS)
        self.assertTrue(r.option_trades)
        for name, tr in r.option_trades.items():
            self.assertEqual(list(tr.columns),
                             ["time", "expiry", "strike", "right", "qty",
                              "price", "fee", "kind", "off_chain"])
            self.assertTrue(set(tr["kind"]) <= {"buy", "sell", "buy_smile",
                                                "sell_smile", "buy_last_mark",
                                                "sell_last_mark", "settle"})
            self.assertTrue(set(tr["off_chain"]) <= {0, 1})
            self.assertTrue(set(tr["right"]) <= {"call", "put"})
            pos = r.option_positions[name]
            self.assertTrue((pos["expiry"] > pos["time"]).all())
            with h5py.File(OPTIONS, "r") as f:
                raw = f["runs"][name]["option_trades"][()]
            self.assertTrue(same(tr["strike"], raw["strike"]))
            self.assertIn("greeks/delta", r.series[name].columns)


@unittest.skipUnless(STRESS, "no stress file given")
class StressFile(unittest.TestCase):
    def test_stress(self):
        r = hr.load(STRESS)
        with h5py.File(STRESS, "r") as f:
            windows = [hr._decode(w) for w in f["stress"].attrs["windows"]]
            raw = f["stress/summary"][()]
        self.assertEqual(list(r.stress["window"].unique()), windows)
        self.assertEqual(len(r.stress), len(raw))
        self.assertTrue(same(r.stress["ret_hedged"], raw["ret_hedged"]))
        self.assertEqual(sorted(r.stress_series), sorted(windows))
        w = windows[0]
        runs = set(r.stress[r.stress["window"] == w]["run"])
        self.assertEqual(set(r.stress_series[w]), runs)
        self.assertIsNone(r.summary)
        self.assertIn("/stress/%s/summary" % w, r.tables)


if __name__ == "__main__":
    unittest.main(verbosity=1)
