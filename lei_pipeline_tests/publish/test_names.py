from __future__ import annotations

import pytest

from lei_pipeline.errors import UsageError
from lei_pipeline.publish import load, publish_snapshot, validate_version, validate_wave_name
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance, write_methodology

BAD_WAVES = ["../x", "a/b", "", "x y", ".hidden", "-2024", "2024\n", "x" * 41, "wave=1", "..", "/etc"]


@pytest.mark.parametrize("wave", BAD_WAVES)
def test_bad_wave_names_refused_before_any_file_is_touched(tmp_path, wave):
    data = tmp_path / "data"
    settings = Settings.from_env(data_dir=data, catalog_url=f"sqlite:///{tmp_path / 'cat.sqlite'}")
    m = write_methodology(tmp_path)
    with pytest.raises(UsageError, match="invalid wave name"):
        publish_snapshot(settings, wave, build_tables("2024"), provenance(m))
    assert not data.exists()
    assert not (tmp_path / "cat.sqlite").exists()
    with pytest.raises(UsageError, match="invalid wave name"):
        load("scores", wave=wave, settings=settings)


@pytest.mark.parametrize("wave", ["2024", "2025-pilot", "A", "w_1", "x" * 40])
def test_good_wave_names(wave):
    assert validate_wave_name(wave) == wave


@pytest.mark.parametrize("version,expected", [(1, 1), ("3", 3), ("latest", "latest"), ("LATEST", "latest")])
def test_versions(version, expected):
    assert validate_version(version) == expected


@pytest.mark.parametrize("version", [0, -1, "0", "1.5", "v2", "", None, True, "../1"])
def test_bad_versions(version):
    with pytest.raises(UsageError, match="invalid version"):
        validate_version(version)


def test_bad_table_name_refused(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    m = write_methodology(tmp_path)
    with pytest.raises(UsageError, match="invalid table name"):
        publish_snapshot(settings, "2024", {"../scores": build_tables()["scores"]}, provenance(m))
    assert not (tmp_path / "data").exists()
