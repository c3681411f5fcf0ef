"""XLSX export -> header + rows. Opened read-only with formulas left as text: a formula in an
answer cell is never evaluated (it may be an injection, or a stale cached value), it is
reported and the value is not used."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from lei_pipeline.problems import WARNING, ExportError, Problem

from ._decode import OLE_MAGIC, ZIP_MAGIC, file_error, read_bytes
from .headers import identity_aliases, norm
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


# Limits checked before a cell is parsed: a 2 MB workbook may inflate to gigabytes (a zip bomb).
MAX_UNCOMPRESSED = 400 * 1024 * 1024   # bytes of XML inside the archive
MAX_CELLS = 20_000_000                 # cells read from the data sheet
HEADER_SEARCH_ROWS = 30                # title rows and group headers above the header row


def _check_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(max(i.file_size, 0) for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise file_error(path, f"not a readable XLSX workbook (damaged or truncated ZIP): {e}") from None
    if total > MAX_UNCOMPRESSED:
        raise file_error(path, f"too large: the workbook unpacks to {total // (1024 * 1024)} MB, more than the "
                               f"{MAX_UNCOMPRESSED // (1024 * 1024)} MB limit (a damaged or hostile file?); "
                               "export the responses as CSV instead")


def _row_values(row, r, formulas) -> list:
    values = []
    for pos, cell in enumerate(row):
        v = getattr(cell, "value", None)
        if getattr(cell, "data_type", None) == "f":
            formulas.append((r, pos, str(v)))
            values.append(None)
            continue
        values.append(cell_text(v, getattr(cell, "number_format", None)))
    return values


def _is_identity(value, identity_keys) -> bool:
    return isinstance(value, str) and norm(value) in identity_keys


def _top_rows(ws, n: int) -> list[tuple[int, list]]:
    out = []
    for r, row in enumerate(ws.iter_rows(max_row=n), start=1):
        out.append((r, [getattr(c, "value", None) for c in row]))
    return out


def _header_row_in(top, identity_keys) -> int | None:
    for r, values in top:
        if any(_is_identity(v, identity_keys) for v in values):
            return r
    return None


def _choose_sheet(path, wb, sheet, identity_keys) -> tuple[object, list[Problem], dict]:
    """The sheet to read, notes about the others, and the header rows found while choosing
    (sheet title -> row or None), so the chosen sheet's top rows are not parsed twice. Named:
    that sheet (a hidden one with a warning). Default: the one visible sheet whose top rows hold
    the respondent-name header; a hidden sheet is never read unless named."""
    notes: list[Problem] = []
    found: dict = {}
    sheets = list(wb.worksheets)
    state = {ws.title: getattr(ws, "sheet_state", "visible") or "visible" for ws in sheets}
    listing = ", ".join(f"{ws.title!r}" + ("" if state[ws.title] == "visible" else f" ({state[ws.title]})")
                        for ws in sheets)
    if sheet is not None:
        name = str(sheet)
        ws = next((w for w in sheets if w.title == name), None) or \
            next((w for w in sheets if w.title.casefold() == name.strip().casefold()), None)
        if ws is None and name.strip().isdigit() and 1 <= int(name) <= len(sheets):
            ws = sheets[int(name) - 1]
        if ws is None:
            raise file_error(path, f"no sheet {name!r} in the workbook (sheets: {listing})")
        if state[ws.title] != "visible":
            notes.append(Problem(str(path), None, None, None, severity=WARNING, kind="file",
                                 reason=f"sheet {ws.title!r} is {state[ws.title]} in the workbook: read because "
                                        "--sheet named it"))
        return ws, notes, found
    visible = [w for w in sheets if state[w.title] == "visible"]
    hidden = [w for w in sheets if state[w.title] != "visible"]
    for w in visible:
        w.reset_dimensions()  # some writers record a wrong sheet size: look at what is really there
        found[w.title] = _header_row_in(_top_rows(w, HEADER_SEARCH_ROWS), identity_keys)
    with_data = [w for w in visible if found[w.title]]
    if len(with_data) > 1:
        names = ", ".join(repr(w.title) for w in with_data)
        raise file_error(path, f"several sheets look like the export ({names}): choose one with --sheet")
    if with_data:
        chosen = with_data[0]
    else:
        for w in hidden:
            w.reset_dimensions()
        hidden_data = [w for w in hidden if _header_row_in(_top_rows(w, HEADER_SEARCH_ROWS), identity_keys)]
        if hidden_data:
            raise file_error(path, f"the responses are on the hidden sheet {hidden_data[0].title!r}, which is not "
                                   f"read without being named: unhide it or use --sheet {hidden_data[0].title!r}")
        if not visible:
            raise file_error(path, f"every sheet of the workbook is hidden ({listing}): unhide the data sheet or "
                                   "name it with --sheet")
        chosen = visible[0]
    for w in hidden:
        notes.append(Problem(str(path), None, None, None, severity=WARNING, kind="file",
                             reason=f"hidden sheet {w.title!r} not read (name it with --sheet to read it instead)"))
    return chosen, notes, found


def read_xlsx_table(path, sheet=None, header_row: int | None = None, identity_keys=frozenset()):
    """(headers, rows, formula cells, header row number, notes). rows: (sheet row number, values).
    The header row: header_row when given, else the first of the top rows holding a respondent-name
    header (identity_keys, normalised), else the first non-empty row; rows above it are skipped."""
    from openpyxl import load_workbook

    path = Path(path)
    data = read_bytes(path)
    if data.startswith(OLE_MAGIC):
        raise file_error(path, "is a legacy .xls or password-protected Excel file: save it as .xlsx without a password")
    if not data.startswith(ZIP_MAGIC):
        raise file_error(path, "not an XLSX file (it is not a ZIP archive): is it a CSV? use fmt='limesurvey' or 'excel-csv'")
    _check_archive(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise file_error(path, f"not a readable XLSX workbook (damaged or truncated ZIP): {e}") from None
    except Exception as e:  # openpyxl raises its own InvalidFileException and friends
        raise file_error(path, f"not a readable XLSX workbook: {type(e).__name__}: {e}") from None
    try:
        if not wb.worksheets:
            raise file_error(path, "the workbook has no worksheet")
        ws, notes, found = _choose_sheet(path, wb, sheet, identity_keys)
        ws.reset_dimensions()  # some writers record a wrong sheet size; read what is really there
        if header_row is None:
            header_row = found[ws.title] if ws.title in found else \
                _header_row_in(_top_rows(ws, HEADER_SEARCH_ROWS), identity_keys)
        headers = None
        rows: list[tuple[int, list]] = []
        formulas: list[tuple[int, int, str]] = []
        cells = 0
        for r, row in enumerate(ws.iter_rows(), start=1):
            cells += len(row)
            if cells > MAX_CELLS:
                raise file_error(path, f"too large: sheet {ws.title!r} has more than {MAX_CELLS:,} cells (row {r}); "
                                       "export the responses as CSV instead")
            if header_row is not None and r < header_row:
                continue
            values = _row_values(row, r, formulas)
            if headers is None:
                if header_row is not None or any(v not in (None, "") for v in values):
                    headers, header_row = values, r
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) and \
                    not any(f[0] == r for f in formulas):
                continue
            rows.append((r, values))
    except ExportError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as e:
        raise file_error(path, f"not a readable XLSX workbook (damaged sheet data): {type(e).__name__}") from None
    finally:
        wb.close()
    if headers is None:
        raise file_error(path, f"empty file: sheet {ws.title!r} has no header and no responses"
                               + (f" (no row {header_row})" if header_row else ""))
    if header_row and header_row > 1:
        notes.append(Problem(str(path), None, None, None, severity=WARNING, kind="header",
                             reason=f"sheet {ws.title!r}: headers read from row {header_row}; "
                                    f"row{'s 1-' if header_row > 2 else ' '}{header_row - 1} above them skipped "
                                    "(titles or group headers)"))
    while headers and headers[-1] in (None, ""):
        headers.pop()
    return [("" if h is None else str(h).strip()) for h in headers], rows, formulas, header_row, notes


def read_xlsx_export(path, questionnaire, wave=None, sheet=None, header_row=None) -> RawExport:
    keys = frozenset(norm(a) for a in identity_aliases().get("JLS", []))
    headers, rows, formulas, header_row, notes = read_xlsx_table(path, sheet, header_row, keys)
    raw = build_raw_export(path, "xlsx", headers, rows, list(notes), questionnaire, wave, letters=True,
                           header_row=header_row or 1)
    # a formula's column is named by its question code, with the header text beside it
    code_of = {text: code for code, text in {**{c: c for c in raw.frame.columns}, **raw.headers}.items()}
    found = []
    for r, pos, f in formulas:
        if r == header_row:
            continue
        h = headers[pos] if pos < len(headers) else ""
        code = code_of.get(h) if h else None
        found.append(Problem(file=str(path), row=r, column=code or h or column_letter(pos), value=f, kind="value",
                             header=h if code and code != h else None,
                             reason=f"cell {column_letter(pos)}{r} holds a formula: formulas are not evaluated; "
                                    f"value not used (type the answer itself)"))
    raw.problems[len(notes):len(notes)] = found
    return raw
