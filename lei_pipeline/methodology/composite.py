"""Indicator values -> component, pillar and LEI scores, ranks and development categories.

The aggregation itself is the engine's (lei_pipeline.index.build with the methodology's method:
fixed 0..100 goalposts, so scores compare across waves, and an arithmetic mean that drops a
missing indicator and rescales the weights of the rest)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.model import Methodology

# Beograd (capital_city) is ranked with the cities: the capital is a city under the Law on
# Local Self-Government, and a type of its own would give it rank 1 of 1.
TYPE_GROUP = {"capital_city": "city", "city": "city", "municipality": "municipality",
              "city_municipality": "city_municipality"}


def _wide(ind: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    codes = [i.code for i in m.indicators]
    dup = ind.duplicated(["unit_code", "indicator"])
    if dup.any():
        row = ind[dup].iloc[0]
        raise LeiError(f"compose_index: unit {row['unit_code']} has indicator {row['indicator']} twice in one wave")
    wide = ind.pivot(index="unit_code", columns="indicator", values="value")
    return wide.reindex(columns=codes).reset_index()


def _compose_wave(wave: str, ind: pd.DataFrame, registry: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    from lei_pipeline.index import build, rank_desc

    wide = _wide(ind, m)
    b = build(wide, m.framework(), m.method(), id_col="unit_code")
    res = b.results
    out = pd.DataFrame({"wave": wave, "unit_code": res.index.astype(str)})
    reg = registry.drop_duplicates("unit_code").set_index("unit_code")
    out["unit_name"] = out["unit_code"].map(reg["name_latin"]) if "name_latin" in reg else np.nan
    out["unit_type"] = out["unit_code"].map(reg["unit_type"]) if "unit_type" in reg else np.nan
    for c in m.component_codes + m.pillar_codes + [m.index_code]:
        out[c] = res[c].to_numpy(dtype=float)
    out["rank"] = rank_desc(out[m.index_code]).to_numpy()
    # The published column says which peers rank_in_type compares with (the capital ranks with cities).
    out["type_group"] = out["unit_type"].map(TYPE_GROUP).fillna(out["unit_type"]).fillna("unknown").astype("str")
    out["rank_in_type"] = out.groupby("type_group", sort=False)[m.index_code].transform(rank_desc).astype("Int64")
    by_code = {c.code: c for c in m.categories}
    tier = res["tier"].to_numpy(dtype=object)
    out["category"] = pd.Series([by_code[t].label_sr if t in by_code else None for t in tier], dtype="str")
    out["category_en"] = pd.Series([by_code[t].label_en if t in by_code else None for t in tier], dtype="str")
    return out


def compose_index(ind: pd.DataFrame, registry_df: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """One row per (wave, unit_code): every component and pillar, lei, rank (overall, 1 = best),
    rank_in_type (capital ranked with the cities), category (Serbian) and category_en."""
    need = {"wave", "unit_code", "indicator", "value"}
    if not need <= set(ind.columns):
        raise LeiError(f"compose_index: indicator table lacks {sorted(need - set(ind.columns))}")
    unknown = sorted(set(ind["indicator"].unique()) - {i.code for i in m.indicators})
    if unknown:
        raise LeiError(f"compose_index: indicator(s) not in methodology {m.version}: {', '.join(unknown[:5])}")
    cols = (["wave", "unit_code", "unit_name", "unit_type", "type_group"] + m.component_codes + m.pillar_codes
            + [m.index_code, "rank", "rank_in_type", "category", "category_en"])
    parts = [_compose_wave(str(w), g, registry_df, m) for w, g in ind.groupby("wave", sort=True)]
    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        for c in ("wave", "unit_code", "unit_name", "unit_type", "type_group", "category", "category_en"):
            out[c] = out[c].astype("str")
        for c in ("rank", "rank_in_type"):
            out[c] = out[c].astype("Int64")
        return out
    out = pd.concat(parts, ignore_index=True)[cols]
    for c in ("wave", "unit_code", "unit_name", "unit_type"):
        out[c] = out[c].astype("str")
    out["rank"] = out["rank"].astype("Int64")
    return out.sort_values(["wave", "rank", "unit_code"], kind="stable").reset_index(drop=True)
