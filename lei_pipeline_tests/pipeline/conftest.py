from __future__ import annotations

import dagster as dg
import pytest

from lei_pipeline.defs.io_manager import FrameIOManager
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline_tests.support.project_data import copy_data_dir


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = copy_data_dir(tmp_path / "data")
    monkeypatch.setenv("LEI_DATA_DIR", str(d))
    monkeypatch.delenv("LEI_CATALOG_URL", raising=False)
    return d


@pytest.fixture
def resources(data_dir):
    return {"lei": LeiSettings(data_dir=str(data_dir)), "survey_inputs": SurveyInputs(data_dir=str(data_dir)),
            "io_manager": FrameIOManager()}


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst
