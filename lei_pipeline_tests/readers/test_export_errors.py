"""Broken exports: each gives a clear message naming the file, and the row and column where
there is one."""
from __future__ import annotations

import pytest

from lei_pipeline.errors import UsageError
from lei_pipeline.problems import ERROR, WARNING, ExportError
from lei_pipeline.survey.readers import read_export

from lei_pipeline_tests.support.lime_exports import HEADER, ROWS, lime_csv


def _err(path, q, **kw) -> str:
    with pytest.raises(ExportError) as e:
        read_export(path, q, **kw)
    msg = str(e.value)
    assert path.name in msg and e.value.problem.file == str(path)
    return msg


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_empty_file(write, mini, content):
    msg = _err(write("empty.csv", content), mini, wave="2024")
    assert "empty file" in msg


def test_header_only_is_no_responses(write, mini):
    msg = _err(write("h.csv", lime_csv(rows=[])), mini, wave="2024")
    assert "no responses" in msg


def test_binary_file(write, mini):
    msg = _err(write("b.csv", bytes(range(256)) * 4), mini, fmt="limesurvey", wave="2024")
    assert "binary" in msg


def test_utf16_file(write, mini):
    data = lime_csv(bom=False).decode("utf-8").encode("utf-16")
    msg = _err(write("u16.csv", data), mini, wave="2024")
    assert "not UTF-8" in msg and "UTF-16" in msg


def test_cp1251_cyrillic_file(write, mini):
    rows = [list(r) for r in ROWS]
    rows[0][4], rows[1][4], rows[2][4] = "Чачак", "Краљево", "Суботица"
    rows[0][-1] = "Напомена о раду општинске управе"
    data = lime_csv(rows=rows, bom=False).decode("utf-8").encode("cp1251")
    msg = _err(write("cyr.csv", data), mini, wave="2024")
    assert "not UTF-8" in msg and "windows-1251" in msg and "line 2" in msg


def test_cp1250_latin_file(write, mini):
    data = lime_csv(bom=False).decode("utf-8").replace("Čačak", "Čačak Šid Žabalj").encode("cp1250")
    msg = _err(write("lat.csv", data), mini, wave="2024")
    assert "windows-1250" in msg


def test_not_a_table(write, mini):
    msg = _err(write("notes.csv", "This is a letter about the survey\nnot a table at all\n"), mini, wave="2024")
    assert "not a table" in msg


def test_truncated_last_row_fewer_fields(write, mini):
    data = lime_csv(trailing="").decode("utf-8-sig")
    data = data[: data.rindex('"DK"') + 4]  # cut inside the last record, after a closed field
    raw = read_export(write("cut.csv", data), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.severity == ERROR]
    assert p.row == 4
    assert f"row 4 has 7 fields, header has {len(HEADER)} (truncated?)" in p.describe()
    assert "cut.csv" in p.describe()
    assert list(raw.frame["source_row"]) == [2, 3]


def test_truncated_inside_a_quote(write, mini):
    data = lime_csv(trailing="").decode("utf-8-sig")
    data = data[: data.rindex('"DK"') + 2]  # ends inside "D
    raw = read_export(write("cut.csv", data), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.severity == ERROR]
    assert p.row == 4 and "unterminated quote" in p.reason and "truncated" in p.reason


def test_row_with_wrong_field_count_in_the_middle(write, mini):
    rows = [list(r) for r in ROWS]
    rows[1] = rows[1][:-2]
    raw = read_export(write("r.csv", lime_csv(rows=rows)), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.severity == ERROR]
    assert p.row == 3 and f"row 3 has {len(HEADER) - 2} fields, header has {len(HEADER)}" in p.reason
    assert "truncated" not in p.reason


def test_duplicate_header(write, mini):
    header = HEADER + ["INF01"]
    rows = [r + ["Y"] for r in ROWS]
    msg = _err(write("dup.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    assert "duplicated header 'INF01'" in msg and "column 7" in msg and f"column {len(header)}" in msg


def test_missing_identity_column(write, mini):
    header = [h for h in HEADER if h != "JLS"]
    rows = [r[:4] + r[5:] for r in ROWS]
    msg = _err(write("nojls.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    assert "no JLS column" in msg and "found columns id, submitdate" in msg


def test_misspelled_code_header_suggests_closest(write, mini):
    header = [("INF0l" if h == "INF01" else h) for h in HEADER]
    raw = read_export(write("typo.csv", lime_csv(header=header)), mini, wave="2024")
    errs = [p for p in raw.problems if p.severity == ERROR]
    assert len(errs) == 1
    d = errs[0].describe()
    assert "typo.csv" in d and "row 1" in d and "column INF0l" in d and "column 7" in d
    assert "did you mean INF01" in d
    # and the question it should have been is then reported missing
    assert any(p.column == "INF01" and p.severity == WARNING and "missing from the export" in p.reason
               for p in raw.problems)


def test_misspelled_text_header_suggests_code(write, mini):
    texts = mini.header_texts("sr_latn")
    header = ["JLS"] + [texts[c] for c in mini.export_columns("2024")]
    header[header.index(texts["HR01"])] = "Broj zaposlenih u IT sluzbi ukupno"
    rows = [["Čačak", "Y", "A1", "Y", "", "", "12", "45", "2024-01-15", ""]]
    raw = read_export(write("t.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.severity == ERROR]
    assert p.column == "Broj zaposlenih u IT sluzbi ukupno" and "did you mean HR01" in p.reason


def test_question_missing_from_export_is_a_warning(write, mini):
    header = [h for h in HEADER if not h.startswith("SRV01")]
    rows = [r[:8] + r[11:] for r in ROWS]
    raw = read_export(write("r.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.column == "SRV01"]
    assert p.severity == WARNING and "SRV01[SQ001], SRV01[SQ002], SRV01[SQ003]" in p.reason
    assert not [p for p in raw.problems if p.severity == ERROR]


def test_mixed_delimiters(write, mini):
    good = lime_csv(rows=ROWS[:2], trailing="").decode("utf-8-sig")
    bad_row = ";".join(f'"{v}"' for v in ROWS[2])
    raw = read_export(write("mix.csv", good + bad_row + "\r\n"), mini, wave="2024")
    (p,) = [p for p in raw.problems if p.severity == ERROR]
    assert p.row == 4 and "mixed delimiters" in p.reason and "';'" in p.reason


def test_every_row_mixed_is_an_export_error(write, mini):
    header = ",".join(f'"{h}"' for h in HEADER)
    rows = "\r\n".join(";".join(f'"{v}"' for v in r) for r in ROWS)
    msg = _err(write("mix.csv", header + "\r\n" + rows + "\r\n"), mini, wave="2024")
    assert "mixed delimiters" in msg


def test_unknown_wave_and_format(write, mini):
    p = write("r.csv", lime_csv())
    # A wave the questionnaire does not declare yet is read with the latest declared wave's
    # questions, and says so.
    raw = read_export(p, mini, wave="2030")
    notes = [pr for pr in raw.problems if "wave 2030 is not declared" in pr.reason]
    assert notes and notes[0].severity == "warning" and "read with the questions of wave" in notes[0].reason
    with pytest.raises(UsageError, match="unknown export format"):
        read_export(p, mini, fmt="sav")


def test_missing_file(tmp_path, mini):
    with pytest.raises(ExportError, match="file not found"):
        read_export(tmp_path / "nope.csv", mini)
