"""Answers -> indicator values (0..100), each with a trace of which answers gave it.

Vectorised per indicator (one pass over a column, never a Python loop per unit): a 100,000-unit
wave scores in seconds. The rules are documented in the methodology YAML (scoring.rules)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.model import Indicator, Methodology, check_against

OUTPUT_COLUMNS = ["wave", "unit_code", "indicator", "component", "value", "trace"]
_YEAR = re.compile(r"(\d{4})")


def _fmt(a: np.ndarray) -> pd.Series:
    """Numbers as short text for traces: 12 not 12.0, at most 2 decimals."""
    s = pd.Series(np.round(np.asarray(a, dtype=float), 2)).astype(str)
    return s.str.replace(r"\.0$", "", regex=True)


def _cat(*parts) -> np.ndarray:
    """Concatenate str Series / scalars element-wise (vectorised)."""
    out = None
    for p in parts:
        p = p if isinstance(p, pd.Series) else str(p)
        out = p if out is None else out + p
    return np.asarray(out, dtype=object)


def _reference_dates(waves: pd.Series) -> np.ndarray:
    """31 December of the year before the wave (wave '2024' -> 2023-12-31); NaT if no year in the name."""
    years = waves.astype(str).str.extract(_YEAR, expand=False)
    ref = pd.to_datetime((years.astype(float) - 1).astype("Int64").astype(str) + "-12-31", errors="coerce")
    return ref.to_numpy(dtype="datetime64[ns]")


class _Ctx:
    def __init__(self, frame: pd.DataFrame, questionnaire, m: Methodology):
        self.frame = frame
        self.q = questionnaire
        self.m = m
        self.n = len(frame)
        self.waves = frame["wave"].astype(str).reset_index(drop=True)
        self._asked: dict[str, np.ndarray] = {}
        # A wave the questionnaire does not declare yet is scored with the question set it was read with.
        resolve = getattr(questionnaire, "question_set_wave", lambda w: w)
        self._question_set = self.waves.map({w: resolve(w) for w in self.waves.unique()})

    def asked(self, code: str) -> np.ndarray:
        """Per unit: was question `code` asked in that unit's wave?"""
        if code not in self._asked:
            q = self.q.questions[code]
            self._asked[code] = self._question_set.isin(q.waves).to_numpy()
        return self._asked[code]

    def column(self, col: str) -> pd.Series | None:
        if col not in self.frame.columns:
            return None
        return self.frame[col].reset_index(drop=True)


def _finish(ind: Indicator, ctx: _Ctx, value: np.ndarray, trace: np.ndarray, answered: np.ndarray) -> tuple:
    """Apply the missing rule and the not-asked rule on top of a rule's result."""
    value = value.astype(float)
    trace = trace.astype(object)
    missing = ~answered
    label = "+".join(ind.questions)
    if ind.missing == "zero":
        value = np.where(missing, 0.0, value)
        trace = np.where(missing, f"{label} not answered -> 0 (missing scores 0 for this indicator)", trace)
    else:
        value = np.where(missing, np.nan, value)
        trace = np.where(missing, f"{label} not answered -> missing (left out, weights rescaled)", trace)
    not_asked = np.zeros(ctx.n, dtype=bool)
    for qc in ind.questions:
        not_asked |= ~ctx.asked(qc)
    if not_asked.any():
        value = np.where(not_asked, np.nan, value)
        waves = ctx.waves.to_numpy(dtype=object)
        trace = np.where(not_asked, _cat(pd.Series(f"{label} not asked in wave ", index=range(ctx.n)), pd.Series(waves)), trace)
    return value, trace


def _coded(ind: Indicator, ctx: _Ctx, table: dict[str, float], kind: str) -> tuple:
    """yes_no / points / sophistication: a lookup from answer code to points."""
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), np.full(ctx.n, "", dtype=object), np.zeros(ctx.n, bool))
    codes = s.astype(object).where(s.notna(), None)
    answered = codes.notna().to_numpy()
    dk = ctx.m.dont_know_score
    lookup_v = dict(table)
    lookup_t = {c: f"{ind.question}={c} -> {v:g}" for c, v in table.items()}
    lookup_v.setdefault("DK", dk)
    lookup_t["DK"] = f"{ind.question}=DK (don't know) -> {lookup_v['DK']:g} (DK scored {lookup_v['DK']:g})"
    value = codes.map(lookup_v).to_numpy(dtype=float, na_value=np.nan)
    trace = codes.map(lookup_t).to_numpy(dtype=object)
    # An answer code without points (NA: not a competence) is left out, like a missing answer.
    other = answered & np.isnan(value)
    if other.any():
        trace = np.where(other, _cat(pd.Series(f"{ind.question}=", index=range(ctx.n)), codes.astype(str).reset_index(drop=True),
                                     f" -> missing ({kind}: no points for this answer, left out)"), trace)
    return _finish(ind, ctx, value, trace, answered)


