"""Impute: fill a missing indicator value with the mean or median of the same indicator, over
all units or over the units of the same group (COINr's i_mean / i_median, optionally grouped).
A value stays missing when its group has no value to borrow (or the unit has no group)."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.index.errors import MethodError


def impute(table: pd.DataFrame, method: str = "none", groups: pd.Series | None = None) -> pd.DataFrame:
    if method == "none" or not table.isna().to_numpy().any():
        return table.copy()
    if method in ("mean", "median"):
        fill = getattr(table, method)(skipna=True)
        return table.fillna(fill)
    if method in ("group_mean", "group_median"):
        if groups is None:
            raise MethodError(f"impute {method} needs a group column")
        stat = method.removeprefix("group_")
        fill = table.groupby(groups.reindex(table.index), sort=False, dropna=True).transform(stat)
        return table.where(table.notna(), fill.reindex(table.index))
    raise MethodError(f"impute: unknown method {method!r}")
