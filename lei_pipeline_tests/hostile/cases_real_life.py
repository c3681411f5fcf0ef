"""Exports as they arrive in real life (issue 16), as more cases of the corpus: every notation
spreadsheets write for numbers, workbooks with a notes sheet first, hidden sheets, merged title
rows and Excel dates, a workbook that inflates to gigabytes, LimeSurvey participant and timing
columns, codes from another country's scheme, look-alike foreign names, dates past 2262 and
invisible characters in headers. Each case says its exact exit code and the problem it must name."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import lru_cache
from typing import Callable

from .base import Export, base_export

# cases.py imports this module to extend its corpus: what we need from it is imported inside the
# functions, so either module may be imported first.
WAVE = "2022"

NOTES_SHEET = "Napomene"
DATA_SHEET = "Odgovori"
TITLE = "LEI 2022: odgovori jedinica lokalne samouprave"
PERSONAL = {"token": "tok3n-xyz", "firstname": "Milica", "lastname": "Petrović",
            "email": "milica.petrovic@example.org", "attribute_1": "sekretar"}
TIMING = {"interviewtime": "812.5", "groupTime12": "90.1", "STR01Time": "4.2"}


def _base() -> Export:
    return base_export(WAVE)


def _csv(edit: Callable[[Export], None]) -> Callable[[], bytes]:
    def build() -> bytes:
        e = _base()
        edit(e)
        return e.csv_bytes()
    return build


# -- numbers --------------------------------------------------------------------------------------

NUMBER_CELLS = {  # row -> (STR04 as written, value it must be read as)
    2: ("1.5E+06", 1_500_000.0), 3: ("1,5E+03", 1_500.0), 4: ("2.5e-1", 0.25), 5: ("1\u00a0234,5", 1234.5),
}
PERCENT_CELLS = {2: ("45 %", 45.0), 3: ("45,5%", 45.5)}   # ICT03 is a percentage question


def every_number_notation(e: Export) -> None:
    for row, (text, _) in NUMBER_CELLS.items():
        e.set(row, "STR04", text)
    for row, (text, _) in PERCENT_CELLS.items():
        e.set(row, "ICT03", text)
    e.set(4, "HR01", "12%")        # a percentage where a count is asked
    e.set(6, "STR04", "12.500")    # twelve and a half, or twelve thousand five hundred?


# -- workbooks ------------------------------------------------------------------------------------

def workbook(e: Export, *, notes_first: bool = True, titles: bool = True, data_hidden: bool = False,
             hidden_copy: bool = False, dates: bool = True, text_cells: dict | None = None) -> bytes:
    """A workbook as people make them: a notes sheet first, two merged title rows (a title and
    group headers) above the header row, Excel date and number cells, maybe a hidden sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    if notes_first:
        first.title = NOTES_SHEET
        first.append(["Napomena: odgovori su uneti ručno; vidi list Odgovori."])
        first.append(["Kontakt: lei@example.org"])
        ws = wb.create_sheet(DATA_SHEET)
    else:
        first.title = DATA_SHEET
        ws = first
    width = len(e.header)
    if titles:
        ws.append([TITLE] + [None] * (width - 1))
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        half = width // 2
        ws.append(["Identifikacija"] + [None] * 4 + ["Ključni faktori"] + [None] * (half - 6)
                  + ["Elektronske usluge"] + [None] * (width - half - 1))
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
        ws.merge_cells(start_row=2, start_column=6, end_row=2, end_column=half)
        ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    ws.append(e.header)
    for n, r in enumerate(e.rows, start=2):
        values = []
        for col, v in zip(e.header, r):
            if (text_cells or {}).get((n, col)) is not None:
                v = text_cells[(n, col)]
            elif dates and col == "REG07":
                v = dt.datetime.fromisoformat(v)                 # an Excel date cell
            elif col == "STR04" and n == 2:
                v = 1.5e6                                         # a number cell Excel shows as 1.5E+06
            elif v == "":
                v = None
            values.append(v)
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd.mm.yyyy"
    if data_hidden:
        ws.sheet_state = "hidden"
    if hidden_copy:
        old = wb.create_sheet("Stari podaci")
        old.append(e.header)
        old.append(e.rows[0])
        old.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def notes_titles_hidden_copy() -> bytes:
    return workbook(_base(), hidden_copy=True)


def data_on_hidden_sheet() -> bytes:
    return workbook(_base(), titles=False, data_hidden=True)


def inflating_workbook() -> bytes:
    """A valid-looking XLSX whose sheet unpacks to 420 MB of XML from well under 1 MB: a zip bomb."""
    from .cases import xlsx_bytes

    base = xlsx_bytes(_base())
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(src.read("xl/worksheets/sheet1.xml")[:-len(b"</worksheet>")])
            chunk = b"<!--" + b" " * (1 << 20) + b"-->"
            for _ in range(420):
                fh.write(chunk)
            fh.write(b"</worksheet>")
    return out.getvalue()


# -- LimeSurvey participant and timing columns -----------------------------------------------------

def participant_columns(e: Export) -> None:
    extra = {**PERSONAL, **TIMING}
    e.header = e.header[:1] + list(PERSONAL) + e.header[1:] + list(TIMING)
    e.rows = [r[:1] + list(PERSONAL.values()) + r[1:] + list(TIMING.values()) for r in e.rows]
    assert len(e.header) == len(e.rows[0]) and extra


# -- identity -------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def registry_codes() -> dict[str, str]:
    from lei_pipeline.registry import load_registry

    reg = load_registry()
    return dict(zip(reg["name_latin"].astype(str), reg["unit_code"].astype(str)))


def with_codes(e: Export) -> None:
    """A JLS_CODE column beside JLS holding each unit's right code."""
    at = e.col("JLS") + 1
    e.header.insert(at, "JLS_CODE")
    for r in e.rows:
        r.insert(at, registry_codes()[r[at - 1]])


