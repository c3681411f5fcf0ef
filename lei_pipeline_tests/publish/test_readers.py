"""Snapshots are plain hive-partitioned Parquet: pandas, DuckDB and Polars read them directly."""
from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import load, publish_snapshot
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology


@pytest.fixture
def published(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    publish_snapshot(settings, "2022", build_tables("2022", variant=0), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(m), quality=False)
    publish_snapshot(settings, "2024", build_tables("2024", variant=2), provenance(m), quality=False)
    # a publish in progress must stay invisible to the documented glob
    staging = settings.published_dir / ".staging-inprogress"
    staging.mkdir()
    build_tables("2024", variant=9)["scores"].to_parquet(staging / "scores.parquet")
    return settings


def test_duckdb_reads_hive_partitions(published):
    glob = str(published.published_dir / "wave=*" / "version=*" / "scores.parquet")
    rows = duckdb.sql(
        f"SELECT wave, version, count(*) AS n, max(rank) AS worst FROM read_parquet('{glob}', hive_partitioning=true) "
        "GROUP BY ALL ORDER BY wave, version").fetchall()
    assert [(w, v, n) for w, v, n, _ in rows] == [(2022, 1, 12), (2024, 1, 12), (2024, 2, 12)]
    latest = duckdb.sql(f"SELECT unit_code, lei FROM read_parquet('{glob}', hive_partitioning=true) "
                        "WHERE wave = 2024 AND version = 2 ORDER BY unit_code").df()
    expected = load("scores", wave="2024", settings=published)[["unit_code", "lei"]].sort_values("unit_code")
    assert latest["lei"].tolist() == expected["lei"].tolist()


def test_polars_reads_hive_partitions(published):
    glob = str(published.published_dir / "wave=*" / "version=*" / "indicators.parquet")
    df = pl.scan_parquet(glob, hive_partitioning=True).filter(pl.col("version") == 2).collect()
    # the tables carry their own wave column (str), which wins over the hive-inferred one
    assert {str(w) for w in df["wave"].to_list()} == {"2024"}
    assert set(df["version"].to_list()) == {2}
    assert df.height == len(load("indicators", wave="2024", settings=published))


def test_pandas_reads_single_snapshot_file(published):
    path = published.published_dir / "wave=2024" / "version=2" / "scores.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(path), load("scores", wave="2024", settings=published))


def test_unknown_wave_version_and_table_name_what_exists(published):
    with pytest.raises(LeiError, match=r"unknown wave '2030': known waves: 2022, 2024"):
        load("scores", wave="2030", settings=published)
    with pytest.raises(LeiError, match=r"has no version 5: versions 1, 2"):
        load("scores", wave="2024", version=5, settings=published)
    with pytest.raises(LeiError, match=r"has no table 'ranks'.*scores"):
        load("ranks", wave="2024", settings=published)
