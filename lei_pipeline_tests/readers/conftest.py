from __future__ import annotations

from pathlib import Path

import pytest

from lei_pipeline.registry import load_registry
from lei_pipeline.survey.questionnaire import load_questionnaire

from lei_pipeline_tests.support.lime_exports import MINI  # noqa: F401  (the mini questionnaire)


@pytest.fixture(scope="session")
def mini():
    return load_questionnaire(MINI)


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture
def write(tmp_path):
    def _write(name: str, data: bytes | str) -> Path:
        p = tmp_path / name
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return p
    return _write
