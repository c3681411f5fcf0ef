"""Normalise: put every indicator on a common scale after multiplying it by its direction, so a
higher normalised score is always better.

- minmax: (x - min) / (max - min) scaled to a range (COINr n_minx).
- zscore: (x - mean) / sd * target_sd + target_mean, sample sd (n - 1) as R's sd().
- rank: rank among units, ties take the lowest rank, missing stays missing (COINr n_rank).
- goalposts: fixed per-indicator bounds in the indicator's own units, values truncated to them and
  scaled to 0..scale. Unlike the other methods it does not depend on the other units, so scores
  stay comparable across waves.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.index.errors import DataError, MethodError, ZeroRangeError
from lei_pipeline.index.method import NormaliseSpec


def _direction_vector(columns, directions: dict[str, int]) -> np.ndarray:
    return np.array([directions.get(c, 1) for c in columns], dtype=float)


def normalise(table: pd.DataFrame, directions: dict[str, int], spec: NormaliseSpec) -> pd.DataFrame:
    cols = list(table.columns)
    raw = table.to_numpy(dtype=float)
    dirs = _direction_vector(cols, directions)
    if spec.method == "minmax":
        out = _minmax(raw * dirs, cols, *spec.range)
    elif spec.method == "zscore":
        out = _zscore(raw * dirs, cols, spec.mean, spec.sd)
    elif spec.method == "rank":
        out = pd.DataFrame(raw * dirs, index=table.index, columns=cols).rank(method="min", na_option="keep").to_numpy()
    elif spec.method == "goalposts":
        out = _goalposts(raw, cols, dirs, spec)
    else:
        raise MethodError(f"normalise: unknown method {spec.method!r}")
    return pd.DataFrame(out, index=table.index, columns=table.columns, copy=False)   # out: a new array


def _spread_check(lo: np.ndarray, hi: np.ndarray, cols, what: str) -> None:
    # All-missing indicators stay missing (NaN range); only a real zero spread is an error.
    zero = (hi - lo == 0)
    if zero.any():
        bad = [c for c, z in zip(cols, zero) if z]
        raise ZeroRangeError(f"indicator {bad[0]!r} has zero {what} (every unit has the same value"
                             f"{', ' + str(len(bad) - 1) + ' more' if len(bad) > 1 else ''}); it cannot be normalised")


def _minmax(a: np.ndarray, cols, lo: float, hi: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        mn = np.nanmin(a, axis=0) if a.shape[0] else np.full(a.shape[1], np.nan)
        mx = np.nanmax(a, axis=0) if a.shape[0] else np.full(a.shape[1], np.nan)
    _spread_check(mn, mx, cols, "range")
    return (a - mn) / (mx - mn) * (hi - lo) + lo


def _zscore(a: np.ndarray, cols, mean: float, sd: float) -> np.ndarray:
    mask = ~np.isnan(a)
    n = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(mask, a, 0.0).sum(axis=0) / n
        var = np.where(mask, (a - mu) ** 2, 0.0).sum(axis=0) / (n - 1)
    s = np.sqrt(var)
    _spread_check(np.zeros_like(s), s, cols, "standard deviation")
    return (a - mu) / s * sd + mean


def _goalposts(raw: np.ndarray, cols, dirs: np.ndarray, spec: NormaliseSpec) -> np.ndarray:
    lo = np.empty(len(cols))
    hi = np.empty(len(cols))
    unknown = [k for k in spec.bounds if k not in cols]
    if unknown:
        raise DataError(f"normalise goalposts: bounds given for unknown indicator {unknown[0]!r}")
    for j, c in enumerate(cols):
        b = spec.bounds.get(c, spec.default)
        if b is None:
            raise MethodError(f"normalise goalposts: no bounds for indicator {c!r} and no default")
        lo[j], hi[j] = b
    _spread_check(lo, hi, cols, "goalpost range")
    # In place on one new array: the same operations as (clip - lo) / (hi - lo) * scale, without a
    # fresh units x indicators temporary per step (62 MB each at 100,000 units).
    frac = np.clip(raw, lo, hi)  # NaN stays NaN
    frac -= lo
    frac /= hi - lo
    lower_best = dirs < 0        # direction -1: the lower bound is the best score
    if lower_best.any():
        frac[:, lower_best] = 1.0 - frac[:, lower_best]
    frac *= spec.scale
    return frac
