"""The workbook's data rows are written as XML by lei_pipeline.report.workbook._rows_xml instead of
cell by cell through openpyxl: the bytes must be openpyxl's own, for a published snapshot and for
values chosen to be awkward. openpyxl's writer is the reference (the workbook forced onto it)."""
from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from lei_pipeline.report import workbook
from lei_pipeline.report.snapshot import load_snapshot


def _through_openpyxl(monkeypatch):
    monkeypatch.setattr(workbook, "_rows_xml", lambda *args: None)


def test_a_snapshots_workbook_is_openpyxls_byte_for_byte(snapshot_2024, monkeypatch):
    data = load_snapshot(snapshot_2024)
    ours = workbook.build_workbook(data)
    _through_openpyxl(monkeypatch)
    assert ours == workbook.build_workbook(data)


AWKWARD = pd.DataFrame({
    "unit_code": ["70017", "", "  ", " lead", "trail ", "a&b<c>d\"'", "=SUM(A1)", "#N/A", "Šabac Ниш", "a\nb"],
    "lei": [0.1, 1e-20, -0.0, 123456789.123456789, 1.5, None, 100.0, 2.0 / 3.0, 55.55, 7.0],
    "rank": pd.array([1, 2, None, 4, 5, 6, 7, 8, 9, 2 ** 60], dtype="Int64"),
    "eligible": [True, False, None, True, True, False, True, True, False, True],
    "coverage": [0.5, 0.125, 1.0, 0.0, None, 0.333333, 1.0, 0.9, 0.1, 0.2],
    "note": ["x" * 40000, None, "ok", "  spaced  ", "tab\there", "<b>", "&amp;", "1", "0", "-"],
    "mixed": [1, "one", 2.5, None, True, "2", 3, "x", 0, -1],
})


def _book(frames: dict[str, pd.DataFrame]) -> bytes:
    wb = Workbook(write_only=True)
    body: dict[str, str] = {}
    for name, df in frames.items():
        workbook._sheet(wb, name, df, body)
    return workbook._saved(wb, body, "2026-01-01T00:00:00Z")


def test_awkward_values_are_written_as_openpyxl_writes_them(monkeypatch):
    frames = {"one": AWKWARD, "two": AWKWARD.iloc[::-1].reset_index(drop=True), "empty": AWKWARD.iloc[:0]}
    body: dict[str, str] = {}
    wb = Workbook(write_only=True)
    workbook._sheet(wb, "one", AWKWARD, body)
    wb.save(io.BytesIO())     # a write-only sheet left unsaved complains when collected
    assert body["one"].startswith('<row r="2">')      # these rows are ours, not openpyxl's
    ours = _book(frames)
    _through_openpyxl(monkeypatch)
    reference = _book(frames)
    assert ours == reference
    # and what a reader sees, from openpyxl's reader: text stays text, numbers numbers
    sheet = load_workbook(io.BytesIO(ours))["one"]
    assert [c.value for c in sheet[2]][:4] == ["70017", 0.1, 1, True]
    assert sheet["A8"].value == "'=SUM(A1)" and sheet["A8"].data_type == "s"
    assert sheet["A7"].value == "a&b<c>d\"'" and sheet["F5"].value == "  spaced  "
    assert len(sheet["F2"].value) == 32767


def test_a_sheet_with_dates_goes_through_openpyxl(monkeypatch):
    dated = pd.DataFrame({"unit_code": ["1", "2"], "at": [datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 2)]})
    wb = Workbook(write_only=True)
    body: dict[str, str] = {}
    workbook._sheet(wb, "dated", dated, body)
    wb.save(io.BytesIO())
    assert "dated" not in body          # openpyxl writes it (its date formats registered as it does)
    ours = _book({"one": AWKWARD, "dated": dated})
    _through_openpyxl(monkeypatch)
    assert ours == _book({"one": AWKWARD, "dated": dated})


@pytest.mark.parametrize("bad", ["bell\x07", "nul\x00", "esc\x1b"])
def test_text_openpyxl_refuses_is_left_to_openpyxl(bad):
    # openpyxl raises IllegalCharacterError for such text: the rows go its way, so it still does
    ws = Workbook(write_only=True).create_sheet("one")
    assert workbook._rows_xml(ws, [["ok", 1.0], [bad, 2.0]], [None, "0.0"]) is None
    assert workbook._rows_xml(ws, [["ok", 1.0], ["fine\ttab", 2.0]], [None, "0.0"]) is not None
