"""Publish a data directory the way a user does: `lei run` in a child process, with its own
Dagster home, and nothing from the caller's LEI_* environment but the data directory."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def copy_repo_data(target: Path) -> Path:
    """data/ of the repository without anything published, catalogued or in progress."""
    shutil.copytree(REPO / "data", target, ignore=shutil.ignore_patterns("published", "catalog*", "work", ".*"))
    return target


def lei_run(data_dir: Path, dagster_home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEI_")}
    env.update(LEI_DATA_DIR=str(data_dir), DAGSTER_HOME=str(dagster_home), DAGSTER_DISABLE_TELEMETRY="1",
               GX_ANALYTICS_ENABLED="false")
    dagster_home.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(Path(sys.executable).with_name("lei")), "run", *args], capture_output=True,
                          text=True, env=env, cwd=REPO)
