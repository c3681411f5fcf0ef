"""A wave published by the real pipeline, made once per module and copied for each test: the
good state a broken export must not disturb."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lei_pipeline_tests.support.hostile_harness import WAVE, assert_no_traceback, lei, make_env, make_project, output



def publish_baseline(root: Path) -> None:
    data, home, env = make_project(root, waves=[WAVE])
    (root / "cwd").mkdir()
    r = lei("run", "--wave", WAVE, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    if r.returncode != 0 or not list((data / "published").glob(f"wave={WAVE}/version=*")):
        pytest.fail(f"baseline `lei run --wave {WAVE}` on the sample export did not publish "
                    f"(exit {r.returncode}):\n{output(r)[-3000:]}")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-baseline")
    publish_baseline(root)
    return root


@pytest.fixture
def published_project(baseline, tmp_path):
    """(root, data dir, env) of a private copy of the published baseline."""
    root = tmp_path / "project"
    shutil.copytree(baseline, root, symlinks=True)
    data = root / "data"
    return root, data, make_env(data, root / "dagster_home")
