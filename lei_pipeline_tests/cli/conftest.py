from __future__ import annotations

import os
import subprocess
import sys

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


def lei(env, *args, timeout=300):
    """The real console script, as a user runs it."""
    exe = os.path.join(os.path.dirname(sys.executable), "lei")
    return subprocess.run([exe, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)
