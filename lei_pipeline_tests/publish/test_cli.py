"""The installed `lei` console script: snapshots list/show and pull (CSV/XLSX formula escaping)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lei_pipeline.publish import load, publish_snapshot
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology

REPO = Path(__file__).resolve().parents[2]
LEI = REPO / ".venv" / "bin" / "lei"
FORMULA = '=HYPERLINK("http://x","klik")'


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    settings = Settings.from_env(data_dir=root / "data", catalog_url=f"sqlite:///{root / 'data' / 'catalog.sqlite'}")
    m = write_methodology(root)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(m), quality=False)
    return root / "data"


def lei(data_dir, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEI_CATALOG_URL"}
    env["LEI_DATA_DIR"] = str(data_dir)
    return subprocess.run([str(LEI), *args], capture_output=True, text=True, env=env, timeout=120, cwd=data_dir)


def test_snapshots_list_and_show(data_dir):
    r = lei(data_dir, "snapshots", "list")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if line.startswith("2024")]
    assert len(lines) == 2 and "2*" in lines[1] and "*" not in lines[0].split()[1]
    assert "synthetic sample data" in r.stdout and lines[1].split()[4] == "12"   # units scored
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    r = lei(data_dir, "snapshots", "show", "2024", "1")
    assert r.returncode == 0, r.stderr
    assert "wave 2024 version 1" in r.stdout and "indicators" in r.stdout and "methodology 1.0.0" in r.stdout
    r = lei(data_dir, "snapshots", "show", "2024", "--json")
    assert json.loads(r.stdout)["version"] == 2


def test_help_shows_examples(data_dir):
    for args in (["snapshots", "--help"], ["snapshots", "list", "--help"], ["snapshots", "show", "--help"],
                 ["pull", "--help"]):
        r = lei(data_dir, *args)
        assert r.returncode == 0 and "Example: lei " in r.stdout, (args, r.stdout)


def test_pull_csv_escapes_formula_cells(data_dir, tmp_path):
    out = tmp_path / "responses.csv"
    r = lei(data_dir, "pull", "responses", "--wave", "2024", "--version", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    cells = [row["TRN03"] for row in rows]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row.values())
    expected = load("responses", wave="2024", version=1, settings=Settings.from_env(data_dir=data_dir))
    assert [row["unit_code"] for row in rows] == expected["unit_code"].tolist()
    assert [row["unit_name"] for row in rows] == expected["unit_name"].tolist()  # Niš, Čačak survive


def test_pull_xlsx_writes_text_not_formulas(data_dir, tmp_path):
    out = tmp_path / "responses.xlsx"
    r = lei(data_dir, "pull", "responses", "--wave", "2024", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = header.index("TRN03") + 1
    cells = [ws.cell(row=i, column=col) for i in range(2, ws.max_row + 1)]
    formula_cells = [c for c in cells if str(c.value).lstrip("'").startswith("=")]
    assert len(formula_cells) == 1
    assert formula_cells[0].data_type == "s" and formula_cells[0].value == "'" + FORMULA
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    num_col = header.index("SRV02") + 1
    expected = load("responses", wave="2024", settings=Settings.from_env(data_dir=data_dir))
    assert ws.cell(row=2, column=num_col).data_type == "n"  # numbers stay numbers
    assert ws.cell(row=2, column=num_col).value == expected["SRV02"].iloc[0]
    name_col = header.index("unit_name") + 1
    assert ws.cell(row=4, column=name_col).value == "Niš"
    about = {r[0].value: r[1].value for r in openpyxl.load_workbook(out)["about"].iter_rows()}
    assert about["notice"] == "synthetic sample data, not real LEI results" and about["version"] == "2"
    assert "synthetic sample data" in r.stdout


def test_pull_parquet_copies_snapshot_bytes(data_dir, tmp_path):
    out = tmp_path / "scores.parquet"
    r = lei(data_dir, "pull", "scores", "--wave", "2024", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == (data_dir / "published" / "wave=2024" / "version=2" / "scores.parquet").read_bytes()
    assert len(pd.read_parquet(out)) == 12


@pytest.mark.parametrize("args,code,message", [
    (["pull", "scores", "--wave", "2030", "--out", "x.csv"], 1, "unknown wave '2030': known waves: 2024"),
    (["pull", "scores", "--wave", "../x", "--out", "x.csv"], 2, "invalid wave name '../x'"),
    (["pull", "scores", "--wave", "2024", "--version", "9", "--out", "x.csv"], 1, "has no version 9: versions 1, 2"),
    (["pull", "scores", "--wave", "2024", "--out", "x.json"], 2, "use a .parquet, .csv or .xlsx"),
    (["snapshots", "show", "2030"], 1, "unknown wave '2030'"),
])
def test_errors_are_one_clear_line(data_dir, args, code, message):
    r = lei(data_dir, *args)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_list_on_empty_data_dir(tmp_path):
    r = lei(tmp_path, "snapshots", "list")
    assert r.returncode == 0 and "no snapshots published yet" in r.stdout
    assert not (tmp_path / "catalog.sqlite").exists()
