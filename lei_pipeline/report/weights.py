"""Effective weights and what each unmet criterion would add to a unit's LEI.

With the methodology's arithmetic aggregation, LEI = sum over pillars p, components c and
indicators i of w_p' * w_c' * w_i' * x_i, where each weight is divided by the sum of its present
siblings (a missing indicator is dropped and its component's weights rescaled). Raising x_i to
100 therefore adds exactly w_p' * w_c' * w_i' * (100 - x_i) points: the unit's effective weight
of the criterion times its gap."""
from __future__ import annotations

import pandas as pd

WEIGHT_COLUMNS = ["indicator", "component", "pillar", "weight", "weight_in_component", "weight_in_pillar",
                  "weight_in_lei"]


def _tree(m) -> pd.DataFrame:
    comp = {c.code: c for c in m.components}
    pil = {p.code: p for p in m.pillars}
    rows = [{"indicator": i.code, "component": i.component, "pillar": comp[i.component].pillar,
             "weight": i.weight, "w_c": comp[i.component].weight, "w_p": pil[comp[i.component].pillar].weight}
            for i in m.indicators]
    return pd.DataFrame(rows)


def effective_weights(m) -> pd.DataFrame:
    """Nominal effective weight of every indicator (all indicators present): its share of its
    component, of its pillar and of the LEI."""
    t = _tree(m)
    t["weight_in_component"] = t["weight"] / t.groupby("component")["weight"].transform("sum")
    comps = t.drop_duplicates("component")
    wc = comps.set_index("component")["w_c"] / comps.groupby("pillar")["w_c"].transform("sum").to_numpy()
    t["weight_in_pillar"] = t["weight_in_component"] * t["component"].map(wc)
    pils = t.drop_duplicates("pillar").set_index("pillar")["w_p"]
    t["weight_in_lei"] = t["weight_in_pillar"] * t["pillar"].map(pils / pils.sum())
    return t[WEIGHT_COLUMNS].reset_index(drop=True)


def criterion_gains(m, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per (unit, indicator) with a value: the unit's effective weight of the indicator in the
    LEI and the points the LEI would gain with the criterion fully met (value 100)."""
    t = _tree(m).set_index("indicator")
    ind = indicators[["unit_code", "indicator", "value"]].copy()
    ind = ind[ind["indicator"].isin(t.index)]
    ind["value"] = pd.to_numeric(ind["value"], errors="coerce").astype("float64")
    ind = ind[ind["value"].notna()].copy()
    for col in ("component", "pillar", "weight", "w_c", "w_p"):
        ind[col] = ind["indicator"].map(t[col])
    ind["s_i"] = ind.groupby(["unit_code", "component"])["weight"].transform("sum")
    comps = ind.drop_duplicates(["unit_code", "component"])[["unit_code", "component", "pillar", "w_c", "w_p"]]
    comps = comps.assign(s_c=comps.groupby(["unit_code", "pillar"])["w_c"].transform("sum"))
    pils = comps.drop_duplicates(["unit_code", "pillar"])
    pils = pils.assign(s_p=pils.groupby("unit_code")["w_p"].transform("sum"))
    ind = ind.merge(comps[["unit_code", "component", "s_c"]], on=["unit_code", "component"], how="left")
    ind = ind.merge(pils[["unit_code", "pillar", "s_p"]], on=["unit_code", "pillar"], how="left")
    ind["effective_weight"] = ind["weight"] / ind["s_i"] * ind["w_c"] / ind["s_c"] * ind["w_p"] / ind["s_p"]
    ind["gain"] = ind["effective_weight"] * (100.0 - ind["value"])
    return ind[["unit_code", "indicator", "component", "pillar", "value", "effective_weight", "gain"]]
