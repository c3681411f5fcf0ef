"""XLSX with full-text headers (Latin, Cyrillic, English) and Excel-style ';' CSV."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from lei_pipeline.problems import ERROR, ExportError
from lei_pipeline.survey.readers import detect_format, read_export

from lei_pipeline_tests.support.lime_exports import HEADER, ROWS, lime_csv

ID_TEXT = {"sr_latn": "Naziv jedinice lokalne samouprave", "sr_cyrl": "Назив јединице локалне самоуправе",
           "en": "Local government name"}


def make_xlsx(path, q, lang="sr_latn", wave="2024", rows=None, tweak=None):
    texts = q.header_texts(lang, wave)
    cols = q.export_columns(wave)
    wb = Workbook()
    ws = wb.active
    ws.title = "LEI 2024"
    ws.append(["ID odgovora", "Datum slanja", ID_TEXT[lang], *[texts[c] for c in cols]])
    rows = rows if rows is not None else [
        [1, dt.datetime(2024, 3, 1, 10), "Čačak", "Y", "A1", "Y", None, "Y", 12, 0.45, dt.datetime(2024, 1, 15), "ok"],
        [2, dt.datetime(2024, 3, 1, 11), "Kraljevo", "N", "A2", None, None, None, 3.5, 1, 45306, None],
    ]
    for r in rows:
        ws.append(r)
    ws["J2"].number_format = "0%"  # HR02 typed as 45%
    if tweak:
        tweak(ws)
    wb.save(path)
    return path


@pytest.mark.parametrize("lang", ["sr_latn", "sr_cyrl", "en"])
def test_xlsx_full_text_headers_map_to_codes(tmp_path, mini, lang):
    p = make_xlsx(tmp_path / f"results-{lang}.xlsx", mini, lang)
    raw = read_export(p, mini, wave="2024")
    assert raw.fmt == "xlsx"
    assert [p for p in raw.problems if p.severity == ERROR] == []
    f = raw.frame
    assert list(f["source_row"]) == [2, 3]
    assert list(f["respondent_name"]) == ["Čačak", "Kraljevo"]
    assert f["HR01"].tolist() == ["12", "3.5"]
    assert f["HR02"].iloc[0] == "45%"          # percent-formatted cell keeps what was typed
    assert f["DOC01"].tolist() == ["2024-01-15", "45306"]  # date cell -> ISO, bare serial stays raw
    assert f["complete"].all()
    assert raw.headers["INF01"] == mini.header_texts(lang)["INF01"]


def test_xlsx_formula_cell_is_reported_not_evaluated(tmp_path, mini):
    def tweak(ws):
        ws["I3"] = "=SUM(1,2)"  # HR01 of the second response
    p = make_xlsx(tmp_path / "f.xlsx", mini, tweak=tweak)
    raw = read_export(p, mini, wave="2024")
    (e,) = [p for p in raw.problems if p.severity == ERROR]
    assert e.row == 3 and e.column == "HR01" and e.value == "=SUM(1,2)"
    assert "cell I3 holds a formula" in e.describe() and "f.xlsx" in e.describe()
    assert raw.frame["HR01"].isna().tolist() == [False, True]


def test_xlsx_missing_identity_and_unknown_header(tmp_path, mini):
    def tweak(ws):
        ws["C1"] = "Opština"
    with pytest.raises(ExportError, match="no JLS column"):
        read_export(make_xlsx(tmp_path / "x.xlsx", mini, tweak=tweak), mini, wave="2024")

    def tweak2(ws):
        ws["D1"] = "Da li opstina ima zvanicnu internet stranicu?"
    raw = read_export(make_xlsx(tmp_path / "y.xlsx", mini, tweak=tweak2), mini, wave="2024")
    (e,) = [p for p in raw.problems if p.severity == ERROR]
    assert "column D" in e.reason and "did you mean INF01" in e.reason


def test_xlsx_header_only_and_garbage(tmp_path, mini, write):
    with pytest.raises(ExportError, match="no responses"):
        read_export(make_xlsx(tmp_path / "h.xlsx", mini, rows=[]), mini, wave="2024")
    with pytest.raises(ExportError, match="not an XLSX file"):
        read_export(write("fake.xlsx", lime_csv()), mini, wave="2024")
    with pytest.raises(ExportError, match="not a readable XLSX"):
        read_export(write("broken.xlsx", b"PK\x03\x04" + b"\x00" * 200), mini, wave="2024")


def excel_csv(rows=ROWS, bom=True) -> bytes:
    header = [h for h in HEADER if h not in ("id", "submitdate", "lastpage", "startlanguage")]
    body = [r[4:] for r in rows]
    lines = [";".join(header)] + [";".join(r) for r in body]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_excel_csv_semicolons_decimal_commas_cyrillic_names(write, mini):
    rows = [list(r) for r in ROWS]
    rows[0][4], rows[0][11], rows[0][12] = "Чачак", "1.234,5", "45,5"
    p = write("jls-2024.csv", excel_csv(rows))
    assert detect_format(p) == "excel-csv"
    raw = read_export(p, mini, wave="2024")
    assert raw.fmt == "excel-csv"
    assert raw.frame["respondent_name"].iloc[0] == "Чачак"
    assert raw.frame["HR01"].iloc[0] == "1.234,5"
    assert [p for p in raw.problems if p.severity == ERROR] == []


def test_excel_sep_line_is_not_a_header(write, mini):
    p = write("s.csv", b"sep=;\r\n" + excel_csv(bom=False))
    raw = read_export(p, mini, wave="2024")
    assert raw.fmt == "excel-csv" and list(raw.frame["source_row"]) == [2, 3, 4]


def test_auto_detection(tmp_path, write, mini):
    assert detect_format(write("a.csv", lime_csv(delim=";"))) == "limesurvey"  # RPC export: ';' + admin columns
    assert detect_format(write("b.csv", lime_csv())) == "limesurvey"
    assert detect_format(make_xlsx(tmp_path / "c.xlsx", mini)) == "xlsx"
    renamed = tmp_path / "d.csv"
    renamed.write_bytes((tmp_path / "c.xlsx").read_bytes())
    assert detect_format(renamed) == "xlsx"


def test_semicolon_csv_whose_headers_contain_commas(write, mini):
    # 'code. text' headers (LimeSurvey codetext style) full of commas must not fool the sniffing
    texts = mini.header_texts("sr_latn", "2024")
    header = ["JLS"] + [f"{c}. {texts[c]}, ukupno, zaključno sa 2023, u %" for c in mini.export_columns("2024")]
    lines = [";".join(f'"{h}"' if ";" in h else h for h in header),
             ";".join(["Čačak", "Y", "A1", "Y", "", "", "12", "45,5", "15.01.2024", ""])]
    raw = read_export(write("commas.csv", "\r\n".join(lines) + "\r\n"), mini, wave="2024")
    assert raw.frame["HR02"].iloc[0] == "45,5" and raw.frame["INF01"].iloc[0] == "Y"


def _record_wrong_size(path, sheet_xml: str, ref: str = "A1") -> None:
    """Rewrite one sheet's recorded size (<dimension ref=...>), as some writers get it wrong."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    text, n = re.subn(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', parts[sheet_xml].decode())
    assert n == 1
    parts[sheet_xml] = text.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_xlsx_sheet_chosen_by_its_cells_not_its_recorded_size(tmp_path, mini):
    """The data sheet records a size of one cell (A1) and has two title rows above its header; a
    notes sheet comes first. The sheet is chosen, and its header row found, by what is there."""
    def tweak(ws):
        ws.insert_rows(1, 2)
        ws["A1"] = "LEI 2024: odgovori"

    p = make_xlsx(tmp_path / "sized.xlsx", mini, tweak=tweak)
    from openpyxl import load_workbook
    wb = load_workbook(p)
    notes = wb.create_sheet("Napomene", 0)
    notes["A1"] = "Izvezeno iz LimeSurvey-a"
    wb.save(p)
    _record_wrong_size(p, "xl/worksheets/sheet2.xml")   # the data sheet, second in the workbook
    raw = read_export(p, mini, wave="2024")
    assert list(raw.frame["respondent_name"]) == ["Čačak", "Kraljevo"]
    assert list(raw.frame["source_row"]) == [4, 5]
    assert any("headers read from row 3" in pr.describe() for pr in raw.problems)
