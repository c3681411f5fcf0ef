"""Answers -> indicator values (0..100), each with the answer's status and a trace of which answers
gave it and how they were read.

Vectorised per indicator (one pass over a column, never a Python loop per unit): a 100,000-unit
wave scores in seconds. The rules are documented in the methodology YAML (scoring.rules), the
readings of don't-know, blank and NA in scoring.reading (v2) or the legacy `missing` rule (v1).

Status of an indicator for a unit (column `status`), decided before the rule reads the answer:
  not_asked      a question it reads was not asked in the unit's wave
  not_in_force   the indicator applies from a date after the wave's reference date
  not_shown      a question it reads was not shown (display condition, e.g. a registry fact)
  not_reached    the response is incomplete and stopped before the question's page
  no_population  a per-capita indicator and the registry has no population for the unit
  blank          shown on a reached page and left empty (nothing ticked, for multiple choice)
  dont_know      answered "don't know"
  not_applicable answered NA
  invalid        answered, but the rule cannot compute (a denominator of 0)
  answered       a plain answer the rule scored
Missing by design (EXCUSED) does not count against ranking coverage; not_reached, and a blank or
don't-know read as missing, do."""
from __future__ import annotations

import datetime as dt
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology.matrix import IndicatorMatrix, resolve_reading, status_code
from lei_pipeline.methodology.model import Indicator, Methodology, check_against

_S = status_code
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


def _default_reference(wave: str) -> dt.date | None:
    """31 December of the year before the wave (wave '2024' -> 2023-12-31); None without a year."""
    m = _YEAR.search(str(wave))
    return dt.date(int(m.group(1)) - 1, 12, 31) if m else None


