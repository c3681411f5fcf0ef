from __future__ import annotations

import os

import pytest

from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import write_methodology

# GE must never phone home from tests (it would also slow them down offline).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def settings(tmp_path, catalog_url) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings.from_env(data_dir=data, catalog_url=catalog_url)


@pytest.fixture
def methodology(tmp_path):
    return write_methodology(tmp_path)
