"""Answers -> indicator values (0..100), each with a trace of which answers gave it.

Vectorised per indicator (one pass over a column, never a Python loop per unit): a 100,000-unit
wave scores in seconds. The rules are documented in the methodology YAML (scoring.rules)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.model import Indicator, Methodology, check_against

OUTPUT_COLUMNS = ["wave", "unit_code", "indicator", "component", "value", "trace"]
_YEAR = re.compile(r"(\d{4})")


# Traces are Arrow string arrays end to end: a wave of 100,000 units has 7.5 million of them, and
# as Python str objects they cost ~1 GB and most of the scoring time.


def _fmt(a: np.ndarray) -> pa.Array:
    """Numbers as short text for traces: 12 not 12.0, at most 2 decimals; missing for NaN."""
    return pc.cast(pa.array(np.round(np.asarray(a, dtype=float), 2), from_pandas=True), pa.string())


def _text(values) -> pa.Array:
    """Strings (Series or array; None/NaN = missing) as an Arrow string array."""
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _cat(*parts) -> pa.Array:
    """Concatenate Arrow string arrays and str scalars element-wise; missing if any part is."""
    return pc.binary_join_element_wise(*(p if isinstance(p, pa.Array) else str(p) for p in parts), "")


def _blank(n: int) -> pa.Array:
    return pa.repeat(pa.scalar("", pa.string()), n)


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


def _finish(ind: Indicator, ctx: _Ctx, value: np.ndarray, trace: pa.Array, answered: np.ndarray) -> tuple:
    """Apply the missing rule and the not-asked rule on top of a rule's result."""
    value = value.astype(float)
    missing = ~answered
    missing_mask = pa.array(missing)
    label = "+".join(ind.questions)
    if ind.missing == "zero":
        value = np.where(missing, 0.0, value)
        trace = pc.if_else(missing_mask, f"{label} not answered -> 0 (missing scores 0 for this indicator)", trace)
    else:
        value = np.where(missing, np.nan, value)
        trace = pc.if_else(missing_mask, f"{label} not answered -> missing (left out, weights rescaled)", trace)
    not_asked = np.zeros(ctx.n, dtype=bool)
    for qc in ind.questions:
        not_asked |= ~ctx.asked(qc)
    if not_asked.any():
        value = np.where(not_asked, np.nan, value)
        trace = pc.if_else(pa.array(not_asked), _cat(f"{label} not asked in wave ", _text(ctx.waves)), trace)
    return value, trace


def _coded(ind: Indicator, ctx: _Ctx, table: dict[str, float], kind: str) -> tuple:
    """yes_no / points / sophistication: a lookup from answer code to points."""
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.zeros(ctx.n, bool))
    codes = s.astype(object).where(s.notna(), None)
    answered = codes.notna().to_numpy()
    dk = ctx.m.dont_know_score
    lookup_v = dict(table)
    lookup_t = {c: f"{ind.question}={c} -> {v:g}" for c, v in table.items()}
    lookup_v.setdefault("DK", dk)
    lookup_t["DK"] = f"{ind.question}=DK (don't know) -> {lookup_v['DK']:g} (DK scored {lookup_v['DK']:g})"
    value = codes.map(lookup_v).to_numpy(dtype=float, na_value=np.nan)
    trace = _text(codes.map(lookup_t))
    # An answer code without points (NA: not a competence) is left out, like a missing answer.
    other = answered & np.isnan(value)
    if other.any():
        trace = pc.if_else(pa.array(other), _cat(f"{ind.question}=", _text(codes.astype(str)),
                                                 f" -> missing ({kind}: no points for this answer, left out)"), trace)
    return _finish(ind, ctx, value, trace, answered)


def _share_selected(ind: Indicator, ctx: _Ctx) -> tuple:
    q = ctx.q.questions[ind.question]
    subs = ind.subquestions or [s.code for s in q.subquestions]
    cols = [ctx.column(f"{q.code}[{s}]") for s in subs]
    present = [c for c in cols if c is not None]
    if not present:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.zeros(ctx.n, bool))
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
    trace = _cat(f"{q.code}: ", _fmt(ticked), f" of {len(subs)} ticked (", _text(names), ") -> ", _fmt(value))
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
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.zeros(ctx.n, bool))
    value = _linear_score(x, ind)
    trace = _cat(f"{ind.question}=", _fmt(x),
                 f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, ~np.isnan(x))


def _ratio(ind: Indicator, ctx: _Ctx) -> tuple:
    num, den = _number(ctx, ind.numerator), _number(ctx, ind.denominator)
    if num is None or den is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.zeros(ctx.n, bool))
    ok = ~np.isnan(num) & ~np.isnan(den) & (den != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(ok, ind.multiplier * num / np.where(ok, den, 1.0), np.nan)
    value = _linear_score(x, ind)
    mult = "" if ind.multiplier == 1 else f" x {ind.multiplier:g}"
    trace = _cat(f"{ind.numerator}/{ind.denominator}{mult} = ", _fmt(num), "/", _fmt(den),
                 f"{mult} = ", _fmt(x), f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, ok)


def _recent_date(ind: Indicator, ctx: _Ctx) -> tuple:
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.zeros(ctx.n, bool))
    d = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[ns]")
    ref = _reference_dates(ctx.waves)
    limit = ref - np.timedelta64(ind.within_days, "D")
    answered = ~np.isnat(d)
    value = np.where(~np.isnat(ref), np.where(d >= limit, 100.0, 0.0), np.nan)
    dtext = _text(np.datetime_as_string(d, unit="D"))
    rtext = _text(np.datetime_as_string(ref, unit="D"))
    trace = _cat(f"{ind.question}=", dtext, " (reference ", rtext,
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


def _str_column(a: pa.Array) -> pd.Series:
    return pd.Series(pd.array(a, dtype="str"))


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
    k, n = len(m.indicators), ctx.n
    values = np.empty((n, k), dtype=float)
    traces = []
    for j, ind in enumerate(m.indicators):
        v, t = _score(ind, ctx)
        values[:, j] = v
        traces.append(t)
    # Rows are unit-major (a unit's 75 indicators together): positions into the per-unit and
    # per-indicator arrays, taken in Arrow so that no Python string is made per row.
    unit_pos = np.repeat(np.arange(n), k)
    ind_pos = np.tile(np.arange(k), n)
    unit_codes = _text(clean_frame["unit_code"].astype(str))
    out = pd.DataFrame({
        "wave": _str_column(_text(ctx.waves).take(unit_pos)),
        "unit_code": _str_column(unit_codes.take(unit_pos)),
        "indicator": _str_column(pa.array([i.code for i in m.indicators], pa.string()).take(ind_pos)),
        "component": _str_column(pa.array([i.component for i in m.indicators], pa.string()).take(ind_pos)),
        "value": values.ravel(),
        "trace": _str_column(pa.concat_arrays(traces).take(ind_pos * n + unit_pos) if traces else pa.array([], pa.string())),
    })
    return out[OUTPUT_COLUMNS]
