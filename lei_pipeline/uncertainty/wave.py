"""One wave's uncertainty and sensitivity analysis as three publishable tables:
  uncertainty   per unit: nominal / median / mean rank, 5th and 95th percentile rank, 5-95 %
                score interval, probability of each development category, mean |rank shift|
  sensitivity   per uncertain input: first-order and total Sobol index with bootstrap intervals
  replications  the sampled parameters of every replication (and its mean |rank shift|)
Seeded: the same inputs, spec and seed give byte-identical tables."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.index import IndexEngineError, Uncertainty, run_sensitivity, run_uncertainty
from lei_pipeline.index.uncertainty import Replicator
from lei_pipeline.methodology.matrix import IndicatorMatrix
from lei_pipeline.uncertainty.readings import check_readings, rescorer, wide_indicators

OUTPUT = "mean_abs_rank_shift"  # what the Sobol indices apportion
# The score interval's ends are published to a millionth of a point. Beyond that they are not the
# same on every machine: a replication under the geometric mean takes np.log and np.exp, whose last
# bits differ between numpy's AVX-512 loops and the others (seen: 1.4e-14 on a few units of each
# sample wave), and a seeded analysis must publish the same table everywhere. Ranks and categories
# never hang on those bits (fragile runs are recomputed exactly; see index/batch.py).
INTERVAL_DECIMALS = 6


@dataclass
class WaveUncertainty:
    wave: str
    seed: int
    spec: Uncertainty
    uncertainty: pd.DataFrame
    sensitivity: pd.DataFrame
    replications: pd.DataFrame
    seconds: float

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"uncertainty": self.uncertainty, "sensitivity": self.sensitivity, "replications": self.replications}

    def provenance(self) -> dict:
        """What the snapshot's manifest records about the analysis (under the key "uncertainty")."""
        s = self.spec
        return {"seed": int(self.seed), "replications": int(s.replications), "sensitivity_n": int(s.sensitivity.n),
                "sensitivity_runs": int(self.sensitivity["runs"].iloc[0]) if len(self.sensitivity) else 0,
                "bootstrap": int(s.sensitivity.bootstrap), "first_order_estimator": "saltelli2010",
                "total_estimator": "jansen1999", "output": OUTPUT}


def nominal_rules(m) -> tuple[float | None, int | None]:
    """(ranking-eligibility threshold, rounding decimals) the methodology declares for ranks and
    categories. v1 declares neither (everyone scored is ranked, unrounded scores). A methodology
    that declares them has `min_coverage` and `precision` (methodology v2's ranking section)."""
    return getattr(m, "min_coverage", None), getattr(m, "precision", None)


def applicable_indicators(ind: pd.DataFrame) -> pd.DataFrame | None:
    """units x indicators: True where a criterion counts toward the unit's ranking coverage (the
    scorer's `status`; criteria missing by design, scoring.EXCUSED, do not count)."""
    from lei_pipeline.methodology import EXCUSED

    if "status" not in ind:
        return None
    counts = ~ind["status"].astype(str).isin(EXCUSED)
    return counts.groupby([ind["unit_code"].astype(str), ind["indicator"]]).all().unstack()


def analyse_wave(wave: str, clean_responses: pd.DataFrame, indicators: pd.DataFrame, scores: pd.DataFrame,
                 questionnaire, m, spec: Uncertainty, *, replications: int | None = None, seed: int | None = None,
                 progress=None, score_kwargs: dict | None = None) -> WaveUncertainty:
    """Run the spec's replications and Sobol analysis on one wave (its responses, indicators and
    published scores) under methodology m; replications and seed override the spec's; score_kwargs
    (registry, reference_dates) are what the scorer needs to read the answers as the pipeline did."""
    import time

    t0 = time.perf_counter()
    if replications is not None:
        spec = replace(spec, replications=int(replications))
    if seed is not None:
        spec = replace(spec, seed=int(seed))
    if spec.seed is None:
        raise LeiError("uncertainty spec has no seed: a published analysis must be reproducible (add seed: N)")
    check_readings(spec.readings)
    if isinstance(indicators, IndicatorMatrix):   # the indicators step's own matrix: nothing to pivot
        ind = indicators.of_wave(wave) if indicators.wave_names() != [str(wave)] else indicators
        if not ind.units:
            raise LeiError(f"wave {wave}: no indicators to analyse")
        data = ind.wide(codes=[i.code for i in m.indicators])
        applicable = ind.applicable()
        # its values are the scorer's: the answer readings re-read it instead of scoring again
        scored = ind if ind.reading else None
    else:
        ind = indicators[indicators["wave"].astype(str) == str(wave)] if "wave" in indicators else indicators
        if ind.empty:
            raise LeiError(f"wave {wave}: no indicators to analyse")
        data = wide_indicators(ind, m)
        applicable, scored = applicable_indicators(ind), None
    resp = clean_responses[clean_responses["unit_code"].astype(str).isin(set(data["unit_code"].astype(str)))]
    rescore = rescorer(resp, questionnaire, m, scored=scored, **(score_kwargs or {})) if spec.readings else None
    eligibility, decimals = nominal_rules(m)
    kw = dict(rescore=rescore, eligibility=eligibility, decimals=decimals, id_col="unit_code")
    if eligibility is not None and applicable is not None:
        kw["applicable"] = applicable.reindex(data["unit_code"].astype(str)).set_axis(data.index)
    fw, method = m.framework(), m.method()
    try:
        # one replicator for both analyses: the nominal build, the check of every option and, on
        # a small wave, every option's tables are made once
        kw["replicator"] = Replicator(data, fw, method, spec, **kw)
        ua = run_uncertainty(data, fw, method, spec, progress=progress, **kw)
        sa = (run_sensitivity(data, fw, method, spec, progress=progress, **kw)
              if (spec.weights is not None or spec.alternatives or spec.readings or spec.eligibility) else None)
    except IndexEngineError as e:
        raise LeiError(f"wave {wave}: uncertainty analysis: {e}") from None
    return WaveUncertainty(
        wave=str(wave), seed=int(ua.seed), spec=ua.spec,
        uncertainty=_unit_table(wave, ua, scores, m),
        sensitivity=_sensitivity_table(wave, sa),
        replications=_replication_table(wave, ua),
        seconds=time.perf_counter() - t0,
    )


