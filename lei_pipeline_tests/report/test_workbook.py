"""The workbook read back with openpyxl: sheets, frozen headers, filters, formats, inert text."""
from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from lei_pipeline.report import load_snapshot
from lei_pipeline.report.workbook import build_workbook
from lei_pipeline_tests.support.snapshots import HOSTILE_FORMULA, HOSTILE_NAME


def _header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def test_workbook_sheets_and_formats(snapshot_2024):
    wb = load_workbook(snapshot_2024 / "workbook.xlsx")
    assert wb.sheetnames[:4] == ["index", "components", "indicators", "change"]
    assert {"weights", "about", "columns"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        assert ws.column_dimensions["A"].width >= 8
    index = wb["index"]
    cols = _header(index)
    assert index.cell(row=2, column=cols["lei"]).number_format == "0.0"
    assert index.cell(row=2, column=cols["rank"]).number_format == "0"
    assert index.cell(row=2, column=cols["rank_in_type"]).number_format == "0"
    comp = wb["components"]
    assert comp.cell(row=2, column=_header(comp)["infrastructure"]).number_format == "0.0"
    ind = wb["indicators"]
    assert ind.max_column > 50 and ind.max_row == index.max_row  # wide: one row per unit
    about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
    assert about["notice"] and about["wave"] == "2024"
    assert "not available" in about["uncertainty"]
    described = [r for r in wb["columns"].iter_rows(min_row=2, values_only=True)]
    assert described and all(desc for _, _, desc in described)


def test_workbook_text_never_runs(snapshot_2024):
    raw = (snapshot_2024 / "workbook.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)   # not one formula in the file
    wb = load_workbook(io.BytesIO(raw))
    names = [c.value for c in wb["index"]["B"] if c.value and "Zla" in str(c.value)]
    assert names == ["'" + HOSTILE_NAME] or names == [HOSTILE_NAME]
    assert all(c.data_type == "s" for c in wb["index"]["B"][1:] if c.value)
    formula_names = [c for c in wb["index"]["B"] if c.value and "evil.example" in str(c.value)]
    assert [c.value for c in formula_names] == ["'" + HOSTILE_FORMULA]   # shown as text, with the quote a
    assert formula_names[0].data_type == "s"                              # spreadsheet hides
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value.startswith("=")), (ws.title, c.coordinate)


def test_workbook_bytes_are_fixed(snapshot_2024):
    data = load_snapshot(snapshot_2024)
    assert build_workbook(data) == build_workbook(data) == (snapshot_2024 / "workbook.xlsx").read_bytes()


def test_workbook_takes_published_uncertainty_and_weights_tables(snapshot_2024):
    import pandas as pd

    data = load_snapshot(snapshot_2024)
    s = data.tables["scores"]
    data.tables["uncertainty"] = pd.DataFrame({"unit_code": s["unit_code"], "rank_p05": s["rank"].astype("float64"),
                                               "rank_p95": s["rank"].astype("float64") + 4, "score_p05": s["lei"] - 1})
    data.tables["weights"] = pd.DataFrame({"indicator": ["STR01"], "weight_in_lei": [0.0123]})
    wb = load_workbook(io.BytesIO(build_workbook(data)))
    unc = wb["uncertainty"]
    cols = _header(unc)
    assert unc.cell(row=2, column=cols["rank_p95"]).number_format == "0"
    assert unc.cell(row=2, column=cols["score_p05"]).number_format == "0.0"
    weights = wb["weights"]
    assert [c.value for c in weights[1]] == ["indicator", "weight_in_lei"]   # the published table, not a recomputation
    assert weights["B2"].number_format == "0.000"
    about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
    assert "uncertainty" not in about and "weights" not in about


def test_workbook_quality_sheet_lists_duplicate_decisions(published):
    _, results = published
    import json

    folder = results["2022"].path
    decisions = json.loads((folder / "manifest.json").read_text())["duplicate_decisions"]
    assert decisions
    wb = load_workbook(folder / "workbook.xlsx")
    ws = wb["quality"]
    cols = _header(ws)
    assert list(cols)[:5] == ["unit_code", "unit_name", "kept_row", "dropped_rows", "reason"]
    got = {(r[cols["unit_code"] - 1], r[cols["kept_row"] - 1], r[cols["dropped_rows"] - 1])
           for r in ws.iter_rows(min_row=2, values_only=True)}
    assert got == {(d["unit_code"], d["kept_row"], d["dropped_rows"]) for d in decisions}
    assert ws.cell(row=2, column=cols["kept_row"]).number_format == "0"
    about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
    assert about["duplicate decisions"].startswith(f"{len(decisions)} local government")
    assert about["previous snapshot (change compared with)"] == "none recorded"
    described = {(s, c) for s, c, d in wb["columns"].iter_rows(min_row=2, values_only=True) if d}
    assert {("quality", c) for c in cols} <= described


def test_the_workbook_built_in_lei_runs_worker_has_the_bytes_built_here(snapshot_2024):
    """build_artifacts hands the workbook to the worker `lei run` starts, while it builds the
    report: the same bytes as built in one process."""
    from lei_pipeline import worker
    from lei_pipeline.report.artifacts import build_artifacts

    data = load_snapshot(snapshot_2024)
    here = build_artifacts(data)
    worker.start()
    try:
        there = build_artifacts(data)
    finally:
        worker.stop()
    assert there == here
