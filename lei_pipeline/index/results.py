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


def _rank_desc_array(x: np.ndarray) -> pd.arrays.IntegerArray:
    """rank_desc on a float array without pandas' rank machinery (the results step's hot path)."""
    valid = ~np.isnan(x)
    ranks = np.zeros(x.shape, dtype="int64")
    neg = -x[valid]
    ranks[valid] = np.searchsorted(np.sort(neg), neg, side="left") + 1
    return pd.arrays.IntegerArray(ranks, ~valid)


def tiers(scores: pd.Series, spec: TierSpec) -> pd.Series:
    """Label of the first tier (highest first) whose min the score reaches; missing otherwise."""
    s = scores.to_numpy(dtype=float)
    out = np.full(s.shape, None, dtype=object)
    todo = ~np.isnan(s)
    for t in spec.labels:
        hit = todo & (s >= t.min)
        out[hit] = t.label
        todo &= ~hit
    return pd.Series(out, index=scores.index, name="tier", dtype="str")


def check_tier_node(aggregated: pd.DataFrame, tier_spec: TierSpec | None) -> None:
    if tier_spec is not None and tier_spec.node not in aggregated.columns:
        raise MethodError(f"tiers: unknown node {tier_spec.node!r}; it must be a framework code")


def results(aggregated: pd.DataFrame, framework: Framework, tier_spec: TierSpec | None = None) -> pd.DataFrame:
    """Every aggregate score (top level first), a rank_<code> for each, and tier if asked."""
    order = sorted((c for c in framework.aggregates if c in aggregated.columns), key=lambda c: -framework[c].level)
    cols = list(aggregated.columns)
    a = aggregated.to_numpy(dtype=float)
    data: dict[str, object] = {c: a[:, cols.index(c)] for c in order}
    for c in order:
        data[f"rank_{c}"] = _rank_desc_array(data[c])
    res = pd.DataFrame(data, index=aggregated.index, columns=pd.Index(list(data), dtype=object))
    if tier_spec is not None:
        check_tier_node(aggregated, tier_spec)
        res["tier"] = tiers(aggregated[tier_spec.node], tier_spec)
        # Extra keys of a label (e.g. label_en) become tier_<key> columns, aligned with tier.
        for key in dict.fromkeys(k for t in tier_spec.labels for k in t.extra):
            lookup = {t.label: t.extra.get(key) for t in tier_spec.labels}
            res[f"tier_{key}"] = res["tier"].map(lookup).astype("str")
    return res
