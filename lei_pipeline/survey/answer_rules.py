"""Answer rules of the questionnaire that depend on who answers: where "not applicable" (NA) is
a valid answer (never on a procedure every local government is responsible for; by unit type;
a registry fact such as a minority language in official use decides, not the respondent), and
an exclusive "none of these" ticked together with another box. Each breach is an ERROR Problem
naming file, row and column: the answer cannot be read as the respondent meant it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.problems import Problem

NA_CODE = "NA"


def _registry_fact(reg: pd.DataFrame, fact: str, units: pd.Series) -> np.ndarray | None:
    if fact not in reg.columns:
        return None
    v = units.map(reg[fact])
    return (v.notna() & (v.astype(str).str.strip() != "")).to_numpy(dtype=bool)


def check_answer_rules(df: pd.DataFrame, typed: dict, questionnaire, wave, reg: pd.DataFrame,
                       problems: list, headers: dict) -> None:
    if not len(df):
        return
    units = df["unit_code"].astype(str)
    unit_types = units.map(reg["unit_type"]) if "unit_type" in reg.columns else pd.Series(None, index=df.index)
    files, rows = df["source_file"].tolist(), df["source_row"].tolist()
    for q in questionnaire.asked_in(wave):
        if q.type == "single_choice" and q.na_allowed is not None and q.code in typed:
            na = (typed[q.code] == NA_CODE).fillna(False).to_numpy(dtype=bool)
            if not na.any():
                continue
            shown = np.ones(len(df), bool)
            if q.shown_if and "registry" in q.shown_if:
                fact = _registry_fact(reg, q.shown_if["registry"], units)
                if fact is not None:
                    shown = fact      # not shown to this unit: its cell is moot, scoring says so
            allowed = np.array([q.na_allowed_for(t) for t in unit_types], dtype=bool)
            why = (q.shown_if or {}).get("registry")
            for i in np.flatnonzero(na & shown & ~allowed):
                reason = ("'not applicable' is not a valid answer here: "
                          + (f"the registry ({why}) says the question applies to this unit: a minority "
                             "language is in official use there" if why == "minority_languages" else
                             f"the registry fact {why} says the question applies to this unit"
                             if why else "every local government is responsible for this procedure"
                             if q.na_allowed == "never" else
                             f"only {', '.join(q.na_allowed.get('unit_types') or [])} may answer NA, "
                             f"this unit is a {unit_types.iloc[i]}"))
                problems.append(Problem(files[i], int(rows[i]), q.code, NA_CODE, reason=reason,
                                        header=headers.get(q.code), kind="value"))
        if q.type == "multiple_choice":
            excl = [s.code for s in getattr(q, "exclusive_subquestions", [])]
            crit = [s.code for s in getattr(q, "criteria_subquestions", [])]
            for e in excl:
                col = f"{q.code}[{e}]"
                if col not in typed:
                    continue
                none = typed[col].fillna(False).to_numpy(dtype=bool)
                other = np.zeros(len(df), bool)
                for c in crit:
                    if f"{q.code}[{c}]" in typed:
                        other |= typed[f"{q.code}[{c}]"].fillna(False).to_numpy(dtype=bool)
                for i in np.flatnonzero(none & other):
                    problems.append(Problem(files[i], int(rows[i]), col, "Y", header=headers.get(col), kind="value",
                                            reason="the exclusive 'none of these' is ticked together with another "
                                                   "option: the answer contradicts itself"))
