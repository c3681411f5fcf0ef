"""Denominate: divide an indicator by a named denominator column (e.g. GDP, population), so units
of different size compare. Indicators without a denominator pass through unchanged."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.index.errors import DataError


def denominate(indicators: pd.DataFrame, denominators: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """indicators / denominators[mapping[indicator]] for each mapped indicator.

    A zero denominator gives a missing value rather than an infinity: the ratio is undefined and
    later steps (screening, imputation) already know what to do with missing values."""
    cols = list(indicators.columns)
    a = indicators.to_numpy(dtype=float, copy=True)
    for ind, den in mapping.items():
        if ind not in cols:
            raise DataError(f"indicator {ind!r} is not a column of the data")
        if den not in denominators.columns:
            raise DataError(f"indicator {ind!r} names unknown denominator {den!r}")
        j = cols.index(ind)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = a[:, j] / denominators[den].to_numpy(dtype=float)
        v[~np.isfinite(v)] = np.nan
        a[:, j] = v
    return pd.DataFrame(a, index=indicators.index, columns=indicators.columns)
