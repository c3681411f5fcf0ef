"""Figures the report and the workbook both show, computed once from a snapshot.

Columns read from tables other parts of the pipeline add (used when present, a section says
"not available" otherwise):
- uncertainty: unit_code; nominal_rank, median_rank, mean_rank; rank_p05 / rank_p95 (or the
  engine's rank_q05 / rank_q95); score_p05 / score_p95 (or score_q05 / score_q95); category
  probabilities as p_<category code> or prob_<category code>, or one category_probability
  column (the probability of the unit's own category). A target/node column is filtered to lei.
- weights: indicator plus weight_in_component / weight_in_pillar / weight_in_lei (otherwise
  computed from the methodology copy).
- scores: rank_eligible / eligible (bool) and coverage, when ranking eligibility is recorded.
- change: comparable (bool), when comparable change is recorded; only comparable rows move."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.report.snapshot import SnapshotData

UNCERTAINTY_ALIASES = {
    "nominal_rank": ("nominal_rank",),
    "median_rank": ("median_rank", "rank_median"),
    "mean_rank": ("mean_rank", "rank_mean"),
    "rank_low": ("rank_p05", "rank_q05"),
    "rank_high": ("rank_p95", "rank_q95"),
    "score_low": ("score_p05", "score_q05", "lei_p05"),
    "score_high": ("score_p95", "score_q95", "lei_p95"),
}
ELIGIBLE_COLUMNS = ("rank_eligible", "eligible", "ranked")
IDENTITY = {"wave", "unit_code", "unit_name", "unit_type", "source_file", "source_row", "submitted_at", "complete",
            "last_page"}


def uncertainty(data: SnapshotData) -> pd.DataFrame | None:
    """Per unit_code: nominal/median/mean rank, rank_low/high, score_low/high, category_probability."""
    u = data.table("uncertainty")
    if u is None or "unit_code" not in u.columns or not len(u):
        return None
    for col in ("target", "node"):
        if col in u.columns and (u[col].astype(str) == "lei").any():
            u = u[u[col].astype(str) == "lei"]
    out = pd.DataFrame({"unit_code": u["unit_code"].astype(str)})
    for name, aliases in UNCERTAINTY_ALIASES.items():
        col = next((a for a in aliases if a in u.columns), None)
        out[name] = pd.to_numeric(u[col], errors="coerce").astype("float64") if col else float("nan")
    out["category_probability"] = float("nan")
    if "category_probability" in u.columns:
        out["category_probability"] = pd.to_numeric(u["category_probability"], errors="coerce")
    else:
        scores = data.table("scores")
        m = data.methodology
        if scores is not None and m is not None:
            code_of = {c.label_sr: c.code for c in m.categories}
            own = out["unit_code"].map(scores.set_index(scores["unit_code"].astype(str))["category"].map(code_of))
            for i, code in own.items():
                for prefix in ("p_", "prob_"):
                    if isinstance(code, str) and f"{prefix}{code}" in u.columns:
                        out.at[i, "category_probability"] = float(u.loc[i, f"{prefix}{code}"])
    return out.drop_duplicates("unit_code").reset_index(drop=True)


def comparable_change(data: SnapshotData) -> pd.DataFrame | None:
    ch = data.table("change")
    if ch is None or not len(ch):
        return None
    if "comparable" in ch.columns:
        ch = ch[ch["comparable"].fillna(False).astype(bool)]
    ch = ch[pd.to_numeric(ch.get("lei_change"), errors="coerce").notna()] if "lei_change" in ch else ch
    return ch.reset_index(drop=True) if len(ch) else None


def answer_columns(responses: pd.DataFrame) -> list[str]:
    return [c for c in responses.columns if c not in IDENTITY]


def answer_shares(data: SnapshotData) -> pd.DataFrame:
    """Per answer column: share of don't know (DK), not applicable (NA) and blank answers."""
    r = data.table("responses")
    if r is None or not len(r):
        return pd.DataFrame(columns=["column", "dont_know", "not_applicable", "blank"])
    cols = answer_columns(r)
    text_cols = [c for c in cols if r[c].dtype == object or pd.api.types.is_string_dtype(r[c])]
    # one comparison over the text columns at once (a column at a time was most of this section)
    text = r[text_cols].astype(object).to_numpy()
    dk = dict(zip(text_cols, (text == "DK").mean(axis=0).tolist())) if len(text_cols) else {}
    na = dict(zip(text_cols, (text == "NA").mean(axis=0).tolist())) if len(text_cols) else {}
    blank = r[cols].isna().mean()
    rows = [{"column": c, "dont_know": float(dk.get(c, 0.0)), "not_applicable": float(na.get(c, 0.0)),
             "blank": float(blank[c])} for c in cols]
    return pd.DataFrame(rows, columns=["column", "dont_know", "not_applicable", "blank"])


