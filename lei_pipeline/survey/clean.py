"""Raw export table -> one typed row per (wave, unit): registry matching, duplicate resolution,
typing of every answer against the questionnaire. Nothing is dropped silently: each value or
row set aside becomes a Problem, each duplicate resolution a row of `decisions`.

Severity: an answer we cannot interpret as the respondent meant it (unknown code, unmatched
unit) is an error and blocks the wave; a value we can set aside without guessing (out of range,
unparseable number or date) is a warning and the value is missing (quarantined)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lei_pipeline.problems import ERROR, WARNING, Problem
from lei_pipeline.survey.readers.values import (blank, parse_choice, parse_date, parse_number, parse_tick,
                                                parse_yes_no)

LEAD = ["wave", "unit_code", "unit_name", "unit_type", "source_file", "source_row", "submitted_at", "complete"]
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


def _respondent_codes(reg: pd.DataFrame) -> set[str]:
    if "respondent" in reg.columns:
        reg = reg[reg["respondent"].fillna(False).astype(bool)]
    return set(reg["unit_code"].dropna().astype(str))


def _candidates_text(cands) -> str:
    out = []
    for c in list(cands or [])[:5]:
        if isinstance(c, dict):
            out.append(f"{c.get('name_latin') or c.get('name')} ({c.get('unit_code')})")
        elif isinstance(c, (tuple, list)):
            out.append(" ".join(str(x) for x in c[:2]))
        else:
            out.append(str(getattr(c, "unit_code", c)))
    return ", ".join(out)


def match_units(raw: pd.DataFrame, registry_df: pd.DataFrame, matcher, problems: list) -> pd.Series:
    """unit_code per raw row (None when it could not be matched: an error Problem says why)."""
    valid = _respondent_codes(registry_df)
    names = registry_df.set_index(registry_df["unit_code"].astype(str))["name_latin"].to_dict()
    cache: dict = {}

    def by_name(name):
        if name not in cache:
            cache[name] = matcher.match(name)
        return cache[name]

    out = []
    for _, r in raw.iterrows():
        file, row = r["source_file"], int(r["source_row"])
        name = None if blank(r["respondent_name"]) else str(r["respondent_name"])
        code = None if blank(r["respondent_code"]) else str(r["respondent_code"]).strip()
        unit = None
        if code is not None:
            if code in valid:
                unit = code
                if name is not None:
                    res = by_name(name)
                    if res.unit_code and res.unit_code != code:
                        problems.append(Problem(file, row, "JLS", name, severity=WARNING, kind="match",
                                                reason=f"name matches {names.get(res.unit_code)} ({res.unit_code}) but "
                                                       f"JLS_CODE {code} is {names.get(code)}: the code wins"))
                out.append(unit)
                continue
            problems.append(Problem(file, row, "JLS_CODE", code, severity=WARNING, kind="match",
                                    reason="not the code of a responding local government: matched by name instead"))
        if name is None:
            problems.append(Problem(file, row, "JLS", None, kind="match",
                                    reason="no respondent name (JLS is empty) and no valid JLS_CODE: row not used"))
            out.append(None)
            continue
        res = by_name(name)
        status = getattr(res, "status", None)
        told = getattr(res, "reason", "") or ""
        if res.unit_code and status in ("code", "exact", "alias", "fuzzy"):
            if res.unit_code not in valid:
                problems.append(Problem(file, row, "JLS", name, kind="match",
                                        reason=f"{names.get(res.unit_code)} ({res.unit_code}) is not one of the "
                                               "responding local governments; row not used"))
                out.append(None)
                continue
            if status == "fuzzy":
                score = getattr(res, "score", None)
                problems.append(Problem(file, row, "JLS", name, severity=WARNING, kind="match",
                                        reason=told or (f"matched by similarity to {names.get(res.unit_code)} "
                                                        f"({res.unit_code})" + (f", score {score:.0f}" if isinstance(
                                                            score, (int, float)) else "") + ": check it")))
            out.append(res.unit_code)
        elif status == "ambiguous":
            problems.append(Problem(file, row, "JLS", name, kind="match",
                                    reason=(told or f"ambiguous local government name: could be "
                                                    f"{_candidates_text(res.candidates)}") +
                                           "; add JLS_CODE or an alias; row not used"))
            out.append(None)
        else:
            problems.append(Problem(file, row, "JLS", name, kind="match",
                                    reason=(told or "no responding local government of the registry matches this name")
                                           + "; row not used"))
            out.append(None)
    return pd.Series(out, index=raw.index, dtype="object")


def resolve_duplicates(df: pd.DataFrame, problems: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per unit: complete beats incomplete, then the later submit date, then the later row."""
    order = df.assign(_ts=df["submitted_at"].fillna(pd.Timestamp.min)).sort_values(
        ["unit_code", "complete", "_ts", "source_row"], ascending=[True, False, False, False], kind="stable")
    decisions = []
    keep_idx = []
    for unit, grp in order.groupby("unit_code", sort=False):
        kept = grp.iloc[0]
        keep_idx.append(grp.index[0])
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
        for _, d in dropped.iterrows():
            problems.append(Problem(d["source_file"], int(d["source_row"]), "JLS", d["respondent_name"],
                                    severity=WARNING, kind="duplicate",
                                    reason=f"duplicate submission for {unit}: row {int(kept['source_row'])} kept "
                                           f"({why}); this row dropped"))
    dec = pd.DataFrame(decisions, columns=DECISION_COLUMNS)
    dec["kept_row"] = dec["kept_row"].astype("int64")
    return df.loc[sorted(keep_idx, key=lambda i: (df.at[i, "source_row"]))], dec


