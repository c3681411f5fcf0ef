"""LimeSurvey response CSV (and Excel-style CSV, which differs only in quoting and number
format, both of which the record parser and the cleaner already handle)."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.problems import WARNING, Problem

from ._arrow_csv import ArrowRows
from .csv_table import read_csv_table
from .table import RawExport, build_raw_export


def read_limesurvey_csv(path) -> tuple[pd.DataFrame, list[Problem]]:
    """Questionnaire-free parse of any LimeSurvey CSV export (code or full headings, R data file).
    Returns one column per header (text as written; a duplicated header gets ' (2)', an empty one
    'column_<n>'), values as text: None for an unquoted empty field (LimeSurvey 6 NULL), '' for a
    quoted empty one. The index is named source_row and holds the record number (header = 1)."""
    t = read_csv_table(path)
    problems = list(t.problems)
    names: list[str] = []
    seen: dict[str, int] = {}
    for pos, h in enumerate(t.headers):
        name = h if h else f"column_{pos + 1}"
        if not h:
            problems.append(Problem(file=str(path), row=1, column=name, value=None, severity=WARNING, kind="header",
                                    reason=f"column {pos + 1} has no header: named {name}"))
        if name in seen:
            seen[name] += 1
            new = f"{name} ({seen[name]})"
            problems.append(Problem(file=str(path), row=1, column=name, value=None, severity=WARNING, kind="header",
                                    reason=f"duplicated header in column {pos + 1}: renamed {new!r}"))
            name = new
        else:
            seen[name] = 1
        names.append(name)
    if isinstance(t.rows, ArrowRows):
        frame = pd.DataFrame({pos: col.to_pylist() for pos, col in enumerate(t.rows.columns)}, dtype="object")
        frame.columns = names
        numbers = t.rows.numbers
    else:
        frame = pd.DataFrame([vals for _, vals in t.rows], columns=names, dtype="object")
        numbers = [n for n, _ in t.rows]
    frame.index = pd.Index(numbers, name="source_row", dtype="int64")
    return frame, problems


def read_csv_export(source, questionnaire, wave=None, fmt: str = "limesurvey") -> RawExport:
    """source: a path or the ExportFile format detection already read."""
    t = read_csv_table(source)
    path = t.path
    return build_raw_export(path, fmt, t.headers, t.rows, list(t.problems), questionnaire, wave, encoding=t.encoding)
