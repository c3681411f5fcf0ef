"""A small, valid export of one wave built from the real questionnaire and registry: every
broken case in cases.py starts from it and changes one thing, so a failure points at that thing.

Kept independent of the sample generator on purpose: the hostile suite must still say something
when the generator changes."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache

from lei_pipeline.registry import load_registry
from lei_pipeline.survey.questionnaire import load_questionnaire

IDENTITY = ["id", "submitdate", "lastpage", "startlanguage", "JLS"]
N_UNITS = 6


@lru_cache(maxsize=1)
def questionnaire():
    return load_questionnaire()


@lru_cache(maxsize=1)
def respondent_names() -> tuple[str, ...]:
    reg = load_registry()
    reg = reg[reg["respondent"].fillna(False).astype(bool)]
    # names the matcher resolves exactly (no parenthesised or duplicated names)
    names = reg["name_latin"].astype(str)
    names = names[~names.duplicated(keep=False) & ~names.str.contains(r"[()\-]")]
    return tuple(names.tolist())


def _answer(q, unit: int, sub: int = 0) -> str:
    """A valid answer that varies with the unit so scores are not all equal."""
    if q.type == "yes_no":
        return ("Y", "N", "Y", "DK", "N", "Y")[unit % 6]
    if q.type == "single_choice":   # NA only where the questionnaire allows it for every unit type
        codes = [o.code for o in q.options if o.code != "NA" or getattr(q, "na_allowed", None) is None]
        return codes[unit % len(codes)]
    if q.type == "multiple_choice":   # never the exclusive "none of these" next to another box
        if getattr(q.subquestions[sub], "exclusive", False):
            return ""
        return "Y" if (unit + sub) % 2 == 0 else ""
    if q.type in ("number", "percentage"):
        lo = 0 if q.min is None else q.min
        hi = (100 if q.type == "percentage" else lo + 50) if q.max is None else min(q.max, lo + 50)
        return str(int(lo + (hi - lo) * ((unit * 7) % 11) / 10))
    if q.type == "date":
        return f"2022-{1 + unit % 12:02d}-{1 + unit:02d}"
    return f"odgovor {unit}"


@dataclass
class Export:
    """Header + rows of text cells: the shape every CSV case is written from."""
    wave: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def col(self, name: str) -> int:
        return self.header.index(name)

    def copy(self) -> "Export":
        return Export(self.wave, list(self.header), [list(r) for r in self.rows])

    def set(self, row: int, column: str, value: str) -> "Export":
        """row: spreadsheet row number (header = 1, first data row = 2)."""
        self.rows[row - 2][self.col(column)] = value
        return self

    def csv_text(self, delimiter: str = ",", eol: str = "\r\n") -> str:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator=eol)
        w.writerow(self.header)
        w.writerows(self.rows)
        return buf.getvalue()

    def csv_bytes(self, delimiter: str = ",", bom: bool = True) -> bytes:
        return (("\ufeff" if bom else "") + self.csv_text(delimiter)).encode("utf-8")


def base_export(wave: str = "2022", n_units: int = N_UNITS) -> Export:
    q = questionnaire()
    names = respondent_names()
    cols = q.export_columns(wave)
    exp = Export(wave=wave, header=IDENTITY + cols)
    by_col = {}
    for question in q.asked_in(wave):
        if question.type == "multiple_choice":
            for i, s in enumerate(question.subquestions):
                by_col[f"{question.code}[{s.code}]"] = (question, i)
        else:
            by_col[question.code] = (question, 0)
    for u in range(n_units):
        ident = [str(u + 1), f"{wave}-03-0{1 + u % 9} 10:00:00", "9", "sr", names[u * 7 % len(names)]]
        exp.rows.append(ident + [_answer(by_col[c][0], u, by_col[c][1]) for c in cols])
    return exp


def first_column_of(wave: str, qtype: str) -> str:
    """Export column of the first question of that type asked in the wave."""
    for q in questionnaire().asked_in(wave):
        if q.type == qtype:
            return f"{q.code}[{q.subquestions[0].code}]" if qtype == "multiple_choice" else q.code
    raise LookupError(qtype)
