"""Raw export table -> one typed row per (wave, unit): registry matching, duplicate resolution,
typing of every answer against the questionnaire. Nothing is dropped silently: each value or
row set aside becomes a Problem, each duplicate resolution a row of `decisions`.

Severity: an answer we cannot interpret as the respondent meant it (unknown code, unmatched
unit) is an error and blocks the wave; a value we can set aside without guessing (out of range,
unparseable number or date) is a warning and the value is missing (quarantined)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa

from lei_pipeline.problems import ERROR, WARNING, Problem
from lei_pipeline.registry.identify import match_units
from lei_pipeline.survey.readers.values import (blank, out_of_range, parse_choice, parse_date, parse_number,
                                                parse_tick, parse_yes_no)

LEAD = ["wave", "unit_code", "unit_name", "unit_type", "source_file", "source_row", "submitted_at", "complete", "last_page"]
DECISION_COLUMNS = ["unit_code", "kept_row", "dropped_rows", "reason", "source_file"]


@dataclass
class CleanResult:
    frame: pd.DataFrame
    problems: list = field(default_factory=list)
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == ERROR]


def _make_matcher(registry_df):
    from lei_pipeline.registry import Matcher

    try:
        return Matcher(registry_df, respondents_only=True)
    except TypeError:  # a Matcher without the respondents_only switch
        return Matcher(registry_df)


def resolve_duplicates(df: pd.DataFrame, problems: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per unit: complete beats incomplete, then the later submit date, then the later row."""
    # Sorted on the few columns the decision needs; the wide answer columns are only indexed at the end.
    key = df[[c for c in _DUPLICATE_COLUMNS if c in df.columns]]
    order = key.assign(_ts=key["submitted_at"].fillna(pd.Timestamp.min)).sort_values(
        ["unit_code", "complete", "_ts", "source_row"], ascending=[True, False, False, False], kind="stable")
    first = ~order["unit_code"].duplicated(keep="first")
    # Only units with several rows, or whose kept row is incomplete, say anything: the loop below
    # visits those (in the same unit order as a loop over every unit would), not all 100,000.
    notable_units = order["unit_code"].duplicated(keep=False) | (first & ~order["complete"].astype(bool))
    notable = order[order["unit_code"].isin(order.loc[notable_units, "unit_code"])]
    decisions = []
    for unit, grp in notable.groupby("unit_code", sort=False):
        kept = grp.iloc[0]
        if not kept["complete"]:
            problems.append(Problem(kept["source_file"], int(kept["source_row"]), "submitdate", None, severity=WARNING,
                                    kind="duplicate", reason=f"incomplete response (not submitted) kept for {unit}: "
                                                             "no complete response from this unit"))
        if len(grp) == 1:
            continue
        dropped = grp.iloc[1:]
        later_ts = pd.notna(kept["submitted_at"]) and (
            dropped["submitted_at"].isna() | (dropped["submitted_at"] < kept["submitted_at"])).all()
        if kept["complete"] and not dropped["complete"].any():
            why = "complete response beats incomplete"
        elif later_ts:
            why = "later submit date"
        else:
            why = "later row in the export (submit times do not decide)"
        decisions.append({"unit_code": unit, "kept_row": int(kept["source_row"]),
                          "dropped_rows": ", ".join(str(int(x)) for x in dropped["source_row"]),
                          "reason": why, "source_file": kept["source_file"]})
        for d_file, d_row, d_name in zip(dropped["source_file"].tolist(), dropped["source_row"].tolist(),
                                         dropped["respondent_name"].tolist()):
            problems.append(Problem(d_file, int(d_row), "JLS", d_name,
                                    severity=WARNING, kind="duplicate",
                                    reason=f"duplicate submission for {unit}: row {int(kept['source_row'])} kept "
                                           f"({why}); this row dropped"))
    dec = pd.DataFrame(decisions, columns=DECISION_COLUMNS)
    dec["kept_row"] = dec["kept_row"].astype("int64")
    kept_rows = order.loc[first, ["source_row"]].sort_values("source_row", kind="stable")
    if kept_rows.index.equals(df.index):   # nothing dropped, nothing moved: no copy of every column
        return df, dec
    return df.loc[kept_rows.index], dec


