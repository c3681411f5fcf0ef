"""LimeSurvey response CSV: every quirk of the real writer, read into the contract's raw table."""
from __future__ import annotations

import pandas as pd
import pytest

from lei_pipeline.problems import ERROR, WARNING
from lei_pipeline.survey.readers import PROVENANCE, csv_table, read_export

from lei_pipeline_tests.support.lime_exports import HEADER, ROWS, lime_csv


@pytest.mark.parametrize("delim", [",", ";", "\t"])
@pytest.mark.parametrize("eol", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", [True, False])
def test_shapes_read_the_same(write, mini, delim, eol, bom):
    p = write("results-survey1.csv", lime_csv(delim=delim, eol=eol, bom=bom, trailing=eol + eol))
    raw = read_export(p, mini, wave="2024")
    assert raw.fmt == "limesurvey"
    f = raw.frame
    assert list(f.columns[: len(PROVENANCE)]) == PROVENANCE
    assert list(f["source_row"]) == [2, 3, 4]
    assert list(f["respondent_name"]) == ["Čačak", "Kraljevo", "Subotica"]
    assert list(f["INF01"]) == ["Y", "N", "DK"]
    assert f["SRV01[SQ003]"].tolist() == ["Y", "", ""]
    assert f["submitted_at"].iloc[0] == pd.Timestamp("2024-03-01 10:00:00")
    assert f["complete"].all()
    assert [p for p in raw.problems if p.severity == ERROR] == []


def test_doubled_quotes_embedded_newline_and_record_numbering(write, mini):
    rows = [list(r) for r in ROWS]
    rows[0][-1] = 'He said "hi"\nand left, twice'
    rows[1][-1] = 'plain "quoted" text'
    p = write("r.csv", lime_csv(rows=rows))
    assert b'He said ""hi""' in p.read_bytes()  # written as LimeSurvey does: doubled quotes
    f = read_export(p, mini, wave="2024").frame
    assert f["NOTE01"].iloc[0] == 'He said "hi"\nand left, twice'
    assert f["NOTE01"].iloc[1] == 'plain "quoted" text'
    # the embedded newline does not shift the next record's row number (records are counted)
    assert list(f["source_row"]) == [2, 3, 4]


def test_incomplete_response_and_placeholder_submitdate(write, mini):
    rows = [list(r) for r in ROWS]
    rows[0][1] = ""
    rows[0][2] = "1"
    rows[1][1] = "1980-01-01 00:00:00"
    f = read_export(write("r.csv", lime_csv(rows=rows)), mini, wave="2024").frame
    assert list(f["complete"]) == [False, True, True]
    assert pd.isna(f["submitted_at"].iloc[0]) and pd.isna(f["submitted_at"].iloc[1])
    assert f["last_page"].iloc[0] == 1


def test_unquoted_null_versus_quoted_empty(write, mini):
    # LimeSurvey 6 writes NULL (not shown) unquoted and "" (shown, not ticked) quoted
    text = lime_csv(rows=ROWS[:1]).decode("utf-8-sig")
    text = text.replace('"Y","","Y"', '"Y",,"Y"')
    f = read_export(write("r.csv", text), mini, wave="2024").frame
    assert pd.isna(f["SRV01[SQ002]"].iloc[0])
    assert f["SRV01[SQ003]"].iloc[0] == "Y"


def test_other_column_of_a_known_question_is_kept(write, mini):
    header = HEADER + ["INF02[other]"]
    rows = [r + ["nešto drugo"] for r in ROWS]
    raw = read_export(write("r.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    assert raw.frame["INF02[other]"].iloc[0] == "nešto drugo"
    assert not [p for p in raw.problems if p.kind == "header" and p.severity == ERROR]


def test_admin_and_timing_columns_are_not_questions(write, mini):
    header = HEADER[:4] + ["seed", "startdate", "datestamp"] + HEADER[4:] + ["interviewtime", "INF01Time"]
    rows = [r[:4] + ["123", "2024-03-01 09:00:00", "2024-03-01 10:00:00"] + r[4:] + ["61.2", "5.1"] for r in ROWS]
    raw = read_export(write("r.csv", lime_csv(header=header, rows=rows)), mini, wave="2024")
    assert [p for p in raw.problems if p.severity == ERROR] == []
    assert "seed" not in raw.frame.columns and "INF01Time" not in raw.frame.columns


def test_question_of_another_wave_is_ignored_with_warning(write, mini):
    raw = read_export(write("r.csv", lime_csv()), mini, wave="2022")
    (w,) = [p for p in raw.problems if p.column == "DOC01"]
    assert w.severity == WARNING and "not asked in wave 2022" in w.reason
    assert "DOC01" not in raw.frame.columns


def test_jls_code_column_is_read(write, mini):
    rows = [list(r) for r in ROWS]
    rows[0][5] = "71242"
    f = read_export(write("r.csv", lime_csv(rows=rows)), mini, wave="2024").frame
    assert f["respondent_code"].iloc[0] == "71242" and pd.isna(f["respondent_code"].iloc[1])


SUBMIT_CASES = [  # submitdate as typed -> (complete, time read, warning about it)
    ("2024-03-01 10:00:00", True, "2024-03-01 10:00:00", None),
    ("", False, None, None),
    ("1980-01-01 00:00:00", True, None, None),          # LimeSurvey's "complete, not date-stamped"
    (" 2024-03-02 11:30:00 ", True, "2024-03-02 11:30:00", None),
    ("01.03.2024 10:00", True, "2024-03-01 10:00:00", None),   # day first, as typed in Serbia
    ("yesterday", True, None, "is not a date-time"),
    ("1850-06-01 00:00:00", True, None, "out of range"),
    ("2024-03-03T08:15:00", True, "2024-03-03 08:15:00", None),
]


@pytest.mark.parametrize("arrow", [True, False])
def test_submit_dates_read_by_arrow_and_by_the_scanner_alike(write, mini, monkeypatch, arrow):
    """Each submitdate's reading, from the rule (blank: incomplete; the placeholder: complete, time
    unknown; ISO or day first: that time; anything else or outside 1900-2200: complete, time
    unknown, a warning naming the row), whether Arrow or the record scanner read the file."""
    if not arrow:
        monkeypatch.setattr(csv_table, "read_fast", lambda *a: None)
    rows = [list(ROWS[i % len(ROWS)]) for i in range(len(SUBMIT_CASES))]
    for r, (typed, *_ignored) in zip(rows, SUBMIT_CASES):
        r[1] = typed
    raw = read_export(write("r.csv", lime_csv(rows=rows)), mini, wave="2024")
    f = raw.frame
    assert f["complete"].tolist() == [c for _, c, _, _ in SUBMIT_CASES]
    expected = [None if t is None else pd.Timestamp(t) for _, _, t, _ in SUBMIT_CASES]
    assert [None if pd.isna(v) else v for v in f["submitted_at"]] == expected
    assert str(f["submitted_at"].dtype) == "datetime64[ns]"
    warned = {p.row: p.reason for p in raw.problems if p.column == "submitdate"}
    assert sorted(warned) == [i + 2 for i, (*_, w) in enumerate(SUBMIT_CASES) if w]
    for i, (*_, w) in enumerate(SUBMIT_CASES):
        if w:
            assert w in warned[i + 2]
