"""Writing a published table for people: Parquet (the snapshot's own bytes), CSV or XLSX.

Text cells that a spreadsheet would read as a formula (leading =, +, -, @, tab or CR: OWASP
"CSV injection") get a leading single quote in CSV and XLSX. XLSX text cells are also written
with data_type "s" through openpyxl: DataFrame.to_excel would turn "=..." into a live formula."""
from __future__ import annotations

import math
import os
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lei_pipeline.errors import UsageError
from lei_pipeline.vocabulary import TABLE_FORMATS

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = TABLE_FORMATS


def escape_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def output_format(out: Path) -> str:
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot write {out.name}: use a .parquet, .csv or .xlsx file name")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    return fmt


def _escaped_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [escape_text(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            out[c] = col.map(lambda v: escape_text(v) if isinstance(v, str) else v)
    return out


def _xlsx_value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        # Excel has no time zones: write UTC wall time
        return (v.tz_convert("UTC").tz_localize(None) if v.tzinfo else v).to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str = "data", about: dict[str, str] | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, header=False):
        if isinstance(value, str):  # XML cannot hold control characters: written as visible \x.. escapes
            value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # after the value: never a formula
        if header:
            c.font = bold
        return c

    ws.append([cell(escape_text(str(col)), header=True) for col in df.columns])
    for row in df.itertuples(index=False, name=None):
        values = []
        for v in row:
            v = _xlsx_value(v)
            if isinstance(v, str):
                v = escape_text(v)
            elif isinstance(v, date) and not isinstance(v, datetime):
                v = datetime(v.year, v.month, v.day)
            values.append(cell(v))
        ws.append(values)
    if about:
        # Where the table came from, next to it: a reader of the workbook sees the notice
        # ("synthetic sample data, not real LEI results") without opening the manifest.
        info = wb.create_sheet("about")
        for key, value in about.items():
            info.append([cell(escape_text(str(key)), header=True), cell(escape_text(str(value)))])
    wb.save(path)


def write_frame(df: pd.DataFrame, out: Path, source_parquet: Path | None = None,
                about: dict[str, str] | None = None) -> str:
    """Write df to out (format by extension) via a temp file + rename. Returns the format used."""
    fmt = output_format(out)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        if fmt == "parquet":
            if source_parquet is not None:
                shutil.copyfile(source_parquet, tmp)
            else:
                df.to_parquet(tmp, index=False)
        elif fmt == "csv":
            # BOM: Excel otherwise reads UTF-8 (Serbian Latin and Cyrillic names) as a legacy code page
            _escaped_frame(df).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        else:
            write_xlsx(df, tmp, about=about)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return fmt
