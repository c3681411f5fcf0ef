"""What an analyst uses: load_all, load with an int wave, `lei sql` views over the latest version
of every wave, the README's DuckDB/Polars queries, `lei snapshots list` with real and synthetic
waves side by side."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from lei_pipeline.publish import load, load_all, publish_snapshot
from lei_pipeline.publish.sql import query
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology

LEI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lei"
N = 12  # units in the sample tables


@pytest.fixture
def published(tmp_path):
    """2022 once; 2024 twice (two versions with other values); 2025 a real wave (no notice)."""
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    publish_snapshot(settings, "2022", build_tables("2022", variant=0), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=2), provenance(m), quality=False)
    publish_snapshot(settings, "2025", build_tables("2025", variant=3, n=10), provenance(m, synthetic=False),
                     quality=False)
    return settings


def lei(settings, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEI_CATALOG_URL"}
    env["LEI_DATA_DIR"] = str(settings.data_dir)
    return subprocess.run([str(LEI), *args], capture_output=True, text=True, env=env, timeout=120,
                          cwd=settings.data_dir.parent)


def test_load_all_takes_the_latest_version_of_every_wave(published):
    scores = load_all("scores", settings=published)
    counts = scores.groupby(["wave", "version"]).size().to_dict()
    assert counts == {("2022", 1): N, ("2024", 2): N, ("2025", 1): 10}
    assert not scores.duplicated(["wave", "unit_code"]).any()
    latest_2024 = scores[scores["wave"] == "2024"].reset_index(drop=True)
    assert latest_2024["lei"].tolist() == build_tables("2024", variant=2)["scores"]["lei"].tolist()
    every = load_all("scores", settings=published, all_versions=True)
    assert len(every) == 3 * N + 10


def test_load_accepts_an_int_wave(published):
    assert load("scores", wave=2024, settings=published).equals(load("scores", wave="2024", settings=published))


def test_sql_latest_views_count_each_unit_once_per_wave(published):
    per_wave = query(published, "SELECT wave, version, count(*) AS n, count(DISTINCT unit_code) AS units "
                                "FROM scores GROUP BY ALL ORDER BY wave")
    assert per_wave.values.tolist() == [["2022", 1, N, N], ["2024", 2, N, N], ["2025", 1, 10, 10]]
    every = query(published, "SELECT wave, version, count(*) AS n FROM scores_all_versions GROUP BY ALL "
                             "ORDER BY wave, version")
    assert every.values.tolist() == [["2022", 1, N], ["2024", 1, N], ["2024", 2, N], ["2025", 1, 10]]
    n = query(published, "SELECT count(*) AS n FROM indicators WHERE wave = '2024'")["n"].iloc[0]
    assert n == len(build_tables("2024", variant=2)["indicators"])
    r = lei(published, "sql", "SELECT wave, count(*) AS units FROM scores GROUP BY wave ORDER BY wave")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["wave", "units", "2022", str(N), "2024", str(N), "2025", "10"]
    r = lei(published, "sql", "--csv", "SELECT wave, version FROM change GROUP BY ALL ORDER BY wave")
    assert r.stdout.splitlines() == ["wave,version", "2022,1", "2024,2", "2025,1"]
    r = lei(published, "sql")
    assert r.returncode == 0 and "scores_all_versions" in r.stdout
    r = lei(published, "sql", "SELEC nonsense")
    assert r.returncode == 1 and r.stderr.startswith("lei: error: query failed") and "Traceback" not in r.stderr


def test_readme_duckdb_and_polars_snippets_count_each_unit_once(published, monkeypatch):
    """The README's queries, run from the data folder's parent as the README runs them from the repo."""
    monkeypatch.chdir(published.data_dir.parent)
    glob = "data/published/wave=*/version=*/scores.parquet"
    rows = duckdb.sql(
        f"SELECT * FROM read_parquet('{glob}', hive_partitioning=true) "
        "QUALIFY version = max(version) OVER (PARTITION BY wave)").df()
    assert rows.astype({"wave": str}).groupby("wave").size().to_dict() == {"2022": N, "2024": N, "2025": 10}
    frame = (pl.scan_parquet(glob, hive_partitioning=True)
             .filter(pl.col("version") == pl.col("version").max().over("wave")).collect())
    counts = frame.with_columns(pl.col("wave").cast(pl.String)).group_by("wave").len().sort("wave").rows()
    assert counts == [("2022", N), ("2024", N), ("2025", 10)]


def test_snapshots_list_with_real_and_synthetic_waves(published):
    r = lei(published, "snapshots", "list")
    assert r.returncode == 0, r.stderr
    waves = [line.split()[0] for line in r.stdout.splitlines() if line[:4].isdigit()]
    assert waves == ["2022", "2024", "2024", "2025"]
    assert r.stdout.count("note: synthetic sample data") == 1


def test_new_commands_have_help_with_an_example(published):
    for args in (["sql", "--help"], ["snapshots", "verify", "--help"], ["snapshots", "reindex", "--help"],
                 ["snapshots", "diff", "--help"]):
        r = lei(published, *args)
        assert r.returncode == 0 and "Example: lei " in r.stdout, (args, r.stdout)