def coverage(data: SnapshotData) -> pd.DataFrame:
    """Per component: share of (unit, indicator) pairs with a value."""
    ind = data.table("indicators")
    if ind is None or not len(ind):
        return pd.DataFrame(columns=["component", "coverage"])
    has = pd.to_numeric(ind["value"], errors="coerce").notna()
    out = has.groupby(ind["component"].astype(str)).mean().rename("coverage").reset_index()
    total = pd.DataFrame({"component": ["*"], "coverage": [float(has.mean())]})
    return pd.concat([out, total], ignore_index=True)


def registry_count(manifest: dict) -> int | None:
    """Units asked to answer (the registry's respondents), recorded at publish time under
    units_expected: {"total": n, "by_type": {...}} (or a plain number)."""
    v = manifest.get("units_expected")
    if isinstance(v, dict):
        v = v.get("total")
    return v if isinstance(v, int) and v > 0 else None


DECISION_COLUMNS = ["unit_code", "unit_name", "kept_row", "dropped_rows", "reason", "source_file"]


def duplicate_decisions(data: SnapshotData) -> pd.DataFrame | None:
    """How the survey cleaning chose between several submissions of one unit, as the manifest
    records them (duplicate_decisions: unit_code, kept_row, dropped_rows, reason, source_file),
    with the unit's name from the scores. None when the snapshot does not record them."""
    listed = data.manifest.get("duplicate_decisions")
    if not isinstance(listed, list):
        return None
    out = pd.DataFrame([d for d in listed if isinstance(d, dict)],
                       columns=[c for c in DECISION_COLUMNS if c != "unit_name"])
    out["unit_code"] = out["unit_code"].astype("str")
    scores = data.table("scores")
    names = (scores.assign(unit_code=scores["unit_code"].astype(str)).drop_duplicates("unit_code")
             .set_index("unit_code")["unit_name"] if scores is not None and "unit_name" in scores else {})
    out.insert(1, "unit_name", out["unit_code"].map(names))
    out["kept_row"] = pd.to_numeric(out["kept_row"], errors="coerce").astype("Int64")
    for c in ("unit_name", "dropped_rows", "reason", "source_file"):
        out[c] = out[c].astype("str").where(out[c].notna(), "")
    return out.sort_values(["unit_code", "kept_row"], kind="stable").reset_index(drop=True)


def duplicate_checks(manifest: dict) -> list[dict]:
    """The duplicates check's outcome, for snapshots published before the decisions were recorded."""
    return [{"check": c.get("name"), "passed": c.get("passed")}
            for c in manifest.get("checks") or [] if "duplicate" in str(c.get("name", ""))]


def records(frame: pd.DataFrame) -> list[dict]:
    """frame.to_dict("records"), the same values (a missing Int64 as None), made column by column:
    to_dict takes Arrow-backed text cell by cell (0.22 s for a 140-unit wave's indicators, 0.04 s
    this way)."""
    columns = list(frame.columns)
    values = ([None if v is pd.NA else v for v in frame.iloc[:, j].tolist()] for j in range(len(columns)))
    return [dict(zip(columns, row)) for row in zip(*values)]
