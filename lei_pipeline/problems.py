"""Problems are data: one record type for everything a reader, the matcher or the cleaner
could not use. The CLI prints them, asset checks attach them as metadata, reports count them.
This module is the one place that decides how a problem is worded."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:   # imported where a frame is made: the CLI imports this module, and `lei`
    import pandas as pd   # starts its worker before it needs pandas (cli/console.py)

ERROR = "error"      # blocks the wave: bad data must not flow on
WARNING = "warning"  # the value or row is set aside, the wave goes on


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text) -> str:
    """Text with every invisible or control character written as an escape (U+200B -> \\u200b,
    a BOM -> \\ufeff, a newline -> \\n): two headers that differ only there must look different,
    and a file name must not forge a second output line."""
    s = str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else
                       f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None          # the line number a spreadsheet shows: header = 1, first data row = 2
    column: str | None       # question code (or the column's header text when no code is known)
    value: object | None
    reason: str
    severity: str = ERROR
    header: str | None = None  # the header text as it stands in the export, when it differs from `column`
    kind: str = "value"        # value | header | file | match | duplicate | range

    def describe(self) -> str:
        where = [visible(self.file)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            col = visible(self.column)
            if self.header and self.header != self.column:
                col = f"{col} ({self.header!r})"
            where.append(f"column {col}")
        val = "" if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)) else f" value {self.value!r}:"
        return f"{', '.join(where)}:{val} {visible(self.reason)}"

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], (str, int, float, bool)):
            d["value"] = str(d["value"])
        return d


class ExportError(Exception):
    """An export that cannot be read at all (empty, not a table, unknown encoding...).
    Carries the Problem so every layer words it the same way."""

    def __init__(self, problem: Problem):
        super().__init__(problem.describe())
        self.problem = problem


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    import pandas as pd

    cols = ["file", "row", "column", "header", "value", "reason", "severity", "kind"]
    rows = [p.to_dict() for p in problems]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    df = pd.DataFrame(rows)[cols]
    df["value"] = df["value"].map(lambda v: None if v is None else str(v)).astype("object")
    return df