def code_of_another_scheme(e: Export) -> None:
    with_codes(e)
    e.set(3, "JLS_CODE", "ME-07")          # Danilovgrad's ISO 3166-2:ME code


def name_and_code_disagree(e: Export) -> None:
    with_codes(e)
    e.set(4, "JLS_CODE", e.rows[3][e.col("JLS_CODE")])   # row 4 carries row 5's code


def foreign_lookalike(e: Export) -> None:
    e.set(5, "JLS", "Negotino")


def _names(rows: tuple[int, ...]) -> list[str]:
    e = _base()
    return [e.rows[r - 2][e.col("JLS")] for r in rows]


# -- values pandas cannot hold --------------------------------------------------------------------

def beyond_pandas(e: Export) -> None:
    e.set(2, "submitdate", "2300-01-01 10:00:00")
    e.set(3, "REG07", "2999-12-31")
    e.set(4, "lastpage", "99999999999999999999999")


def invisible_in_headers(e: Export) -> None:
    e.header[e.col("STR01")] = "STR01\u200b"
    e.header[e.col("SRV01")] = "\ufeffSRV01"


def real_life_cases() -> list:
    from .cases import Case, Expect

    row4, row5 = _names((4, 5))
    codes = registry_codes()
    return [
        # numbers: read exactly, or refused; an ambiguous one blocks (exit 1)
        Case("numbers_every_notation", "numbers.csv", _csv(every_number_notation), 1,
             (Expect("ambiguous number: '.' may separate thousands (12500) or mark decimals (12.500)",
                     row=6, column="STR04"),
              Expect("a percentage where a number is asked: value set missing", row=4, column="HR01",
                     severity="warning"))),
        # workbooks: the visible data sheet, its header row found below merged titles
        Case("xlsx_notes_first_titles_hidden_copy", "titled.xlsx", notes_titles_hidden_copy, 0,
             (Expect(f"sheet '{DATA_SHEET}': headers read from row 3; rows 1-2 above them skipped "
                     "(titles or group headers)", severity="warning"),
              Expect("hidden sheet 'Stari podaci' not read (name it with --sheet to read it instead)",
                     severity="warning"))),
        Case("xlsx_data_on_hidden_sheet", "hidden.xlsx", data_on_hidden_sheet, 2,
             (Expect(f"the responses are on the hidden sheet '{DATA_SHEET}', which is not read without being "
                     f"named: unhide it or use --sheet '{DATA_SHEET}'"),)),
        Case("xlsx_hidden_sheet_named", "hidden-named.xlsx", data_on_hidden_sheet, 0,
             (Expect(f"sheet '{DATA_SHEET}' is hidden in the workbook: read because --sheet named it",
                     severity="warning"),), args=("--sheet", DATA_SHEET)),
        Case("xlsx_header_row_named", "titled-row.xlsx", lambda: workbook(_base(), notes_first=False), 0,
             (Expect(f"sheet '{DATA_SHEET}': headers read from row 3", severity="warning"),),
             args=("--header-row", "3")),
        Case("xlsx_zip_bomb", "bomb.xlsx", inflating_workbook, 2,
             (Expect("too large: the workbook unpacks to 420 MB, more than the 400 MB limit"),)),
        # LimeSurvey participant (personal) and timing columns: dropped with a note, never blocking
        Case("limesurvey_participant_columns", "participants.csv", _csv(participant_columns), 0,
             (Expect("participant columns 'token', 'firstname', 'lastname', 'email', 'attribute_1' dropped: "
                     "personal data (names, e-mail, access codes) is never read or published", row=1,
                     severity="warning"),
              Expect("timing columns 'interviewtime', 'groupTime12', 'STR01Time' dropped: not survey answers",
                     row=1, severity="warning"))),
        # identity: never a silent fallback, never a foreign place
        Case("identity_code_of_another_scheme", "me-code.csv", _csv(code_of_another_scheme), 1,
             (Expect("not a unit code of the registry's scheme (a 5-digit statistical code with its check digit, "
                     "or an X-... project code): the row is not matched by name instead", row=3,
                     column="JLS_CODE"),)),
        Case("identity_name_and_code_disagree", "disagree.csv", _csv(name_and_code_disagree), 1,
             (Expect(f"name and code disagree: the name is {row4} ({codes[row4]}) but JLS_CODE {codes[row5]} is "
                     f"{row5} ({codes[row5]})", row=4, column="JLS"),)),
        Case("identity_foreign_lookalike", "negotino.csv", _csv(foreign_lookalike), 1,
             (Expect("'Negotino' names a place outside Serbia: Negotino (municipality in North Macedonia MK-106)",
                     row=5, column="JLS"),)),
        # values pandas cannot hold: a warning naming file, row and column, never a pandas error
        Case("beyond_pandas_dates_and_pages", "far-future.csv", _csv(beyond_pandas), 0,
             (Expect("submit date out of range (years 1900-2200): kept as complete, time unknown", row=2,
                     column="submitdate", severity="warning"),
              Expect("date out of range (years 1900-2200): value set missing", row=3, column="REG07",
                     severity="warning"),
              Expect("last page is not a page number (0..100000): ignored", row=4, column="lastpage",
                     severity="warning"))),
        # invisible characters are shown escaped, so two look-alike headers differ on screen
        Case("invisible_characters_in_headers", "invisible.csv", _csv(invisible_in_headers), 1,
             (Expect("unknown question header in column 6", row=1, column="STR01\u200b",
                     shown_column="STR01\\u200b"),
              Expect("unknown question header", row=1, column="\ufeffSRV01", shown_column="\\ufeffSRV01"))),
    ]
