"""The corpus of broken exports (GitHub issue 7), as data.

Each Case is one hostile export derived from the valid base export (base.py) by changing one
thing, plus what `lei validate` must answer: its exit code (0 passes, possibly with warnings;
1 a blocking problem; 2 unreadable or misuse) and the problem it must name - file, row, column and
the reason's words. The same cases feed the end-to-end tests (test_end_to_end.py), which replace a
published wave's export with them and run the whole pipeline."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

from .base import Export, base_export, first_column_of, questionnaire

WAVE = "2022"
SCRIPT_NAME = "<script>alert(1)</script>"


@dataclass(frozen=True)
class Expect:
    """One problem the report must contain. row/column None: the problem has none (whole file)."""
    reason: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"
    shown_column: str | None = None    # how the column reads in text output, when it differs (escaped)


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    build: Callable[[], bytes]
    exit_code: int
    expect: tuple[Expect, ...]
    wave: str = WAVE
    also: tuple[str, ...] = ()         # further fragments the text output must hold
    names_file: bool = True            # False: refused before the file is opened (a bad --wave)
    xfail: str | None = None           # a product bug this case reveals (see the report)
    args: tuple[str, ...] = ()         # further `lei validate` options (--sheet, --header-row)

    def fragments(self) -> list[str]:
        out = [self.filename] if self.names_file else []
        out += list(self.also)
        for e in self.expect:
            out.append(e.reason)
            if e.row is not None:
                out.append(f"row {e.row}")
            if e.column is not None:
                out.append(f"column {e.shown_column or e.column}")
        return out


# -- builders -------------------------------------------------------------------------------------

def _base() -> Export:
    return base_export(WAVE)


def _with(*edits: tuple[int, str, str]) -> Callable[[], bytes]:
    """Set cells (row, column, value) of the base export."""
    def build() -> bytes:
        e = _base()
        for row, col, val in edits:
            e.set(row, col, val)
        return e.csv_bytes()
    return build


def truncated_inside_quote() -> bytes:
    text = _base().csv_text()
    cut = text.rstrip("\r\n").rindex('"odgovor') + 5   # the last row's last value, inside its quotes
    return text[:cut].encode("utf-8")


def truncated_between_fields() -> bytes:
    body, last = _base().csv_text().rstrip("\r\n").rsplit("\r\n", 1)
    ten = '","'.join(last.split('","')[:10]) + '"'   # the last row cut after its tenth (closed) field
    return (body + "\r\n" + ten).encode("utf-8")


def encoded(codec: str, names: dict[int, str], text_answer: str | None = None) -> Callable[[], bytes]:
    def build() -> bytes:
        e = _base()
        for row, name in names.items():
            e.set(row, "JLS", name)
        if text_answer:
            e.set(2, first_column_of(WAVE, "text"), text_answer)
        return e.csv_text().encode(codec)
    return build


def mixed_one_row() -> bytes:
    e = _base()
    lines = e.csv_text().split("\r\n")
    lines[3] = lines[3].replace('","', '";"')          # row 4 separated by ';'
    return "\r\n".join(lines).encode("utf-8")


def mixed_every_row() -> bytes:
    e = _base()
    lines = e.csv_text().split("\r\n")
    lines[1:] = [ln.replace('","', '";"') for ln in lines[1:]]
    return "\r\n".join(lines).encode("utf-8")


def header_only() -> bytes:
    e = _base()
    e.rows = []
    return e.csv_bytes()


def duplicated_header_code() -> bytes:
    e = _base()
    e.header[-1] = "STR01"
    return e.csv_bytes()


def duplicated_question_by_text() -> bytes:
    e = _base()
    e.header[-1] = questionnaire().header_texts("sr_latn")["STR01"]
    return e.csv_bytes()


def without_column(name: str) -> Callable[[], bytes]:
    def build() -> bytes:
        e = _base()
        i = e.col(name)
        e.header.pop(i)
        for r in e.rows:
            r.pop(i)
        return e.csv_bytes()
    return build


def every_answer_blank() -> bytes:
    e = _base()
    first = e.col("JLS") + 1
    for r in e.rows:
        r[first:] = [""] * (len(r) - first)
    return e.csv_bytes()


def renamed_header(old: str, new: str) -> Callable[[], bytes]:
    def build() -> bytes:
        e = _base()
        e.header[e.col(old)] = new
        return e.csv_bytes()
    return build


def unit_named_twice(same_time: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        e = _base()
        e.set(5, "JLS", e.rows[0][e.col("JLS")])           # row 5 answers as row 2's unit
        e.set(5, "submitdate", e.rows[0][e.col("submitdate")] if same_time else f"{WAVE}-04-30 18:00:00")
        e.set(5, "STR01", "N" if e.rows[0][e.col("STR01")] == "Y" else "Y")
        return e.csv_bytes()
    return build


def multiline_then_bad_code() -> bytes:
    e = _base()
    e.set(3, first_column_of(WAVE, "text"), "prvi red\ndrugi red\r\ntreći red")
    e.set(5, "STR03", "Z9")
    return e.csv_bytes()


def other_wave_column() -> bytes:
    e = _base()
    e.header.append("STR02")                             # asked from 2024 on
    for r in e.rows:
        r.append("tekst")
    return e.csv_bytes()


def xlsx_bytes(e: Export, formula: tuple[int, str, str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Odgovori")
    ws.append(e.header)
    for n, r in enumerate(e.rows, start=2):
        cells = []
        for i, v in enumerate(r):
            c = WriteOnlyCell(ws, value=v if v != "" else None)
            if formula and formula[0] == n and e.header[i] == formula[1]:
                c = WriteOnlyCell(ws, value=formula[2])        # data_type 'f'
            elif isinstance(c.value, str):
                c.data_type = "s"
            cells.append(c)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def column_letter(pos: int) -> str:
    n, s = pos + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx_with_formula() -> bytes:
    return xlsx_bytes(_base(), formula=(3, "STR04", "=1+1"))


def _formula_cell() -> str:
    return f"{column_letter(_base().col('STR04'))}3"


def xlsx_truncated() -> bytes:
    data = xlsx_bytes(_base())
    return data[: len(data) // 2]


# -- the corpus -----------------------------------------------------------------------------------

def _cases() -> list[Case]:
    text_col = first_column_of(WAVE, "text")
    tick_col = first_column_of(WAVE, "multiple_choice")
    last_row = 1 + len(_base().rows)
    n_cols = len(_base().header)
    return [
        # unreadable files: exit 2, the message names the file and what the bytes are
        Case("empty_file", "empty.csv", lambda: b"", 2, (Expect("empty file"),)),
        Case("header_only", "header-only.csv", header_only, 2,
             (Expect("no responses: the file has a header row but no data rows"),)),
        Case("utf16", "utf16.csv", lambda: _base().csv_text().encode("utf-16"), 2,
             (Expect("not UTF-8: the file is UTF-16"),)),
        Case("cp1250_latin", "latin2.csv", encoded("cp1250", {3: "Čačak", 4: "Šabac"}), 2,
             (Expect("not UTF-8: byte 0xC8 on line 3"),), also=("windows-1250",)),
        Case("cp1251_cyrillic", "cyrillic.csv",
             encoded("cp1251", {2: "Чачак", 3: "Нови Бечеј", 4: "Чока", 5: "Панчево", 6: "Бачка Паланка"},
                     "Општинска управа нема сајт"), 2,
             (Expect("not UTF-8: byte 0xD7 on line 2"),), also=("save it again as 'CSV UTF-8",)),
        Case("binary", "binary.csv", lambda: bytes(range(256)) * 8, 2,
             (Expect("not a table: binary content"),)),
        Case("not_a_table", "letter.txt", lambda: "Poštovani\nšaljemo upitnik.\n".encode(), 2,
             (Expect("not a table: no ',', ';' or tab separator in the header row"),)),
        Case("letter_with_a_comma", "letter.csv", lambda: "Poštovani,\nšaljemo upitnik.\n".encode(), 2,
             (Expect("no JLS column (respondent name): this is not an LEI export", row=1, column="JLS"),)),
        Case("mixed_delimiters_every_row", "mixed-all.csv", mixed_every_row, 2,
             (Expect("mixed delimiters: the header is separated by ',' but every row by another separator"),)),
        Case("duplicated_header", "dup-header.csv", duplicated_header_code, 2,
             (Expect(f"duplicated header 'STR01' in column 6 and column {n_cols}", row=1, column="STR01"),)),
        Case("duplicated_question_by_text", "dup-question.csv", duplicated_question_by_text, 2,
             (Expect(f"(column {n_cols}) are the same question STR01", row=1, column="STR01"),)),
        Case("missing_jls_column", "no-jls.csv", without_column("JLS"), 2,
             (Expect("no JLS column (respondent name): this is not an LEI export", row=1, column="JLS"),)),
        Case("xlsx_truncated", "cut.xlsx", xlsx_truncated, 2,
             (Expect("not a readable XLSX workbook"),)),
        Case("legacy_xls", "old.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, 2,
             (Expect("legacy .xls or password-protected Excel file"),)),

        Case("wave_dotdot", "lei.csv", lambda: _base().csv_bytes(), 2,
             (), wave="../x", also=("invalid wave name '../x'",), names_file=False),

        # a row or value the pipeline must not use: exit 1, file + row (+ column) named
        Case("truncated_inside_quote", "cut-quote.csv", truncated_inside_quote, 1,
             (Expect("ends inside a quoted value at the end of the file (unterminated quote: truncated file?)",
                     row=last_row),)),
        Case("truncated_between_fields", "cut-fields.csv", truncated_between_fields, 1,
             (Expect(f"row {last_row} has 10 fields, header has {n_cols} (truncated?); row not used",
                     row=last_row),)),
        Case("mixed_delimiters_one_row", "mixed-row.csv", mixed_one_row, 1,
             (Expect("is separated by ';' but the header by ',' (mixed delimiters); row not used", row=4),)),
        Case("answer_outside_options", "bad-code.csv", _with((3, "STR03", "A9")), 1,
             (Expect("unknown answer code: allowed codes are A1, A2, A3, A4", row=3, column="STR03"),)),
        Case("yes_no_outside_options", "bad-yes-no.csv", _with((5, "STR01", "Možda")), 1,
             (Expect("not a yes/no answer", row=5, column="STR01"),)),
        Case("tick_outside_options", "bad-tick.csv", _with((4, tick_col, "svakako")), 1,
             (Expect("not a tick", row=4, column=tick_col),)),
        Case("unknown_header", "unknown-header.csv", renamed_header("SRV01", "SRV_01"), 1,
             (Expect(f"unknown question header in column {_base().col('SRV01') + 1}: not a question of wave 2022",
                     row=1, column="SRV_01"),
              Expect("missing from the export", column="SRV01", severity="warning")),
             also=("did you mean SRV01",)),
        Case("script_injection_name", "inject.csv", _with((4, "JLS", SCRIPT_NAME)), 1,
             (Expect("no local government matches", row=4, column="JLS"),)),
        Case("blank_name", "blank-name.csv", _with((6, "JLS", "")), 1,
             (Expect("no respondent name (JLS is empty)", row=6, column="JLS"),)),
        Case("xlsx_formula", "formula.xlsx", xlsx_with_formula, 1,
             (Expect(f"cell {_formula_cell()} holds a formula: formulas are not evaluated", row=3, column="STR04"),)),
        Case("multiline_value_row_numbers", "multiline.csv", multiline_then_bad_code, 1,
             (Expect("unknown answer code", row=5, column="STR03"),)),

        Case("every_answer_blank", "blank-answers.csv", every_answer_blank, 1,
             (Expect("no answers: every question of the wave is blank", row=2, column="JLS", severity="error"),)),
        # values set aside or read with a warning: exit 0, the warning names row and column
        Case("number_out_of_range", "range.csv", _with((2, "ICT03", "150"), (3, "STR06", "-5")), 0,
             (Expect("out of range 0..100: value set missing (quarantined)", row=2, column="ICT03", severity="warning"),
              Expect("out of range 0..50: value set missing (quarantined)", row=3, column="STR06", severity="warning"))),
        Case("thousands_separators", "thousands.csv",
             _with((2, "STR04", "1.234.567"), (3, "STR04", "1,234,567"), (4, "STR04", "1 234 567"),
                   (5, "STR04", "1.234.567,50"), (6, "STR04", "1,234")), 1,
             (Expect("ambiguous number: ',' may separate thousands (1234) or mark decimals (1.234)",
                     row=6, column="STR04"),)),
        Case("number_with_words", "words.csv", _with((2, "HR01", "12 zaposlenih"), (3, "HR02", "mnogo")), 0,
             (Expect("text after the number ignored", row=2, column="HR01", severity="warning"),
              Expect("not a number: value set missing", row=3, column="HR02", severity="warning"))),
        Case("dates_three_formats", "dates.csv",
             _with((2, "REG07", "2022-03-15"), (3, "REG07", "15.03.2022."), (4, "REG07", "15/03/2022"),
                   (5, "REG07", "03/04/2022"), (6, "REG07", "31.02.2022")), 0,
             (Expect("ambiguous date: read day first as 03.04.2022", row=5, column="REG07", severity="warning"),
              Expect("not a valid calendar date: value set missing", row=6, column="REG07", severity="warning"))),
        Case("unit_named_twice", "twice.csv", unit_named_twice(same_time=False), 0,
             (Expect("row 5 kept (later submit date); this row dropped", row=2, column="JLS", severity="warning"),)),
        Case("unit_named_twice_same_time", "twice-same.csv", unit_named_twice(same_time=True), 0,
             (Expect("row 5 kept (later row in the export (submit times do not decide)); this row dropped",
                     row=2, column="JLS", severity="warning"),)),
        Case("other_wave_column", "other-wave.csv", other_wave_column, 0,
             (Expect("question not asked in wave 2022: column ignored", row=1, column="STR02", severity="warning"),)),
        Case("wave_not_in_questionnaire", "lei.csv", lambda: _base().csv_bytes(), 0,
             (Expect("wave 2031 is not declared in questionnaire", severity="warning"),
              Expect("question not asked in wave 2031: column ignored", row=1, column="REG06", severity="warning")),
             wave="2031", also=("read with the questions of wave 2025",)),
        Case("multiline_text_kept", "multiline-ok.csv", _with((3, text_col, "a\nb")), 0, ()),
    ]


from .cases_real_life import real_life_cases  # noqa: E402  (they build on the definitions above)

CASES: list[Case] = _cases() + real_life_cases()
BY_ID: dict[str, Case] = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