def _report(problems, note, r, column, value, headers):
    sev, reason = note
    problems.append(Problem(r["source_file"], int(r["source_row"]), column, value, reason=reason, severity=sev,
                            header=headers.get(column), kind="range" if "range" in reason else "value"))


def type_answers(df: pd.DataFrame, questionnaire, wave, problems: list, headers: dict) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    rows = list(df.iterrows())
    for q in questionnaire.asked_in(wave):
        if q.type == "multiple_choice":
            cols = [f"{q.code}[{s.code}]" for s in q.subquestions]
            vals = {c: [] for c in cols}
            for _, r in rows:
                raw = {c: (r[c] if c in df.columns else None) for c in cols}
                shown = any(not blank(v) for v in raw.values())
                for c in cols:
                    if not shown:
                        vals[c].append(pd.NA)
                        continue
                    v, note = parse_tick("" if blank(raw[c]) else raw[c])
                    if note:
                        _report(problems, note, r, c, raw[c], headers)
                    vals[c].append(pd.NA if v is None else v)
            for c in cols:
                out[c] = pd.Series(vals[c], index=df.index, dtype="boolean")
            continue
        c = q.code
        values = []
        for _, r in rows:
            v = r[c] if c in df.columns else None
            if blank(v):
                values.append(None)
                continue
            if q.type == "yes_no":
                typed, note = parse_yes_no(v)
            elif q.type == "single_choice":
                typed, note = parse_choice(v, q.options)
            elif q.type in ("number", "percentage"):
                typed, note = parse_number(v, percentage=q.type == "percentage")
                if typed is not None and ((q.min is not None and typed < q.min) or (q.max is not None and typed > q.max)):
                    bounds = f"{_fmt(q.min)}..{_fmt(q.max)}"
                    note = ("warning", f"out of range {bounds}: value set missing (quarantined)")
                    typed = None
            elif q.type == "date":
                typed, note = parse_date(v)
            else:
                typed, note = str(v).strip(), None
            if note:
                _report(problems, note, r, c, v, headers)
            values.append(typed)
        if q.type in ("number", "percentage"):
            out[c] = pd.Series([float("nan") if x is None else x for x in values], index=df.index, dtype="float64")
        elif q.type == "date":
            out[c] = pd.to_datetime(pd.Series(values, index=df.index, dtype="object")).astype("datetime64[ns]")
        else:
            out[c] = pd.Series(values, index=df.index, dtype="str")
    return out


def _fmt(x):
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def clean_responses(raw_frame: pd.DataFrame, questionnaire, registry_df: pd.DataFrame, wave, matcher=None) -> CleanResult:
    wave = str(wave)
    problems: list[Problem] = []
    headers = dict(raw_frame.attrs.get("headers", {}))
    matcher = matcher or _make_matcher(registry_df)
    df = raw_frame.copy()
    df["unit_code"] = match_units(df, registry_df, matcher, problems)
    df = df[df["unit_code"].notna()]
    df, decisions = resolve_duplicates(df, problems) if len(df) else (df, pd.DataFrame(columns=DECISION_COLUMNS))
    typed = type_answers(df, questionnaire, wave, problems, headers)
    reg = registry_df.assign(unit_code=registry_df["unit_code"].astype(str)).set_index("unit_code")
    lead = pd.DataFrame({
        "wave": pd.Series([wave] * len(df), index=df.index, dtype="str"),
        "unit_code": df["unit_code"].astype("str"),
        "unit_name": df["unit_code"].map(reg["name_latin"]).astype("str"),
        "unit_type": df["unit_code"].map(reg["unit_type"]).astype("str"),
        "source_file": df["source_file"].astype("str"),
        "source_row": df["source_row"].astype("int64"),
        "submitted_at": df["submitted_at"].astype("datetime64[ns]"),
        "complete": df["complete"].astype("bool"),
    })
    extras = [c for c in df.columns if c.endswith(("[other]", "[comment]"))]
    frame = pd.concat([lead, pd.DataFrame(typed, index=df.index),
                       df[extras].apply(lambda s: s.str.strip()) if extras else None], axis=1)
    frame = frame.reset_index(drop=True)
    problems.sort(key=lambda p: (p.file, p.row or 0))
    return CleanResult(frame=frame, problems=problems, decisions=decisions.reset_index(drop=True))