def _share_selected(ind: Indicator, ctx: _Ctx) -> tuple:
    q = ctx.q.questions[ind.question]
    subs = ind.subquestions or [s.code for s in q.subquestions]
    cols = [ctx.column(f"{q.code}[{s}]") for s in subs]
    present = [c for c in cols if c is not None]
    if not present:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), np.full(ctx.n, "", dtype=object), np.zeros(ctx.n, bool))
    shown = np.zeros(ctx.n, dtype=bool)
    ticked = np.zeros(ctx.n, dtype=float)
    which = pd.Series("", index=range(ctx.n), dtype=object)
    for s, c in zip(subs, cols):
        if c is None:
            continue
        t = c.astype(object).where(c.notna(), None)
        shown |= t.notna().to_numpy()
        hit = (t == True).to_numpy()  # noqa: E712 (object column of True/False/None)
        ticked += hit
        which = which.where(~hit, which + s + " ")
    value = 100.0 * ticked / len(subs)
    names = which.str.strip().where(which.str.len() > 0, "none")
    trace = _cat(pd.Series(f"{q.code}: ", index=range(ctx.n)), _fmt(ticked), f" of {len(subs)} ticked (",
                 names.astype(str), ") -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, shown)


def _linear_score(x: np.ndarray, ind: Indicator) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.clip((x - ind.worst) / (ind.best - ind.worst), 0.0, 1.0) * 100.0


def _number(ctx: _Ctx, code: str) -> np.ndarray | None:
    s = ctx.column(code)
    if s is None:
        return None
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _linear(ind: Indicator, ctx: _Ctx) -> tuple:
    x = _number(ctx, ind.question)
    if x is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), np.full(ctx.n, "", dtype=object), np.zeros(ctx.n, bool))
    value = _linear_score(x, ind)
    trace = _cat(pd.Series(f"{ind.question}=", index=range(ctx.n)), _fmt(x),
                 f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, ~np.isnan(x))


def _ratio(ind: Indicator, ctx: _Ctx) -> tuple:
    num, den = _number(ctx, ind.numerator), _number(ctx, ind.denominator)
    if num is None or den is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), np.full(ctx.n, "", dtype=object), np.zeros(ctx.n, bool))
    ok = ~np.isnan(num) & ~np.isnan(den) & (den != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(ok, ind.multiplier * num / np.where(ok, den, 1.0), np.nan)
    value = _linear_score(x, ind)
    mult = "" if ind.multiplier == 1 else f" x {ind.multiplier:g}"
    trace = _cat(pd.Series(f"{ind.numerator}/{ind.denominator}{mult} = ", index=range(ctx.n)), _fmt(num), "/", _fmt(den),
                 f"{mult} = ", _fmt(x), f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, ok)


def _recent_date(ind: Indicator, ctx: _Ctx) -> tuple:
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), np.full(ctx.n, "", dtype=object), np.zeros(ctx.n, bool))
    d = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[ns]")
    ref = _reference_dates(ctx.waves)
    limit = ref - np.timedelta64(ind.within_days, "D")
    answered = ~np.isnat(d)
    value = np.where(~np.isnat(ref), np.where(d >= limit, 100.0, 0.0), np.nan)
    dtext = pd.Series(np.datetime_as_string(d, unit="D"))
    rtext = pd.Series(np.datetime_as_string(ref, unit="D"))
    trace = _cat(pd.Series(f"{ind.question}=", index=range(ctx.n)), dtext, " (reference ", rtext,
                 f", within {ind.within_days} days) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, answered)


def _score(ind: Indicator, ctx: _Ctx) -> tuple:
    if ind.rule == "yes_no":
        return _coded(ind, ctx, {"Y": 100.0, "N": 0.0, "DK": ctx.m.dont_know_score}, "yes_no")
    if ind.rule == "points":
        return _coded(ind, ctx, ind.points, "points")
    if ind.rule == "sophistication":
        return _coded(ind, ctx, ctx.m.levels, "sophistication")
    if ind.rule == "share_selected":
        return _share_selected(ind, ctx)
    if ind.rule == "linear":
        return _linear(ind, ctx)
    if ind.rule == "ratio":
        return _ratio(ind, ctx)
    if ind.rule == "recent_date":
        return _recent_date(ind, ctx)
    raise LeiError(f"indicator {ind.code}: unknown rule {ind.rule!r}")


def score_indicators(clean_frame: pd.DataFrame, questionnaire, m: Methodology) -> pd.DataFrame:
    """Long table: one row per (wave, unit_code, indicator) with value 0..100 (NaN = left out)
    and a trace saying which answers gave the value."""
    problems = check_against(m, questionnaire)
    if problems:
        raise LeiError("methodology does not fit the questionnaire: " + "; ".join(problems))
    for col in ("wave", "unit_code"):
        if col not in clean_frame.columns:
            raise LeiError(f"score_indicators: the responses have no {col!r} column")
    ctx = _Ctx(clean_frame, questionnaire, m)
    k = len(m.indicators)
    values = np.empty((ctx.n, k), dtype=float)
    traces = np.empty((ctx.n, k), dtype=object)
    for j, ind in enumerate(m.indicators):
        v, t = _score(ind, ctx)
        values[:, j] = v
        traces[:, j] = t
    codes = np.array([i.code for i in m.indicators], dtype=object)
    comps = np.array([i.component for i in m.indicators], dtype=object)
    out = pd.DataFrame({
        "wave": pd.Series(np.repeat(ctx.waves.to_numpy(dtype=object), k), dtype="str"),
        "unit_code": pd.Series(np.repeat(clean_frame["unit_code"].astype(str).to_numpy(dtype=object), k), dtype="str"),
        "indicator": pd.Series(np.tile(codes, ctx.n), dtype="str"),
        "component": pd.Series(np.tile(comps, ctx.n), dtype="str"),
        "value": values.ravel(),
        "trace": pd.Series(traces.ravel(), dtype="str"),
    })
    return out[OUTPUT_COLUMNS]
