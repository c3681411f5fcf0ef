"""Impute: fill a missing indicator value with the mean or median of the same indicator, over
all units or over the units of the same group (COINr's i_mean / i_median, optionally grouped).
A value stays missing when its group has no value to borrow (or the unit has no group)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lei_pipeline.index.errors import MethodError


def _stat(a: np.ndarray, how: str) -> np.ndarray:
    with warnings.catch_warnings():  # an all-missing column has no mean: NaN is the right answer
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=0) if how == "mean" else np.nanmedian(a, axis=0)


def impute(table: pd.DataFrame, method: str = "none", groups: pd.Series | None = None) -> pd.DataFrame:
    a = table.to_numpy(dtype=float, copy=True)
    miss = np.isnan(a)
    if method == "none" or not miss.any():
        return pd.DataFrame(a, index=table.index, columns=table.columns)
    if method in ("mean", "median"):
        fill = np.broadcast_to(_stat(a, method), a.shape)
        a[miss] = fill[miss]
    elif method in ("group_mean", "group_median"):
        if groups is None:
            raise MethodError(f"impute {method} needs a group column")
        codes, _ = pd.factorize(groups.reindex(table.index), use_na_sentinel=True)
        how = method.removeprefix("group_")
        for g in np.unique(codes[codes >= 0]):
            rows = codes == g
            block = a[rows]
            holes = np.isnan(block)
            if holes.any():
                block[holes] = np.broadcast_to(_stat(block, how), block.shape)[holes]
                a[rows] = block
    else:
        raise MethodError(f"impute: unknown method {method!r}")
    return pd.DataFrame(a, index=table.index, columns=table.columns)
