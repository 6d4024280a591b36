"""Load a hedgesim results file (HDF5) into pandas DataFrames.

Needs h5py and pandas only (Debian: python3-h5py, python3-pandas).

    import hedgesim_results as hr
    r = hr.load("results/demo.h5")
    r.summary                        # one row per run, indexed by run name
    r.series["ols60"]["equity"]      # every series of a run, indexed by time
    r.fills["ols60"]                 # the hedge's fills
    r.tables["/stress/summary"]      # every record table, by path

The layout is described in docs/results-format.md.  Record tables (compound
datasets) become DataFrames with their string columns decoded to str; times
(int64 ms UTC) stay integers in tables and become a UTC DatetimeIndex on
series.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional

import h5py
import pandas as pd

__all__ = ["Results", "load", "table", "time_index"]


@dataclass
class Results:
    """Everything a results file holds, as DataFrames.

    attrs         the root attributes (command line, config text, seed, ...)
    summary       /summary: one row per run, index `run` (run files)
    series        run name -> DataFrame of its 1-D series over /calendar/time
                  (columns named as the datasets: "equity", "pnl/book", ...)
    fills         run name -> the hedge's fills
    option_trades, option_positions
                  run name -> those tables (option runs only)
    book          /book series (and /benchmark/return as "benchmark")
    tables        every record table in the file, by its path
    stress, sweep, mc, analytics
                  /stress/summary, /sweep/summary, /mc/summary,
                  /analytics/summary when the file has them, else None
    stress_series window -> run name -> series over the window (stress files)
    """

    path: str
    attrs: Dict[str, object] = field(default_factory=dict)
    summary: Optional[pd.DataFrame] = None
    series: Dict[str, pd.DataFrame] = field(default_factory=dict)
    fills: Dict[str, pd.DataFrame] = field(default_factory=dict)
    option_trades: Dict[str, pd.DataFrame] = field(default_factory=dict)
    option_positions: Dict[str, pd.DataFrame] = field(default_factory=dict)
    book: Optional[pd.DataFrame] = None
    tables: Dict[str, pd.DataFrame] = field(default_factory=dict)
    stress: Optional[pd.DataFrame] = None
    sweep: Optional[pd.DataFrame] = None
    mc: Optional[pd.DataFrame] = None
    analytics: Optional[pd.DataFrame] = None
    stress_series: Dict[str, Dict[str, pd.DataFrame]] = field(
        default_factory=dict)


def _decode(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return v


def table(ds) -> pd.DataFrame:
    """A record table (compound dataset) as a DataFrame, strings as str.

    Older files stored some tables as a group of column datasets with a
    `columns` attribute; those are read too."""
    if isinstance(ds, h5py.Group):
        cols = [_decode(c) for c in ds.attrs["columns"]]
        return pd.DataFrame({
            c: ds[c].asstr()[()] if ds[c].dtype.kind == "O" else ds[c][()]
            for c in cols})
    df = pd.DataFrame(ds[()])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(_decode)
    return df


def time_index(ms) -> pd.DatetimeIndex:
    """int64 milliseconds since 1970-01-01 UTC as a DatetimeIndex."""
    return pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True),
                            name="time")


def _is_table(obj) -> bool:
    if isinstance(obj, h5py.Dataset):
        return obj.dtype.names is not None
    return isinstance(obj, h5py.Group) and "nrows" in obj.attrs


def _series(group, index) -> pd.DataFrame:
    """The 1-D numeric datasets under `group` (one level of subgroups,
    e.g. pnl/) as columns over `index`."""
    cols = {}

    def visit(name, obj):
        if (isinstance(obj, h5py.Dataset) and obj.ndim == 1
                and obj.dtype.names is None and obj.dtype.kind == "f"
                and len(obj) == len(index)):
            cols[name] = obj[()]
    group.visititems(visit)
    return pd.DataFrame(cols, index=index)


def _runs(root, index):
    out = {}
    if "runs" not in root:
        return out
    for name, g in root["runs"].items():
        out[name] = _series(g, index)
    return out


def load(path: str) -> Results:
    """Read the results file `path` (any file hedgesim writes)."""
    r = Results(path=path)
    with h5py.File(path, "r") as f:
        r.attrs = {k: _decode(v) for k, v in f.attrs.items()}

        def visit(name, obj):
            if _is_table(obj):
                r.tables["/" + name] = table(obj)
        f.visititems(visit)

        if "summary" in f and _is_table(f["summary"]):
            r.summary = r.tables["/summary"].set_index("run")
        if "calendar/time" in f:
            index = time_index(f["calendar/time"][()])
            r.series = _runs(f, index)
            if "book" in f:
                book = _series(f["book"], index)
                if "benchmark/return" in f:
                    book["benchmark"] = f["benchmark/return"][()]
                r.book = book
        for name, g in (f["runs"].items() if "runs" in f else []):
            for key, dest in (("fills", r.fills),
                              ("option_trades", r.option_trades),
                              ("option_positions", r.option_positions)):
                if key in g:
                    dest[name] = r.tables["/runs/%s/%s" % (name, key)]
        for key in ("stress", "sweep", "mc", "analytics"):
            setattr(r, key, r.tables.get("/%s/summary" % key))
        if "stress" in f:
            for w, g in f["stress"].items():
                if isinstance(g, h5py.Group) and "calendar/time" in g:
                    r.stress_series[w] = _runs(
                        g, time_index(g["calendar/time"][()]))
    return r
