"""`lei validate`: read one export exactly as the pipeline would (same reader, registry matching,
cleaning and pandera model) and say whether it would pass every blocking check. Writes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lei_pipeline.problems import ERROR, Problem


@dataclass
class ValidationReport:
    file: str
    wave: str
    fmt: str
    rows_read: int
    units_matched: int
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def passes(self) -> bool:
        return not self.errors

    def by_kind(self, *kinds: str) -> list[Problem]:
        return [p for p in self.problems if p.kind in kinds]

    def to_dict(self) -> dict:
        return {
            "file": self.file, "wave": self.wave, "format": self.fmt,
            "passes_blocking_checks": self.passes, "rows_read": self.rows_read,
            "units_matched": self.units_matched,
            "errors": len(self.errors), "warnings": len(self.problems) - len(self.errors),
            "unmatched_or_ambiguous": [p.to_dict() for p in self.by_kind("match") if p.severity == ERROR],
            "duplicates": self.duplicates,
            "problems": [p.to_dict() for p in self.problems],
        }


def validate_export(path: Path, inputs, wave: str | None = None, fmt: str = "auto", reading=None) -> ValidationReport:
    """ExportError propagates: the file cannot be read at all (the CLI maps it to exit code 2).
    reading: a ReadingOptions (sheet, header row) for a workbook."""
    from lei_pipeline.schemas import CleanResponses, validate_table
    from lei_pipeline.survey.clean import clean_responses
    from lei_pipeline.survey.readers import read_export

    wave = wave or path.parent.name
    raw = read_export(path, inputs.questionnaire, fmt=fmt, wave=wave, **(reading.as_kwargs() if reading else {}))
    problems = list(raw.problems)
    clean = clean_responses(raw.frame, inputs.questionnaire, inputs.registry, wave, matcher=inputs.matcher, headers=raw.headers)
    problems += list(clean.problems)
    for f in validate_table(CleanResponses, clean.frame):
        # source_row is the spreadsheet row; "row" is only the cleaned table's position.
        row = _int_or_none(f.get("source_row")) if f.get("source_row") is not None else None
        problems.append(Problem(str(path), row, f.get("column"), f.get("failure_case"),
                                f"schema check {f.get('check')}: {f.get('reason', '')}".strip(), kind="schema"))
    decisions = clean.decisions if clean.decisions is not None else pd.DataFrame()
    return ValidationReport(
        file=str(path), wave=wave, fmt=raw.fmt, rows_read=len(raw.frame),
        units_matched=int(clean.frame["unit_code"].nunique()) if "unit_code" in clean.frame else 0,
        problems=problems,
        duplicates=decisions.astype(str).to_dict("records") if len(decisions) else [],
    )


def _int_or_none(v) -> int | None:
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None
