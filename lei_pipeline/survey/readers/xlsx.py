"""XLSX export -> header + rows. Opened read-only with formulas left as text: a formula in an
answer cell is never evaluated (it may be an injection, or a stale cached value), it is
reported and the value is not used."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from lei_pipeline.problems import Problem

from ._decode import OLE_MAGIC, ZIP_MAGIC, file_error, read_bytes
from .table import RawExport, build_raw_export, column_letter


def cell_text(value, number_format: str | None = None):
    """Cell value -> the raw text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if number_format and number_format.endswith("%"):
            return format(value * 100, ".15g") + "%"  # the user typed 45%, the cell stores 0.45
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return format(value, ".15g") if isinstance(value, float) else str(value)
    return str(value)


def read_xlsx_table(path):
    """(headers, rows, formula cells, header row number). rows: (sheet row number, values)."""
    from openpyxl import load_workbook

    path = Path(path)
    data = read_bytes(path)
    if data.startswith(OLE_MAGIC):
        raise file_error(path, "is a legacy .xls or password-protected Excel file: save it as .xlsx without a password")
    if not data.startswith(ZIP_MAGIC):
        raise file_error(path, "not an XLSX file (it is not a ZIP archive): is it a CSV? use fmt='limesurvey' or 'excel-csv'")
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise file_error(path, f"not a readable XLSX workbook (damaged or truncated ZIP): {e}") from None
    except Exception as e:  # openpyxl raises its own InvalidFileException and friends
        raise file_error(path, f"not a readable XLSX workbook: {type(e).__name__}: {e}") from None
    try:
        if not wb.worksheets:
            raise file_error(path, "the workbook has no worksheet")
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some writers record a wrong sheet size; read what is really there
        headers = None
        header_row = None
        rows: list[tuple[int, list]] = []
        formulas: list[tuple[int, int, str]] = []
        for r, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for pos, cell in enumerate(row):
                v = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    formulas.append((r, pos, str(v)))
                    values.append(None)
                    continue
                values.append(cell_text(v, getattr(cell, "number_format", None)))
            if headers is None:
                if any(v not in (None, "") for v in values):
                    headers, header_row = values, r
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) and \
                    not any(f[0] == r for f in formulas):
                continue
            rows.append((r, values))
    finally:
        wb.close()
    if headers is None:
        raise file_error(path, "empty file: the first worksheet has no header and no responses")
    while headers and headers[-1] in (None, ""):
        headers.pop()
    return [("" if h is None else str(h).strip()) for h in headers], rows, formulas, header_row


def read_xlsx_export(path, questionnaire, wave=None) -> RawExport:
    headers, rows, formulas, header_row = read_xlsx_table(path)
    problems: list[Problem] = []
    for r, pos, f in formulas:
        if r == header_row:
            continue
        h = headers[pos] if pos < len(headers) else ""
        problems.append(Problem(file=str(path), row=r, column=h or column_letter(pos), value=f, kind="value",
                                reason=f"cell {column_letter(pos)}{r} holds a formula: formulas are not evaluated; "
                                       f"value not used (type the answer itself)"))
    raw = build_raw_export(path, "xlsx", headers, rows, problems, questionnaire, wave, letters=True)
    # name the formula's column by its question code, keeping the header text beside it
    text_to_code = {}
    for pos, h in enumerate(headers):
        for code, text in {**{c: c for c in raw.frame.columns}, **raw.headers}.items():
            if text == h:
                text_to_code[h] = code
    fixed = []
    for p in raw.problems:
        if p.kind == "value" and "formula" in p.reason and p.column in text_to_code and text_to_code[p.column] != p.column:
            p = Problem(file=p.file, row=p.row, column=text_to_code[p.column], value=p.value, reason=p.reason,
                        severity=p.severity, header=p.column, kind=p.kind)
        fixed.append(p)
    raw.problems = fixed
    return raw
