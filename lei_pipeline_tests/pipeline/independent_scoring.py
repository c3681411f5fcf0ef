"""An independent reading of methodology v1, written from the YAML's own rule descriptions,
used to check the pipeline's published scores. Deliberately plain Python per unit: it shares no
code with lei_pipeline.methodology or the index engine."""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import yaml

NAN = float("nan")


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _linear(x, worst, best):
    return max(0.0, min(100.0, 100.0 * (x - worst) / (best - worst)))


def indicator_value(ind: dict, row: dict, spec: dict, wave: str) -> float:
    rule = ind["rule"]
    if rule == "ratio":
        num, den = row.get(ind["numerator"]), row.get(ind["denominator"])
        if _missing(num) or _missing(den) or float(den) == 0:
            return NAN
        return _linear(ind.get("multiplier", 1) * float(num) / float(den), ind["worst"], ind["best"])
    q = ind["question"]
    if rule == "share_selected":
        cols = [c for c in row if c.startswith(f"{q}[") and not c.endswith(("[other]", "[comment]"))]
        if ind.get("subquestions"):
            cols = [f"{q}[{s}]" for s in ind["subquestions"]]
        shown = [row[c] for c in cols if c in row and not _missing(row[c])]
        return NAN if not shown else 100.0 * sum(bool(v) for v in shown) / len(shown)
    v = row.get(q)
    if _missing(v):
        return 0.0 if ind.get("missing") == "zero" else NAN
    if rule == "yes_no":
        return 100.0 if v == "Y" else 0.0
    if rule == "points":
        if v == "DK":
            return 0.0
        return float(ind["points"][v]) if v in ind["points"] else NAN
    if rule == "sophistication":
        levels = spec["scoring"]["sophistication_levels"]
        return float(levels[v]) if v in levels else NAN
    if rule == "linear":
        return _linear(float(v), ind["worst"], ind["best"])
    if rule == "recent_date":
        ref = date(int(str(wave)[:4]) - 1, 12, 31)
        d = v.date() if isinstance(v, (datetime, pd.Timestamp)) else v
        return 100.0 if (ref - d).days <= ind["within_days"] else 0.0
    raise AssertionError(f"rule {rule} not covered by the independent reading")


def _wmean(pairs):
    pairs = [(v, w) for v, w in pairs if not _missing(v)]
    if not pairs:
        return NAN
    return sum(v * w for v, w in pairs) / sum(w for _, w in pairs)


def unit_scores(methodology_path, response_row: dict, wave: str, only: set | None = None) -> dict:
    """only: score over these indicators alone (the others left out, as if not asked)."""
    spec = yaml.safe_load(open(methodology_path, encoding="utf-8"))
    values = {i["code"]: indicator_value(i, response_row, spec, wave) if only is None or i["code"] in only else NAN
              for i in spec["indicators"]}
    out = {}
    for pillar in spec["pillars"]:
        for comp in pillar["components"]:
            out[comp["code"]] = _wmean([(values[i["code"]], i["weight"]) for i in spec["indicators"]
                                        if i["component"] == comp["code"]])
        out[pillar["code"]] = _wmean([(out[c["code"]], c["weight"]) for c in pillar["components"]])
    out[spec["index"]["code"]] = _wmean([(out[p["code"]], p["weight"]) for p in spec["pillars"]])
    band = next(b for b in spec["categories"]["bands"] if out["lei"] >= b["min"])
    out["category"] = band["sr_latn"]
    out["indicators"] = values
    return out
