from __future__ import annotations

import os

import pytest

from lei_pipeline_tests.support.project_data import copy_data_dir


@pytest.fixture
def env(tmp_path):
    data = copy_data_dir(tmp_path / "data")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    e = {**os.environ, "LEI_DATA_DIR": str(data), "DAGSTER_HOME": str(home), "NO_COLOR": "1"}
    e.pop("LEI_CATALOG_URL", None)
    return e