_DUPLICATE_COLUMNS = ["unit_code", "complete", "submitted_at", "source_row", "source_file", "respondent_name"]


def _report(problems, note, file, row, column, value, headers):
    sev, reason = note
    problems.append(Problem(file, int(row), column, value, reason=reason, severity=sev,
                            header=headers.get(column), kind=getattr(note, "kind", "value")))


def _distinct(values: pd.Series | None, n: int) -> tuple[np.ndarray, list]:
    """(codes, distinct values): values[i] == distinct[codes[i]]. Parsing each distinct answer
    once instead of each cell is what makes typing a 100,000-row wave take seconds: a column
    holds a handful of distinct codes. Missing cells share one entry (code len(distinct) - 1)."""
    if values is None:
        return np.zeros(n, dtype=np.intp), [None]
    if isinstance(values.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct = list(uniques) + [values.dtype.na_value]
        codes = np.where(codes < 0, len(distinct) - 1, codes)
        return codes, distinct
    # object columns (hand-made frames): 1, 1.0 and True are equal as dict keys, so key on the type too
    index: dict = {}
    distinct = []
    codes = np.empty(n, dtype=np.intp)
    for i, v in enumerate(values.tolist()):
        k = (type(v), "missing") if v is None or v is pd.NA or (isinstance(v, float) and v != v) else (type(v), v)
        j = index.get(k)
        if j is None:
            j = index[k] = len(distinct)
            distinct.append(v)
        codes[i] = j
    return codes, distinct


def _noted_rows(codes: np.ndarray, notes: list) -> np.ndarray:
    noted = np.array([x is not None for x in notes], dtype=bool)
    return np.flatnonzero(noted[codes]) if noted.any() else np.empty(0, dtype=np.intp)


def _parse_single(q, v):
    if q.type == "yes_no":
        return parse_yes_no(v)
    if q.type == "single_choice":
        return parse_choice(v, q.options)
    if q.type in ("number", "percentage"):
        return _in_range(q, *parse_number(v, percentage=q.type == "percentage"))
    if q.type == "date":
        return parse_date(v)
    return str(v).strip(), None


def _in_range(q, typed, note):
    if typed is not None and ((q.min is not None and typed < q.min) or (q.max is not None and typed > q.max)):
        bounds = f"{_fmt(q.min)}..{_fmt(q.max)}"
        return None, out_of_range(f"out of range {bounds}: value set missing (quarantined)")
    return typed, note


# Digits, or digits with a decimal point: parse_number reads these as float() does, except
# '1.234'-like ones (1-3 digits, not a lone 0, then exactly three decimals), which are ambiguous.
_PLAIN_NUMBER = r"\d+(?:\.\d+)?"
_AMBIGUOUS = r"(?:[1-9]\d{0,2}|0\d{1,2})\.\d{3}"


def _parse_distinct(q, distinct: list) -> list:
    """(typed, note) per distinct raw value. A number column holds thousands of distinct values:
    the plain ones are read in bulk (float(), as parse_number would), the rest one by one."""
    if q.type not in ("number", "percentage") or len(distinct) < 64:
        return [(None, None) if blank(v) else _parse_single(q, v) for v in distinct]
    texts = pd.Series([v if isinstance(v, str) else None for v in distinct], dtype="str")
    plain = (texts.str.fullmatch(_PLAIN_NUMBER) & ~texts.str.fullmatch(_AMBIGUOUS)).fillna(False).tolist()
    return [_in_range(q, float(v), None) if p else (None, None) if blank(v) else _parse_single(q, v)
            for v, p in zip(distinct, plain)]


def _reached_pages(df: pd.DataFrame) -> np.ndarray:
    """Per row: the last page the response reached (inf for a complete submission; 0 when an
    incomplete response does not say)."""
    n = len(df)
    complete = df["complete"].fillna(True).to_numpy(dtype=bool) if "complete" in df.columns else np.ones(n, bool)
    last = (pd.to_numeric(df["last_page"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if "last_page" in df.columns else np.full(n, np.nan))
    return np.where(complete, np.inf, np.nan_to_num(last, nan=0.0))


def type_answers(df: pd.DataFrame, questionnaire, wave, problems: list, headers: dict) -> dict[str, pd.Series]:
    """Parses each distinct raw value of a column once and spreads the result over the rows.
    Problems come out in the order of a cell-by-cell pass: question by question, row by row
    (and, within a multiple-choice question, subquestion by subquestion).

    A multiple-choice question exports an unticked box as an empty cell, so "nothing ticked" and
    "never shown" look alike: on a page the response reached (a complete submission reached them
    all) every box reads False (nothing ticked); on a page it did not reach they stay missing."""
    out: dict[str, pd.Series] = {}
    n = len(df)
    files = df["source_file"].tolist() if n else []
    rownums = df["source_row"].tolist() if n else []
    pages = questionnaire.pages(wave) if hasattr(questionnaire, "pages") else {}
    reached_page = _reached_pages(df)
    for q in questionnaire.asked_in(wave):
        if q.type == "multiple_choice":
            cols = [f"{q.code}[{s.code}]" for s in q.subquestions]
            parsed = {}
            shown = np.zeros(n, dtype=bool)
            for c in cols:
                codes, distinct = _distinct(df[c] if c in df.columns else None, n)
                blanks = np.array([blank(v) for v in distinct], dtype=bool)
                shown |= ~blanks[codes]
                parsed[c] = (codes, distinct, blanks)
            noted: list[tuple[int, int, tuple]] = []
            unticked = ~shown & (reached_page >= pages.get(q.code, 0))
            for k, c in enumerate(cols):
                codes, distinct, blanks = parsed[c]
                results = [parse_tick("" if b else v) for v, b in zip(distinct, blanks)]
                # per distinct answer, then two more: missing (shown elsewhere or not reached), unticked
                ticked = np.array([v is True for v, _ in results] + [False, False])
                missing = np.array([v is None for v, _ in results] + [True, False])
                picked = np.where(shown, codes, np.where(unticked, len(results) + 1, len(results)))
                out[c] = pd.Series(pd.arrays.BooleanArray(ticked[picked], missing[picked]), index=df.index)
                notes = [note for _, note in results]
                noted += [(int(i), k, notes[codes[i]]) for i in _noted_rows(codes, notes) if shown[i]]
            for i, k, note in sorted(noted, key=lambda x: x[:2]):
                c = cols[k]
                codes, distinct, _ = parsed[c]
                _report(problems, note, files[i], rownums[i], c, distinct[codes[i]], headers)
            continue
        c = q.code
        codes, distinct = _distinct(df[c] if c in df.columns else None, n)
        results = _parse_distinct(q, distinct)
        notes = [note for _, note in results]
        for i in _noted_rows(codes, notes):
            _report(problems, notes[codes[i]], files[i], rownums[i], c, distinct[codes[i]], headers)
        typed = [t for t, _ in results]
        if q.type in ("number", "percentage"):
            value = np.array([float("nan") if x is None else x for x in typed], dtype="float64")
            out[c] = pd.Series(value[codes], index=df.index, dtype="float64")
        elif q.type == "date":
            value = np.array(typed + [None], dtype=object)[:-1]
            out[c] = pd.to_datetime(pd.Series(value[codes], index=df.index, dtype="object")).astype("datetime64[ns]")
        elif all(t is None or type(t) is str for t in typed):
            # text answers spread in Arrow: one string per distinct answer, not an object per row
            # turned into Arrow text again (0.3 s of a 100,000-row wave's typing)
            out[c] = pd.Series(pd.array(pa.array(typed, pa.large_string()).take(codes), dtype="str"), index=df.index)
        else:
            value = np.array(typed + [None], dtype=object)[:-1]
            out[c] = pd.Series(value[codes], index=df.index, dtype="str")
    return out


def _fmt(x):
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def _report_blank_submissions(df: pd.DataFrame, typed: dict[str, pd.Series], problems: list) -> None:
    """A submission with no answer at all would score as if it had answered every criterion
    "no" (criteria where a missing answer scores 0) and could replace a real snapshot with zeros:
    it blocks, naming the row. (An unticked box is not an answer.)"""
    if not len(df) or not typed:
        return
    answered = pd.DataFrame({c: (s.fillna(False).astype(bool) if s.dtype == "boolean" else s.notna())
                             for c, s in typed.items()}, index=df.index).any(axis=1)
    for idx in answered.index[~answered.to_numpy()]:
        row = df.loc[idx]
        problems.append(Problem(str(row["source_file"]), int(row["source_row"]), "JLS", row.get("respondent_name"),
                                "no answers: every question of the wave is blank; a submission without answers "
                                "cannot be scored", kind="value"))


def clean_responses(raw_frame: pd.DataFrame, questionnaire, registry_df: pd.DataFrame, wave, matcher=None,
                    headers: dict | None = None) -> CleanResult:
    """headers: export column -> header text as written (RawExport.headers), to show beside the
    question code in problems."""
    wave = str(wave)
    problems: list[Problem] = []
    headers = dict(headers or {})
    matcher = matcher or _make_matcher(registry_df)
    # No copy of the answer columns unless rows go: copy-on-write keeps raw_frame as given, and a
    # copy of 130 columns x 100,000 rows is 0.2-0.4 s each time (three times here before).
    df = raw_frame.copy(deep=False)
    df["unit_code"] = match_units(df, registry_df, matcher, problems)
    identified = df["unit_code"].notna()
    if not identified.all():
        df = df[identified]
    df, decisions = resolve_duplicates(df, problems) if len(df) else (df, pd.DataFrame(columns=DECISION_COLUMNS))
    typed = type_answers(df, questionnaire, wave, problems, headers)
    _report_blank_submissions(df, typed, problems)
    reg = registry_df.assign(unit_code=registry_df["unit_code"].astype(str)).set_index("unit_code")
    from lei_pipeline.survey.answer_rules import check_answer_rules

    check_answer_rules(df, typed, questionnaire, wave, reg, problems, headers)
    lead = pd.DataFrame({
        "wave": pd.Series([wave] * len(df), index=df.index, dtype="str"),
        "unit_code": df["unit_code"].astype("str"),
        "unit_name": df["unit_code"].map(reg["name_latin"]).astype("str"),
        "unit_type": df["unit_code"].map(reg["unit_type"]).astype("str"),
        # the export's name within its wave folder, never a local path: published tables are the
        # same bytes from any checkout (exports sit directly in data/raw/<wave>/)
        "source_file": df["source_file"].map({f: PurePath(str(f)).name for f in df["source_file"].unique()}).astype("str"),
        "source_row": df["source_row"].astype("int64"),
        "submitted_at": df["submitted_at"].astype("datetime64[ns]"),
        "complete": df["complete"].astype("bool"),
        "last_page": (df["last_page"] if "last_page" in df.columns
                      else pd.Series(pd.NA, index=df.index)).astype("Int64"),
    })
    extras = [c for c in df.columns if c.endswith(("[other]", "[comment]"))]
    frame = pd.concat([lead, pd.DataFrame(typed, index=df.index),
                       df[extras].apply(lambda s: s.str.strip()) if extras else None], axis=1)
    frame = frame.reset_index(drop=True)
    problems.sort(key=lambda p: (p.file, p.row or 0))
    return CleanResult(frame=frame, problems=problems, decisions=decisions.reset_index(drop=True))
