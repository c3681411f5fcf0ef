"""Change you can compare: a wave against its previous declared wave, under one methodology and over
the indicators both waves share. Pure core (no Dagster): the wave_change asset calls it.

- Same methodology version: the previous wave's published indicators are used as they are.
- Another methodology version: the previous wave is re-scored under the current methodology from its
  published responses table; if that is impossible the change is marked not comparable (values left
  empty, `comparable` false), never computed across two methodologies.
- Indicators present in only one wave are left out of both sides: the index is recomposed over the
  shared indicators (the engine drops a missing indicator and rescales its siblings' weights), so a
  question added or dropped between waves does not show up as a change of the units' e-governance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lei_pipeline.methodology.matrix import IndicatorMatrix
from lei_pipeline.methodology.model import Methodology


@dataclass
class Comparison:
    frame: pd.DataFrame
    previous_wave: str | None = None
    previous_version: int | None = None
    methodology_version: str = ""
    previous_methodology_version: str | None = None
    previous_rescored: bool = False
    indicators_compared: list[str] = field(default_factory=list)
    only_in_wave: list[str] = field(default_factory=list)
    only_in_previous: list[str] = field(default_factory=list)
    comparable: bool = True
    note: str = ""

    def metadata(self) -> dict:
        """What the asset and the CLI say about how the change was computed."""
        return {
            "previous_wave": self.previous_wave or "(none)",
            "previous_version": self.previous_version,
            "methodology_version": self.methodology_version,
            "previous_methodology_version": self.previous_methodology_version,
            "previous_rescored": self.previous_rescored,
            "comparable": self.comparable,
            "indicators_compared": len(self.indicators_compared),
            "indicators_only_in_wave": self.only_in_wave,
            "indicators_only_in_previous": self.only_in_previous,
            "note": self.note,
        }


def score_columns(m: Methodology) -> list[str]:
    """The scores a change is given for: lei, each pillar, each component."""
    return [m.index_code, *m.pillar_codes, *m.component_codes]


def change_columns(m: Methodology) -> list[str]:
    cols = ["wave", "previous_wave", "unit_code", "unit_name"]
    for c in score_columns(m):
        cols += [c, f"{c}_previous", f"{c}_change"]
    return cols + ["rank", "rank_previous", "rank_change", "methodology_version", "previous_methodology_version",
                   "indicators_compared", "comparable"]


def present_indicators(indicators: pd.DataFrame | IndicatorMatrix | None) -> set[str]:
    """Indicators with at least one value in the wave (a question not asked scores nothing)."""
    if isinstance(indicators, IndicatorMatrix):
        return indicators.present()
    if indicators is None or indicators.empty:
        return set()
    return set(indicators.loc[indicators["value"].notna(), "indicator"].astype(str))


def _only(indicators: pd.DataFrame | IndicatorMatrix, keep: set[str]):
    if isinstance(indicators, IndicatorMatrix):
        return indicators.only(keep)
    return indicators[indicators["indicator"].isin(keep)]


def empty_change(m: Methodology) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in change_columns(m)})
    for c in ("wave", "previous_wave", "unit_code", "unit_name", "methodology_version", "previous_methodology_version"):
        out[c] = out[c].astype("str")
    for c in ("rank", "rank_previous", "rank_change", "indicators_compared"):
        out[c] = out[c].astype("Int64")
    out["comparable"] = out["comparable"].astype("bool")
    return out


def compare(wave: str, indicators: pd.DataFrame | IndicatorMatrix, scores: pd.DataFrame, m: Methodology, registry: pd.DataFrame, *,
            previous_wave: str | None, previous_version: int | None = None,
            previous_indicators: pd.DataFrame | None = None, previous_scores: pd.DataFrame | None = None,
            previous_methodology_version: str | None = None, previous_rescored: bool = False,
            not_comparable: str | None = None) -> Comparison:
    """previous_indicators: the previous wave's indicators under methodology `m` (published or
    re-scored). not_comparable: why they could not be had; previous_scores then gives the units."""
    from lei_pipeline.methodology import compose_index

    result = Comparison(frame=empty_change(m), previous_wave=previous_wave, previous_version=previous_version,
                        methodology_version=str(m.version), previous_methodology_version=previous_methodology_version,
                        previous_rescored=previous_rescored)
    if previous_wave is None:
        result.note = "no earlier declared wave has a published snapshot: nothing to compare with"
        return result
    if not_comparable is not None:
        result.comparable = False
        result.note = not_comparable
        prev_units = pd.DataFrame({"unit_code": (previous_scores["unit_code"] if previous_scores is not None
                                                 else pd.Series(dtype="str")).astype(str)})
        result.frame = _join(wave, previous_wave, scores, prev_units, m, result, values_from_previous=False)
        return result

    order = [i.code for i in m.indicators]
    cur, prev = present_indicators(indicators), present_indicators(previous_indicators)
    shared = [c for c in order if c in cur and c in prev]
    result.indicators_compared = shared
    result.only_in_wave = [c for c in order if c in cur and c not in prev]
    result.only_in_previous = [c for c in order if c in prev and c not in cur]
    keep = set(shared)
    cur_scores = scores if cur == keep else compose_index(_only(indicators, keep), registry, m)
    prev_scores = compose_index(_only(previous_indicators, keep), registry, m)
    result.frame = _join(wave, previous_wave, cur_scores, prev_scores, m, result, values_from_previous=True)
    parts = [f"{len(shared)} indicators compared"]
    if result.only_in_wave or result.only_in_previous:
        parts.append(f"{len(result.only_in_wave)} only in {wave}, {len(result.only_in_previous)} only in "
                     f"{previous_wave} (left out of both sides)")
    if previous_rescored:
        parts.append(f"{previous_wave} re-scored from its published responses under methodology {m.version} "
                     f"(it was published under {previous_methodology_version})")
    result.note = "; ".join(parts)
    return result


def _join(wave: str, previous_wave: str, cur: pd.DataFrame, prev: pd.DataFrame, m: Methodology,
          result: Comparison, *, values_from_previous: bool) -> pd.DataFrame:
    cols = score_columns(m)
    left = cur[["unit_code", "unit_name", *cols, "rank"]].copy()
    left["unit_code"] = left["unit_code"].astype(str)
    right = prev[["unit_code"]].copy()
    right["unit_code"] = right["unit_code"].astype(str)
    if values_from_previous:
        for c in [*cols, "rank"]:
            right[f"{c}_previous"] = prev[c].to_numpy()
    out = left.merge(right, on="unit_code", how="inner")
    out.insert(0, "wave", str(wave))
    out.insert(1, "previous_wave", str(previous_wave))
    for c in cols:
        prev_col = out[f"{c}_previous"] if values_from_previous else pd.Series(float("nan"), index=out.index)
        out[f"{c}_previous"] = prev_col.astype("float64")
        out[c] = out[c].astype("float64")
        out[f"{c}_change"] = out[c] - out[f"{c}_previous"]
    out["rank"] = out["rank"].astype("Int64")
    out["rank_previous"] = (out["rank_previous"] if values_from_previous else pd.Series(pd.NA, index=out.index)).astype("Int64")
    out["rank_change"] = out["rank_previous"] - out["rank"]
    out["methodology_version"] = str(result.methodology_version)
    out["previous_methodology_version"] = str(result.previous_methodology_version or "")
    out["indicators_compared"] = pd.array([len(result.indicators_compared)] * len(out), dtype="Int64")
    out["comparable"] = bool(result.comparable)
    for c in ("wave", "previous_wave", "unit_code", "unit_name", "methodology_version", "previous_methodology_version"):
        out[c] = out[c].astype("str")
    return out[change_columns(m)].sort_values("unit_code").reset_index(drop=True)
