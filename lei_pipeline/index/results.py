"""Results: ranks (1 = best) for every aggregate and optional tiers by score thresholds."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.index.framework import Framework
from lei_pipeline.index.method import TierSpec
from lei_pipeline.index.errors import MethodError


def rank_desc(series: pd.Series) -> pd.Series:
    """1 = highest score; ties share the lowest (best) rank, as in sport; missing stays missing."""
    return series.rank(ascending=False, method="min", na_option="keep").astype("Int64")


def tiers(scores: pd.Series, spec: TierSpec) -> pd.Series:
    """Label of the first tier (highest first) whose min the score reaches; missing otherwise."""
    s = scores.to_numpy(dtype=float)
    out = np.full(s.shape, None, dtype=object)
    todo = ~np.isnan(s)
    for t in spec.labels:
        hit = todo & (s >= t.min)
        out[hit] = t.label
        todo &= ~hit
    return pd.Series(out, index=scores.index, name="tier", dtype="str").where(~pd.isna(out))


def results(aggregated: pd.DataFrame, framework: Framework, tier_spec: TierSpec | None = None) -> pd.DataFrame:
    """Every aggregate score (top level first), a rank_<code> for each, and tier if asked."""
    order = sorted(framework.aggregates, key=lambda c: -framework[c].level)
    out = {c: aggregated[c] for c in order}
    for c in order:
        out[f"rank_{c}"] = rank_desc(aggregated[c])
    res = pd.DataFrame(out, index=aggregated.index)
    if tier_spec is not None:
        if tier_spec.node not in aggregated.columns:
            raise MethodError(f"tiers: unknown node {tier_spec.node!r}; it must be a framework code")
        res["tier"] = tiers(aggregated[tier_spec.node], tier_spec)
    return res
