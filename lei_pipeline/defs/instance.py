"""The Dagster instance the CLI works against: $DAGSTER_HOME, or .dagster_home in the repo (the
same folder `make dev` uses), so a wave added or run from the terminal shows in the UI at once."""
from __future__ import annotations

import os
from pathlib import Path

from lei_pipeline.settings import REPO_ROOT

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def ensure_dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance():
    import dagster as dg

    ensure_dagster_home()
    return dg.DagsterInstance.get()
