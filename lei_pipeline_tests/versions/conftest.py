from __future__ import annotations

import os

import pytest

from lei_pipeline_tests.support.project_data import copy_data_dir


@pytest.fixture
def fresh_env(tmp_path):
    """A private data dir with the sample waves and a Dagster home that does not exist yet."""
    data = copy_data_dir(tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
    env.update(LEI_DATA_DIR=str(data), DAGSTER_HOME=str(tmp_path / "fresh_home"), DAGSTER_DISABLE_TELEMETRY="1",
               GX_ANALYTICS_ENABLED="false", NO_COLOR="1", COLUMNS="200")
    return env
