"""Screen: drop units with too few indicator values to be scored fairly."""
from __future__ import annotations

import pandas as pd


def availability(table: pd.DataFrame) -> pd.Series:
    """Share of non-missing indicator values per unit (0..1)."""
    n = table.shape[1]
    if n == 0:
        return pd.Series(1.0, index=table.index, name="availability")
    return pd.Series(table.notna().to_numpy().sum(axis=1) / n, index=table.index, name="availability")


def screen(table: pd.DataFrame, min_availability: float) -> tuple[pd.DataFrame, pd.Series]:
    """Units whose availability is at least min_availability, and every unit's availability."""
    avail = availability(table)
    # A tiny tolerance so 44/49 >= 0.9 style comparisons are not lost to binary rounding.
    keep = avail.to_numpy() >= min_availability - 1e-12
    return table.loc[keep].copy(), avail
