"""`lei wave add`, `lei run`, `lei status` and the help texts, through the real console script."""
import json
from pathlib import Path

import dagster as dg
import pytest

from lei_pipeline_tests.support.cli import lei
from lei_pipeline_tests.support.project_data import export_of


@pytest.mark.parametrize("bad", ["..", "../x", "a/b", "x y", "", "_lead", "x" * 41])
def test_wave_add_refuses_bad_names_before_touching_files(env, bad):
    data = Path(env["LEI_DATA_DIR"])
    before = sorted(p.name for p in (data / "raw").iterdir())
    r = lei(env, "wave", "add", bad, export_of(data, "2025"))
    assert r.returncode == 2 and "invalid wave name" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in (data / "raw").iterdir()) == before
    assert not (data.parent / "x").exists()


def test_wave_add_registers_partition_and_never_overwrites(env, tmp_path):
    data = Path(env["LEI_DATA_DIR"])
    export = export_of(data, "2025")
    r = lei(env, "wave", "add", "2026", export)
    assert r.returncode == 0, r.stderr
    added = data / "raw" / "2026" / export.name
    assert added.read_bytes() == export.read_bytes()
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as inst:
        assert inst.has_dynamic_partition("wave", "2026")

    other = tmp_path / "other.csv"
    other.write_bytes(export.read_bytes().replace(b"\n", b"\r\n"))
    r = lei(env, "wave", "add", "2026", other)
    assert r.returncode == 1 and "--replace" in r.stderr
    assert added.read_bytes() == export.read_bytes()
    r = lei(env, "wave", "add", "2026", other, "--replace")
    assert r.returncode == 0 and (data / "raw" / "2026" / "other.csv").exists() and not added.exists()


def test_run_with_invalid_export_fails_and_publishes_nothing(env, tmp_path):
    data = Path(env["LEI_DATA_DIR"])
    src = export_of(data, "2022")
    lines = src.read_text(encoding="utf-8").splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    cells = lines[1].split(",")
    cells[header.index("STR03")] = '"A9"'
    lines[1] = ",".join(cells)
    broken = tmp_path / "broken-2030.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lei(env, "wave", "add", "2030", broken).returncode == 0

    r = lei(env, "run", "--wave", "2030")
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in out
    assert "answers_valid" in out and "wave 2030" in out and "STR03" in out and "row 2" in out
    assert not (data / "published" / "wave=2030").exists()

    s = lei(env, "status", "--json")
    rows = {r["wave"]: r for r in json.loads(s.stdout)}
    assert rows["2030"]["latest_version"] is None and rows["2030"]["checks_failed"] >= 1
    assert rows["2030"]["export"] == "broken-2030.csv" and len(rows["2030"]["export_sha256"]) == 64


@pytest.mark.parametrize("cmd", [[], ["validate"], ["wave", "add"], ["run"], ["status"], ["compose"],
                                 ["snapshots", "list"], ["pull"], ["sample"]])
def test_every_help_shows_an_example_and_fits_80_columns(env, cmd):
    r = lei(env, *cmd, "--help")
    assert r.returncode == 0 and "Example: lei" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
