"""`lei report` rebuilds byte for byte outside data/published; the Dagster preview stays text."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.cli.app import main
from lei_pipeline_tests.support.snapshots import HOSTILE_ANSWER, HOSTILE_NAME


def test_lei_report_rebuilds_the_published_bytes(published, tmp_path, monkeypatch, capsys):
    settings, _ = published
    monkeypatch.setenv("LEI_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LEI_CATALOG_URL", settings.catalog_url)
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--wave", "2024"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "reports" / "wave=2024" / "version=1"
    for name in ("report.html", "workbook.xlsx", "datapackage.json"):
        assert (folder / name).is_file()
    assert out.count("same bytes as published") == 3, out


def test_lei_report_refuses_to_write_into_published(published, monkeypatch, capsys):
    settings, results = published
    monkeypatch.setenv("LEI_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LEI_CATALOG_URL", settings.catalog_url)
    before = sorted(p.name for p in results["2024"].path.iterdir())
    assert main(["report", "--wave", "2024", "--out", str(results["2024"].path)]) == 2
    assert "immutable" in capsys.readouterr().err
    assert sorted(p.name for p in results["2024"].path.iterdir()) == before


def test_lei_report_unknown_wave_is_one_line(published, monkeypatch, capsys):
    settings, _ = published
    monkeypatch.setenv("LEI_DATA_DIR", str(settings.data_dir))
    assert main(["report", "--wave", "1999"]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1999" in err and "Traceback" not in err


def test_dagster_preview_shows_hostile_text_as_text():
    from lei_pipeline.defs.metadata import frame_metadata

    df = pd.DataFrame({"unit_name": [HOSTILE_NAME, "Niš"], "STR02": [HOSTILE_ANSWER, "a|b"]})
    md = frame_metadata(df)["preview"].value
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md and "=HYPERLINK" in md
    assert "a\\|b" in md   # a pipe in a value does not split the table's cell


def test_lei_report_says_when_bytes_differ(published, tmp_path, monkeypatch, capsys):
    import json
    import shutil

    settings, _ = published
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data)
    manifest_path = data / "published" / "wave=2024" / "version=1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["reading"]["files"]["workbook.xlsx"]["sha256"] = "0" * 64   # as if another code version built it
    manifest_path.write_text(json.dumps(manifest))
    monkeypatch.setenv("LEI_DATA_DIR", str(data))
    monkeypatch.setenv("LEI_CATALOG_URL", f"sqlite:///{data / 'catalog.sqlite'}")
    assert main(["report", "--wave", "2024", "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert out.count("same bytes as published") == 2 and "workbook.xlsx" in out and "DIFFERS" in out
