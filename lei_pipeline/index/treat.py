"""Treat outliers as COINr 1.1 does by default (Treat(): winsorise, then log_CT on failure).

Per indicator (missing values ignored):
1. pass when |skew| < skew_thresh OR kurt < kurt_thresh (type-2 sample statistics, as Excel);
   a passing indicator is left alone.
2. otherwise winsorise one step at a time: when skew >= 0 every value equal to the maximum takes
   the largest value below it, else every value equal to the minimum takes the smallest value
   above it. The number of winsorised points is the number of values moved in the last step on
   each side (ties pile up). Stop when it passes or that number reaches winmax.
3. if it still fails, discard the winsorised values and transform the ORIGINAL ones:
   log(x - min + 0.01 * (max - min)).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.index.method import TreatSpec


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Type-2 skewness and kurtosis of the non-missing values (NaN when undefined)."""
    return _skew_kurt_clean(x[~np.isnan(x)])


def _skew_kurt_clean(x: np.ndarray) -> tuple[float, float]:
    # numpy sums, not BLAS dot products (d2 @ d): BLAS sums in an order set by the CPU's kernel,
    # and a skewness at a threshold must decide the same way on every machine.
    n = x.size
    if n < 4:
        return np.nan, np.nan
    d = x - x.sum() / n
    d2 = d * d
    s2 = float(d2.sum())
    if s2 == 0:
        return np.nan, np.nan
    g1 = np.sqrt(n) * float((d2 * d).sum()) / s2**1.5
    skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    r = n * float((d2 * d2).sum()) / (s2 * s2)
    kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def skew_kurt_columns(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """skew_kurt of every column of a 2-D array at once (the common, fast path)."""
    mask = ~np.isnan(a)
    n = mask.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, a, 0.0).sum(axis=0) / n
        d = np.where(mask, a - mean, 0.0)
        d2 = d * d
        s2 = d2.sum(axis=0)
        g1 = np.sqrt(n) * (d2 * d).sum(axis=0) / s2**1.5
        skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * (d2 * d2).sum(axis=0) / (s2 * s2)
        kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    bad = (n < 4) | (s2 == 0)
    skew[bad] = np.nan
    kurt[bad] = np.nan
    return skew, kurt


def passes(skew: float, kurt: float, spec: TreatSpec) -> bool:
    """Undefined statistics (constant or nearly empty indicator) count as passing: nothing to treat."""
    if np.isnan(skew) or np.isnan(kurt):
        return True
    return bool(abs(skew) < spec.skew or kurt < spec.kurtosis)


def winsorise(x: np.ndarray, spec: TreatSpec) -> tuple[np.ndarray, int, bool]:
    """Winsorised copy of x, number of winsorised points, and whether it now passes."""
    ok = ~np.isnan(x)
    v = x[ok]  # work on the present values only; missing ones are written back untouched
    nhi = nlo = 0
    skew, kurt = _skew_kurt_clean(v)
    passing = passes(skew, kurt, spec)
    while not passing and nhi + nlo < spec.winmax:
        if skew >= 0:
            top = v.max()
            at = v == top
            if at.all():
                break
            v[at] = v[~at].max()
            nhi = int(at.sum())
        else:
            bot = v.min()
            at = v == bot
            if at.all():
                break
            v[at] = v[~at].min()
            nlo = int(at.sum())
        skew, kurt = _skew_kurt_clean(v)
        passing = passes(skew, kurt, spec)
    out = x.copy()
    out[ok] = v
    return out, nhi + nlo, passing


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's log_CT: log(x - min + 0.01 * (max - min)); keeps order, tames high outliers."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


def treat(table: pd.DataFrame, spec: TreatSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treated table and one row per indicator: skew/kurt before and after, points winsorised,
    and the treatment applied (none | winsorise | log)."""
    a = table.to_numpy(dtype=float, copy=True)
    skew0, kurt0 = skew_kurt_columns(a)
    skew1, kurt1 = skew0.copy(), kurt0.copy()
    applied = ["none"] * a.shape[1]
    nwin = [0] * a.shape[1]
    for j in range(a.shape[1]):
        s, k = float(skew0[j]), float(kurt0[j])
        if spec.method == "winsorise" and not passes(s, k, spec):
            xw, nwin[j], ok = winsorise(a[:, j], spec)
            if ok or spec.fallback is None:
                a[:, j] = xw
                applied[j] = "winsorise"
            else:
                a[:, j] = log_ct(a[:, j])
                applied[j] = "log"
            skew1[j], kurt1[j] = skew_kurt(a[:, j])
    details = pd.DataFrame({
        "indicator": np.asarray(table.columns, dtype=object), "skew": skew0, "kurt": kurt0,
        "treatment": applied, "winsorised": nwin, "skew_after": skew1, "kurt_after": kurt1,
        "passes_after": [passes(x, y, spec) for x, y in zip(skew1, kurt1)],
    })
    return pd.DataFrame(a, index=table.index, columns=table.columns), details
