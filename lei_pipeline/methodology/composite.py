"""Indicator values -> component, pillar and LEI scores, ranks and development categories.

The aggregation itself is the engine's (lei_pipeline.index.build with the methodology's method:
fixed 0..100 goalposts, so scores compare across waves, and an arithmetic mean that drops a
missing indicator and rescales the weights of the rest)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.matrix import IndicatorMatrix
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


def coverage_column(component: str) -> str:
    return f"coverage_{component}"


def component_coverage(ind: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """Per unit and component: the share of the weight of the indicators that apply to the unit
    that it answered (a value was scored). Indicators missing by design (scoring.EXCUSED
    statuses: not asked, not shown, not in force, accepted NA, no population) do not apply.
    Without a status column (hand-made tables) every indicator applies. NaN: nothing applies."""
    from lei_pipeline.methodology.matrix import EXCUSED

    weight = {i.code: i.weight for i in m.indicators}
    comp_of = {i.code: i.component for i in m.indicators}
    # factorised keys and bincount sums: one pass over the long table (7.8 M rows at 100,000 units)
    ic, iu = pd.factorize(ind["indicator"])
    uc, uu = pd.factorize(ind["unit_code"].astype(str))
    comps = list(m.component_codes)
    w = np.array([weight[c] for c in iu], dtype=float)[ic]
    cc = np.array([comps.index(comp_of[c]) for c in iu], dtype=np.int64)[ic]
    scored = ind["value"].notna().to_numpy()
    applies = scored | (~ind["status"].isin(EXCUSED).to_numpy() if "status" in ind.columns else True)
    key = uc * len(comps) + cc
    size = len(uu) * len(comps)
    answered = np.bincount(key, weights=np.where(scored, w, 0.0), minlength=size).reshape(len(uu), len(comps))
    total = np.bincount(key, weights=np.where(applies, w, 0.0), minlength=size).reshape(len(uu), len(comps))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pd.DataFrame(np.where(total > 0, answered / np.where(total > 0, total, 1.0), np.nan),
                             index=pd.Index(np.asarray(uu, dtype=object), name="unit_code"), columns=comps)
    return share.reindex(columns=m.component_codes)


def _matrix_coverage(mat, m: Methodology) -> pd.DataFrame:
    """component_coverage from the wide matrix; the same sums in the same order (the matrix's
    indicators in the methodology's order, per unit), so the same bits."""
    scored = ~np.isnan(mat.values)
    applies = scored | ~mat.excused()
    comps = list(m.component_codes)
    by_code = {i.code: i for i in m.indicators}
    answered = np.zeros((len(scored), len(comps)))
    total = np.zeros((len(scored), len(comps)))
    for j, code in enumerate(mat.codes):
        ind = by_code[code]
        c = comps.index(ind.component)
        answered[:, c] += np.where(scored[:, j], ind.weight, 0.0)
        total[:, c] += np.where(applies[:, j], ind.weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, answered / np.where(total > 0, total, 1.0), np.nan)
    units = pd.Index(np.asarray(mat.unit_codes.to_pylist(), dtype=object), name="unit_code")
    return pd.DataFrame(share, index=units, columns=comps)


def _eligibility(cov: pd.DataFrame, m: Methodology) -> tuple[np.ndarray, list]:
    """(ranked?, reason) per unit by the methodology's eligibility rule (none: every unit with a score)."""
    n = len(cov)
    if m.min_coverage is None:
        return np.ones(n, bool), [None] * n
    values = cov[m.component_codes].to_numpy(dtype=float)
    short = ~(values + 1e-9 >= m.min_coverage)          # NaN (nothing applicable) falls short too
    ranked = ~short.any(axis=1)
    reasons: list = [None] * n
    for r in np.flatnonzero(~ranked):    # only the few units that fall short
        parts = [f"{c} {values[r, j] * 100:.0f}%" if not np.isnan(values[r, j]) else f"{c} nothing applicable"
                 for j, c in enumerate(m.component_codes) if short[r, j]]
        reasons[r] = f"coverage below {m.min_coverage * 100:.0f}% of the component's weight: " + ", ".join(parts)
    return ranked, reasons


def _compose_wave(wave: str, ind: pd.DataFrame | IndicatorMatrix, registry: pd.DataFrame,
                  m: Methodology) -> pd.DataFrame:
    from lei_pipeline.index import build, rank_desc

    # The scorer's matrix feeds the engine; a long table in the scorer's layout reshapes into one;
    # anything else (hand-made tables) is pivoted.
    mat = ind if isinstance(ind, IndicatorMatrix) else IndicatorMatrix.from_long(ind, m)
    codes = [i.code for i in m.indicators]
    wide = _wide(ind, m) if mat is None else mat.wide(codes=codes)
    b = build(wide, m.framework(), m.method(), id_col="unit_code")
    res = b.aggregated   # the scores; the engine's ranks and tiers (b.results) only for v1's tiers
    out = pd.DataFrame({"wave": wave, "unit_code": res.index.astype(str)})
    reg = registry.drop_duplicates("unit_code").set_index("unit_code")
    out["unit_name"] = out["unit_code"].map(reg["name_latin"]) if "name_latin" in reg else np.nan
    out["unit_type"] = out["unit_code"].map(reg["unit_type"]) if "unit_type" in reg else np.nan
    for c in m.component_codes + m.pillar_codes + [m.index_code]:
        out[c] = res[c].to_numpy(dtype=float)
    cov = (component_coverage(ind, m) if mat is None else _matrix_coverage(mat, m)).reindex(out["unit_code"])
    for c in m.component_codes:
        out[coverage_column(c)] = cov[c].to_numpy(dtype=float)
    ranked, reasons = _eligibility(cov, m)
    ranked &= out[m.index_code].notna().to_numpy()
    # Ranks and categories on the published precision: scores that print the same rank the same.
    score = out[m.index_code] if m.precision is None else out[m.index_code].round(m.precision)
    rankable = score.where(ranked)
    out["rank_score"] = rankable.to_numpy(dtype=float)
    out["rank"] = rank_desc(rankable).to_numpy()
    # The published column says which peers rank_in_type compares with (the capital ranks with cities).
    out["type_group"] = out["unit_type"].map(TYPE_GROUP).fillna(out["unit_type"]).fillna("unknown").astype("str")
    out["rank_in_type"] = rankable.groupby(out["type_group"], sort=False).transform(rank_desc).astype("Int64")
    if m.precision is None:   # v1: the engine's tiers on the unrounded score
        by_code = {c.code: c for c in m.categories}
        cats = [by_code.get(t) for t in b.results["tier"].to_numpy(dtype=object)]
    else:
        # the engine's tiers on the rounded score (one vectorised pass, not a lookup per unit)
        from lei_pipeline.index.results import tiers

        by_code = {c.code: c for c in m.categories}
        labels = tiers(score, m.method().tiers).to_numpy(dtype=object)
        cats = [by_code.get(t) for t in labels]
    cats = [c if ok else None for c, ok in zip(cats, ranked)]
    out["category"] = pd.Series([c.label_sr if c else None for c in cats], dtype="str")
    out["category_en"] = pd.Series([c.label_en if c else None for c in cats], dtype="str")
    out["ranked"] = ranked
    out["rank_reason"] = pd.Series([None if ok else (r or "no LEI score") for ok, r in zip(ranked, reasons)], dtype="str")
    return out


def compose_index(ind: pd.DataFrame | IndicatorMatrix, registry_df: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """One row per (wave, unit_code): every component and pillar, lei, rank (overall, 1 = best),
    rank_in_type (capital ranked with the cities), category (Serbian) and category_en; ranked and
    rank_reason (the methodology's eligibility rule: an unranked unit keeps its scores but has no
    rank or category); coverage_<component> (share of the applicable weight answered, 0..1).
    Ranks and categories use the lei rounded to the methodology's ranking precision, if declared.
    ind: the scorer's IndicatorMatrix, or a long indicator table."""
    if isinstance(ind, IndicatorMatrix):
        present, waves = set(ind.codes), ind.wave_names()
    else:
        need = {"wave", "unit_code", "indicator", "value"}
        if not need <= set(ind.columns):
            raise LeiError(f"compose_index: indicator table lacks {sorted(need - set(ind.columns))}")
        present, waves = set(ind["indicator"].unique()), None
    unknown = sorted(present - {i.code for i in m.indicators})
    if unknown:
        raise LeiError(f"compose_index: indicator(s) not in methodology {m.version}: {', '.join(unknown[:5])}")
    cols = (["wave", "unit_code", "unit_name", "unit_type", "type_group"] + m.component_codes + m.pillar_codes
            + [m.index_code, "rank_score", "rank", "rank_in_type", "category", "category_en", "ranked", "rank_reason"]
            + [coverage_column(c) for c in m.component_codes])
    groups = (((w, ind if len(waves) == 1 else ind.of_wave(w)) for w in waves) if waves is not None
              else ind.groupby("wave", sort=True))
    parts = [_compose_wave(str(w), g, registry_df, m) for w, g in groups]
    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        for c in ("wave", "unit_code", "unit_name", "unit_type", "type_group", "category", "category_en", "rank_reason"):
            out[c] = out[c].astype("str")
        out["ranked"] = out["ranked"].astype("bool")
        for c in ("rank", "rank_in_type"):
            out[c] = out[c].astype("Int64")
        return out
    out = pd.concat(parts, ignore_index=True)[cols]
    for c in ("wave", "unit_code", "unit_name", "unit_type"):
        out[c] = out[c].astype("str")
    out["rank"] = out["rank"].astype("Int64")
    return out.sort_values(["wave", "rank", "unit_code"], kind="stable").reset_index(drop=True)
