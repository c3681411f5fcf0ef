"""Aggregate level by level: each aggregate is a weighted mean of its children's scores.

A missing child is dropped and the remaining weights rescaled (COINr a_amean with na.rm); an
aggregate whose children are all missing is missing. Geometric and harmonic means are defined
only for positive values, and say which node, child and unit broke that."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.index.errors import AggregationError, MethodError
from lei_pipeline.index.framework import Framework


def weighted_mean(x: np.ndarray, w: np.ndarray, method: str = "arithmetic", offset: float = 0.0) -> np.ndarray:
    """Weighted mean over the last axis of x (units x children), skipping NaN; x + offset must
    suit the method. A geometric or harmonic mean with an offset c is the mean of x + c, minus c
    (the shifted mean: defined at x = 0, and still 0..100 on 0..100 values)."""
    present = ~np.isnan(x)
    wp = np.where(present, w, 0.0)
    wsum = wp.sum(axis=-1)
    if offset and method != "arithmetic":
        x = x + offset
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            num = np.where(present, x * w, 0.0).sum(axis=-1)
            out = num / wsum
        elif method == "geometric":
            num = np.where(present, np.log(np.where(present, x, 1.0)) * w, 0.0).sum(axis=-1)
            out = np.exp(num / wsum)
        elif method == "harmonic":
            den = np.where(present, w / np.where(present, x, 1.0), 0.0).sum(axis=-1)
            out = wsum / den
        else:
            raise MethodError(f"aggregate: unknown method {method!r}")
    if offset and method != "arithmetic":
        out = out - offset
    out[wsum == 0] = np.nan
    return out


def aggregate(normalised: pd.DataFrame, framework: Framework, method: str = "arithmetic",
              offset: float = 0.0) -> pd.DataFrame:
    """The normalised indicators followed by every aggregate, computed level by level."""
    base = normalised.to_numpy(dtype=float)
    values: dict[str, np.ndarray] = {c: base[:, j] for j, c in enumerate(normalised.columns)}
    ids = normalised.index
    for code in framework.aggregates:
        kids = framework.children(code)
        x = np.column_stack([values[k] for k in kids]) if ids.size else np.empty((0, len(kids)))
        w = np.array([framework[k].weight for k in kids], dtype=float)
        if method in ("geometric", "harmonic"):
            bad = ~np.isnan(x) & (x + offset <= 0)
            if bad.any():
                i, j = map(int, np.argwhere(bad)[0])
                shifted = f" + offset {offset:g}" if offset else ""
                raise AggregationError(
                    f"aggregate {code!r}: {method} mean needs positive values{shifted}, but child {kids[j]!r} is "
                    f"{x[i, j]:g} for unit {ids[i]!r}; use a normalisation range above 0, an offset, or arithmetic")
        values[code] = weighted_mean(x, w, method, offset)
    out = np.column_stack(list(values.values())) if values else np.empty((ids.size, 0))
    # copy=False: out is this call's own array (pandas 3 copies an ndarray by default: 0.1 s here
    # at 100,000 units)
    return pd.DataFrame(out, index=ids, columns=normalised.columns.append(pd.Index(framework.aggregates, dtype=object)),
                        copy=False)