def _category(score: np.ndarray, m) -> np.ndarray:
    out = np.full(score.shape, None, dtype=object)
    todo = ~np.isnan(score)
    for c in m.categories:  # highest first
        hit = todo & (score >= c.min)
        out[hit] = c.code
        todo &= ~hit
    return out


def _unit_table(wave: str, ua, scores: pd.DataFrame, m) -> pd.DataFrame:
    s = ua.summary
    units = s.index.astype(str)
    names = scores.drop_duplicates("unit_code").set_index("unit_code")["unit_name"] if "unit_name" in scores else None
    out = pd.DataFrame({"wave": str(wave), "unit_code": units})
    out["unit_name"] = units.map(names) if names is not None else None
    for c in ["nominal_score", "nominal_rank", "median_rank", "mean_rank", "rank_q05", "rank_q95",
              "score_q05", "score_q95", "mean_abs_rank_shift"]:
        out[c] = s[c].to_numpy(dtype=float)
    out["nominal_category"] = _category(out["nominal_score"].to_numpy(), m)
    for c in m.categories:
        out[f"p_{c.code}"] = s[f"p_{c.code}"].to_numpy(dtype=float)
    out["p_unranked"] = s["p_unranked"].to_numpy(dtype=float)
    lo, hi = _category(out["score_q05"].to_numpy(), m), _category(out["score_q95"].to_numpy(), m)
    for c in ("score_q05", "score_q95"):
        out[c] = out[c].round(INTERVAL_DECIMALS)
    out["crosses_category_border"] = (lo != hi) & pd.notna(lo) & pd.notna(hi)
    for c in ("wave", "unit_code", "unit_name", "nominal_category"):
        out[c] = out[c].astype("str")
    out["crosses_category_border"] = out["crosses_category_border"].astype(bool)
    return out.sort_values(["nominal_rank", "unit_code"], kind="stable", na_position="last").reset_index(drop=True)


def _sensitivity_table(wave: str, sa) -> pd.DataFrame:
    cols = ["wave", "input", "S", "S_low", "S_high", "ST", "ST_low", "ST_high", "output", "n", "runs"]
    if sa is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}).astype(
            {"wave": "str", "input": "str", "output": "str", "n": "int64", "runs": "int64"})
    t = sa.indices.reset_index()
    for c in ("S_low", "S_high", "ST_low", "ST_high"):
        if c not in t:
            t[c] = np.nan
    t.insert(0, "wave", str(wave))
    t["output"], t["n"], t["runs"] = OUTPUT, int(sa.n), int(sa.runs)
    out = t[cols].astype({"wave": "str", "input": "str", "output": "str"})
    return out.astype({c: "float64" for c in ("S", "S_low", "S_high", "ST", "ST_low", "ST_high")})


def _replication_table(wave: str, ua) -> pd.DataFrame:
    p = ua.parameters.reset_index()
    p.insert(0, "wave", str(wave))
    p.insert(2, "seed", np.int64(ua.seed))
    p["rank_shift"] = ua.rank_shift.to_numpy(dtype=float)
    for c in p.columns:
        if p[c].dtype == object:
            p[c] = p[c].astype("str")
    return p


def border_crossers(table: pd.DataFrame) -> pd.DataFrame:
    """Units whose 5-95 % score interval crosses a development-category border, widest first."""
    t = table[table["crosses_category_border"]].copy()
    t["width"] = t["score_q95"] - t["score_q05"]
    return t.sort_values(["width", "unit_code"], ascending=[False, True]).drop(columns="width")