class _Ctx:
    def __init__(self, frame: pd.DataFrame, questionnaire, m: Methodology, reading: dict[str, dict],
                 reference_dates: dict | None, registry: pd.DataFrame | None):
        self.frame = frame.reset_index(drop=True)
        self.q = questionnaire
        self.m = m
        self.reading = reading
        self.n = len(frame)
        self.waves = self.frame["wave"].astype(str)
        self.waves_text = _text(self.waves)   # once: 78 indicators x 100,000 units made it 5 s
        self._asked: dict[str, np.ndarray] = {}
        self._reached: dict[str, np.ndarray] = {}
        # A wave the questionnaire does not declare yet is scored with the question set it was read with.
        resolve = getattr(questionnaire, "question_set_wave", lambda w: w)
        self._question_set = self.waves.map({w: resolve(w) for w in self.waves.unique()})
        refs = {w: (reference_dates or {}).get(w) or _default_reference(w) for w in self.waves.unique()}
        self.reference = self.waves.map(refs)
        # question sets as small integer codes: per-question lookups index an array, never map strings
        self._qs_codes, self._qs_uniques = pd.factorize(self._question_set)
        self._pages = {w: questionnaire.pages(w) if hasattr(questionnaire, "pages") else {}
                       for w in self._qs_uniques}
        complete = self.frame["complete"] if "complete" in self.frame.columns else None
        self._complete = (np.ones(self.n, bool) if complete is None
                          else complete.fillna(True).to_numpy(dtype=bool))
        lp = self.frame["last_page"] if "last_page" in self.frame.columns else None
        self._last_page = (np.full(self.n, np.nan) if lp is None
                           else pd.to_numeric(lp, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
        self._facts = None
        if registry is not None and len(registry):
            reg = registry.assign(unit_code=registry["unit_code"].astype(str)).drop_duplicates("unit_code").set_index("unit_code")
            self._facts = reg.reindex(self.frame["unit_code"].astype(str))

    def asked(self, code: str) -> np.ndarray:
        """Per unit: was question `code` asked in that unit's wave?"""
        if code not in self._asked:
            q = self.q.questions[code]
            self._asked[code] = self._question_set.isin(q.waves).to_numpy()
        return self._asked[code]

    def reached(self, code: str) -> np.ndarray:
        """Per unit: did the response reach the question's page? A complete submission reached
        every page; an incomplete one the pages up to its lastpage (none when lastpage is unknown)."""
        if code not in self._reached:
            page = np.array([self._pages[w].get(code, 0) for w in self._qs_uniques], dtype=float)[self._qs_codes]
            with np.errstate(invalid="ignore"):
                self._reached[code] = self._complete | (self._last_page >= page)
        return self._reached[code]

    def shown(self, code: str) -> np.ndarray:
        """Per unit: was the question shown (its display condition held)?"""
        cond = getattr(self.q.questions[code], "shown_if", None)
        if not cond:
            return np.ones(self.n, bool)
        if "registry" in cond:
            fact = cond["registry"]
            if self._facts is None or fact not in self._facts.columns:
                return np.ones(self.n, bool)   # the fact is unknown here: the answer decides
            v = self._facts[fact]
            return (v.notna() & (v.astype(str).str.strip() != "")).to_numpy(dtype=bool)
        s = self.column(cond["question"])
        if s is None:
            return np.zeros(self.n, bool)
        return (s.astype(object) == cond["equals"]).to_numpy(dtype=bool)

    def population(self) -> np.ndarray:
        if self._facts is None or "population_2022" not in self._facts.columns:
            return np.full(self.n, np.nan)
        return pd.to_numeric(self._facts["population_2022"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def column(self, col: str) -> pd.Series | None:
        if col not in self.frame.columns:
            return None
        return self.frame[col]


def _finish(ind: Indicator, ctx: _Ctx, value: np.ndarray, trace: pa.Array, status: np.ndarray) -> tuple:
    """Apply the declared readings and the design-missing statuses on top of a rule's result."""
    value = value.astype(float).copy()
    status = status.copy()
    label = "+".join(ind.questions)
    r = ctx.reading[ind.code]
    for qc in ind.questions:
        if qc not in ctx.q.questions:
            continue
        unreached = ~ctx.reached(qc)
        status[unreached & (status == _S["blank"])] = _S["not_reached"]
        status[~ctx.shown(qc) & (status != _S["answered"])] = _S["not_shown"]
    if ind.rule == "per_capita":
        status[np.isnan(ctx.population()) & (status != _S["not_reached"])] = _S["no_population"]
    if ind.applies_from is not None:
        before = {d: d is not None and d < ind.applies_from for d in ctx.reference.unique()}
        status[ctx.reference.map(before).to_numpy(dtype=bool)] = _S["not_in_force"]
    not_asked = np.zeros(ctx.n, dtype=bool)
    for qc in ind.questions:
        not_asked |= ~ctx.asked(qc)
    status[not_asked] = _S["not_asked"]

    def put(st: str, v: float, text) -> None:
        # text: a str, or a function making the per-unit texts, called only if a unit has this status
        nonlocal value, trace
        mask = status == _S[st]
        if mask.any():
            value = np.where(mask, v, value)
            trace = pc.if_else(pa.array(mask), text() if callable(text) else text, trace)

    legacy = not ctx.m.declares_reading
    if legacy:   # methodology v1: one `missing` rule for every kind of absent answer
        absent = "0 (missing scores 0 for this indicator)" if ind.missing == "zero" else "missing (left out, weights rescaled)"
        absent_v = 0.0 if ind.missing == "zero" else np.nan
        for st in ("blank", "not_reached", "not_shown"):
            put(st, absent_v, f"{label} not answered -> {absent}")
    else:
        blank_v = 0.0 if r["blank"] == "none" else np.nan
        put("blank", blank_v, f"{label} blank on a shown, reached page -> "
                              + ("0 (blank: none)" if r["blank"] == "none" else "missing (blank: missing)"))
        put("not_reached", np.nan, f"{label} on a page the incomplete response did not reach -> missing")
        put("not_shown", np.nan, f"{label} not shown (display condition) -> missing, not applicable")
        na_v = np.nan if r["na"] == "accepted" else 0.0
        put("not_applicable", na_v, f"{label}=NA -> " + ("missing (na: accepted, not applicable)" if r["na"] == "accepted"
                                                        else "0 (na: refused)"))
    put("no_population", np.nan, f"{label}: the registry has no population for this unit -> missing, not held against it")
    if ind.applies_from is not None:
        iso = {d: d.isoformat() if d else "?" for d in ctx.reference.unique()}
        put("not_in_force", np.nan, lambda: _cat(f"{ind.code} applies from {ind.applies_from.isoformat()}; "
                                                 "reference date ", _text(ctx.reference.map(iso)), " -> not scored"))
    put("not_asked", np.nan, lambda: _cat(f"{label} not asked in wave ", ctx.waves_text))
    # status says "missing" whenever the value is (e.g. a DK read as missing)
    return value, trace, status


def _cell_status(codes: pd.Series, factorized: tuple | None = None) -> np.ndarray:
    f, uniq = pd.factorize(codes) if factorized is None else factorized  # a handful of distinct answers
    per = np.array([_S["dont_know"] if u == "DK" else _S["not_applicable"] if u == "NA" else _S["answered"]
                    for u in uniq] + [_S["blank"]], dtype=np.int8)
    return per[np.where(f < 0, len(uniq), f)]


def _lookup(factorized: tuple, table: dict) -> tuple[np.ndarray, list]:
    """Per cell, table[answer] (missing: not in the table, or no answer), looked up once per
    distinct answer: positions into the distinct answers plus one for 'missing'."""
    f, uniq = factorized
    pos = np.where(f < 0, len(uniq), f)
    return pos, [table.get(u) for u in uniq] + [None]


def _coded(ind: Indicator, ctx: _Ctx, table: dict[str, float], kind: str) -> tuple:
    """yes_no / points / sophistication: a lookup from answer code to points."""
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    # factorised as read (Arrow text: a dictionary encoding), not as 100,000 Python objects
    factorized = pd.factorize(s)
    status = _cell_status(s, factorized)
    r = ctx.reading[ind.code]
    dk = ctx.m.dont_know_score
    dk_read = ctx.m.declares_reading and r["dont_know"] == "missing"
    lookup_v = dict(table)
    lookup_t = {c: f"{ind.question}={c} -> {v:g}" for c, v in table.items()}
    lookup_v["DK"] = np.nan if dk_read else dk
    lookup_t["DK"] = (f"{ind.question}=DK (don't know) -> missing (dont_know: missing)" if dk_read else
                      f"{ind.question}=DK (don't know) -> {dk:g} (DK scored {dk:g})")
    pos, per_v = _lookup(factorized, lookup_v)
    value = np.array([np.nan if v is None else v for v in per_v], dtype=float)[pos]
    _, per_t = _lookup(factorized, lookup_t)
    trace = pa.array(per_t, pa.string()).take(pos)
    # v1: an answer code without points (NA: not a competence) is left out, like a missing answer.
    other = (status == _S["answered"]) & np.isnan(value)
    status[other] = _S["invalid"]
    na = status == _S["not_applicable"]
    if not ctx.m.declares_reading:
        other |= na
        status[na] = _S["not_applicable"]
    if other.any():
        trace = pc.if_else(pa.array(other), _cat(f"{ind.question}=", _text(s.astype(str)),
                                                 f" -> missing ({kind}: no points for this answer, left out)"), trace)
    return _finish(ind, ctx, value, trace, status)


def _share_selected(ind: Indicator, ctx: _Ctx) -> tuple:
    q = ctx.q.questions[ind.question]
    crit = getattr(q, "criteria_subquestions", q.subquestions)
    subs = ind.subquestions or [s.code for s in crit]
    excl = [s.code for s in getattr(q, "exclusive_subquestions", [])]
    cols = {s: ctx.column(f"{q.code}[{s}]") for s in subs + excl}
    if all(c is None for c in cols.values()):
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    ticked = np.zeros(ctx.n, dtype=float)
    none_ticked = np.zeros(ctx.n, dtype=bool)
    any_ticked = np.zeros(ctx.n, dtype=bool)
    which = []      # per subquestion, "<code> " where ticked: joined in Arrow, not as Python strings
    for s, c in cols.items():
        if c is None:
            continue
        if pd.api.types.is_bool_dtype(c.dtype):
            hit = c.to_numpy(dtype=bool, na_value=False)
        else:
            hit = (c.astype(object) == True).to_numpy(dtype=bool)  # noqa: E712 (True/False/NA)
        any_ticked |= hit
        if s in excl:
            none_ticked |= hit
            continue
        ticked += hit
        which.append(pc.if_else(pa.array(hit), pa.scalar(s + " "), pa.scalar("")))
    value = 100.0 * ticked / len(subs)
    joined = pc.utf8_trim_whitespace(_cat(*which)) if which else _blank(ctx.n)
    names = pc.if_else(pc.equal(pc.utf8_length(joined), 0), pa.scalar("none"), joined)
    trace = _cat(f"{q.code}: ", _fmt(ticked), f" of {len(subs)} ticked (", names, ") -> ", _fmt(value))
    if excl:
        only_none = none_ticked & (ticked == 0)
        trace = pc.if_else(pa.array(only_none), f"{q.code}: 'none of these' ticked -> 0", trace)
    status = np.where(any_ticked, _S["answered"], _S["blank"]).astype(np.int8)
    return _finish(ind, ctx, value, trace, status)


def _linear_score(x: np.ndarray, ind: Indicator) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.clip((x - ind.worst) / (ind.best - ind.worst), 0.0, 1.0) * 100.0


def _number(ctx: _Ctx, code: str) -> np.ndarray | None:
    s = ctx.column(code)
    if s is None:
        return None
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _number_status(*xs: np.ndarray) -> np.ndarray:
    status = np.full(len(xs[0]), _S["answered"], dtype=np.int8)
    for x in xs:
        status[np.isnan(x)] = _S["blank"]
    return status


def _linear(ind: Indicator, ctx: _Ctx) -> tuple:
    x = _number(ctx, ind.question)
    if x is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    value = _linear_score(x, ind)
    trace = _cat(f"{ind.question}=", _fmt(x),
                 f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, _number_status(x))


def _ratio(ind: Indicator, ctx: _Ctx) -> tuple:
    num, den = _number(ctx, ind.numerator), _number(ctx, ind.denominator)
    if num is None or den is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    ok = ~np.isnan(num) & ~np.isnan(den) & (den != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(ok, ind.multiplier * num / np.where(ok, den, 1.0), np.nan)
    value = _linear_score(x, ind)
    mult = "" if ind.multiplier == 1 else f" x {ind.multiplier:g}"
    trace = _cat(f"{ind.numerator}/{ind.denominator}{mult} = ", _fmt(num), "/", _fmt(den),
                 f"{mult} = ", _fmt(x), f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    status = _number_status(num, den)
    status[(status == _S["answered"]) & ~ok] = _S["invalid"]
    return _finish(ind, ctx, value, trace, status)


def _per_capita(ind: Indicator, ctx: _Ctx) -> tuple:
    x = _number(ctx, ind.question)
    if x is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    pop = ctx.population()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(pop > 0, x * ind.per / np.where(pop > 0, pop, 1.0), np.nan)
    value = _linear_score(rate, ind)
    trace = _cat(f"{ind.question}=", _fmt(x), " per ", _fmt(pop), f" inhabitants x {ind.per:g} = ", _fmt(rate),
                 f" (worst {ind.worst:g}, best {ind.best:g}) -> ", _fmt(value))
    return _finish(ind, ctx, value, trace, _number_status(x))


def _recent_date(ind: Indicator, ctx: _Ctx) -> tuple:
    s = ctx.column(ind.question)
    if s is None:
        return _finish(ind, ctx, np.full(ctx.n, np.nan), _blank(ctx.n), np.full(ctx.n, _S["blank"], np.int8))
    d = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[ns]")
    iso = {v: v.isoformat() if v else None for v in ctx.reference.unique()}
    ref = pd.to_datetime(ctx.reference.map(iso)).to_numpy(dtype="datetime64[ns]")
    limit = ref - np.timedelta64(ind.within_days, "D")
    answered = ~np.isnat(d)
    value = np.where(~np.isnat(ref), np.where(d >= limit, 100.0, 0.0), np.nan)
    dtext = _text(np.datetime_as_string(d, unit="D"))
    rtext = _text(np.datetime_as_string(ref, unit="D"))
    trace = _cat(f"{ind.question}=", dtext, " (reference ", rtext,
                 f", within {ind.within_days} days) -> ", _fmt(value))
    status = np.where(answered, _S["answered"], _S["blank"]).astype(np.int8)
    return _finish(ind, ctx, value, trace, status)


def _score(ind: Indicator, ctx: _Ctx) -> tuple:
    if ind.rule == "yes_no":
        return _coded(ind, ctx, {"Y": 100.0, "N": 0.0}, "yes_no")
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
    if ind.rule == "per_capita":
        return _per_capita(ind, ctx)
    if ind.rule == "recent_date":
        return _recent_date(ind, ctx)
    raise LeiError(f"indicator {ind.code}: unknown rule {ind.rule!r}")


# From this many units the indicators are scored on a few threads: most of an indicator's time is
# in Arrow and numpy kernels, which release the GIL, and each indicator reads the shared answers
# only (its own arrays, its own column of the matrix). 100,000 units: 1.3-2.0 s -> 0.8 s on two
# cores, the same matrix. Below it a pool costs more than it saves.
THREADED_FROM_UNITS = 5_000
MAX_THREADS = 4


def _score_all(indicators: list[Indicator], ctx: _Ctx) -> list[tuple]:
    """(values, traces, statuses) per indicator, in order."""
    threads = min(MAX_THREADS, os.cpu_count() or 1, len(indicators))
    if ctx.n < THREADED_FROM_UNITS or threads < 2:
        return [_score(ind, ctx) for ind in indicators]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads, thread_name_prefix="lei-scoring") as pool:
        return list(pool.map(lambda ind: _score(ind, ctx), indicators))


def score_indicators(clean_frame: pd.DataFrame, questionnaire, m: Methodology, *, reading: dict | None = None,
                     reference_dates: dict | None = None, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table: one row per (wave, unit_code, indicator) with value 0..100 (NaN = left out),
    the answer's status (see STATUSES) and a trace saying which answers gave the value.

    reading: re-score under other readings than the methodology declares, e.g.
      {"blank": "missing"} or {"dont_know": "missing", "SRV08": {"na": "refused"}}
      (keys dont_know: zero|missing, blank: none|missing, na: accepted|refused).
    reference_dates: {wave: datetime.date} (data/waves.yaml); default 31 December of the year
      before the wave. registry: the registry frame (population_2022, minority_languages) for
      per-capita indicators and registry display conditions."""
    return score_matrix(clean_frame, questionnaire, m, reading=reading, reference_dates=reference_dates,
                        registry=registry).long()


def score_matrix(clean_frame: pd.DataFrame, questionnaire, m: Methodology, *, reading: dict | None = None,
                 reference_dates: dict | None = None, registry: pd.DataFrame | None = None) -> IndicatorMatrix:
    """The scores wide (units x indicators, in the responses' row order and the methodology's
    indicator order), with statuses and traces; arguments as score_indicators'."""
    problems = check_against(m, questionnaire)
    if problems:
        raise LeiError("methodology does not fit the questionnaire: " + "; ".join(problems))
    for col in ("wave", "unit_code"):
        if col not in clean_frame.columns:
            raise LeiError(f"score_indicators: the responses have no {col!r} column")
    resolved = resolve_reading(m, reading)
    ctx = _Ctx(clean_frame, questionnaire, m, resolved, reference_dates, registry)
    k, n = len(m.indicators), ctx.n
    values = np.empty((n, k), dtype=float)
    statuses = np.empty((n, k), dtype=np.int8)
    traces = []
    for j, (v, t, s) in enumerate(_score_all(m.indicators, ctx)):
        values[:, j] = v
        statuses[:, j] = s
        traces.append(t)
    return IndicatorMatrix.scored(m, waves=ctx.waves_text, unit_codes=_text(ctx.frame["unit_code"].astype(str)),
                                  values=values, statuses=statuses, traces=traces, reading=resolved)
