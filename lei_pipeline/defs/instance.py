"""The Dagster instance the CLI works against: $DAGSTER_HOME, or .dagster_home in the repo (the
same folder `make dev` uses), so a wave added or run from the terminal shows in the UI at once.

The instance is created and its SQLite storage migrated once, under a file lock in the home folder:
three `lei run` started at once on a fresh home would otherwise each create and stamp the same
databases, leaving "alembic_version has more than one head" for every later command.

`python -m lei_pipeline.defs.instance` writes dagster.yaml and creates the instance (`make dev`
does this first, before the webserver reads dagster.yaml; `lei run` and the other commands call
get_instance themselves)."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from lei_pipeline.settings import REPO_ROOT

WAVE_ORDER_TAG = "lei/wave-order"

# Runs taken from the queue (the sensor's, the schedule's, the UI's, backfills) execute one wave
# at a time, highest dagster/priority first (the sensor gives earlier declared waves a higher one),
# so a wave's change always reads its previous wave's fresh snapshot. `lei run` executes in-process
# and runs its waves one after the other itself.
DAGSTER_YAML = f"""telemetry:
  enabled: false
concurrency:
  runs:
    tag_concurrency_limits:
      - key: {WAVE_ORDER_TAG}
        limit: 1
"""
# What earlier versions wrote: such a file is brought up to date; any other file is the user's.
OLD_DAGSTER_YAMLS = ("telemetry:\n  enabled: false\n",)
LOCK_NAME = ".lei-instance.lock"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home")


@contextmanager
def instance_lock(home: Path):
    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_NAME, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def write_dagster_yaml(home: Path) -> None:
    cfg = home / "dagster.yaml"
    if cfg.exists() and cfg.read_text() not in OLD_DAGSTER_YAMLS:
        return
    tmp = home / ".dagster.yaml.tmp"
    tmp.write_text(DAGSTER_YAML)
    os.replace(tmp, cfg)


STOCK_SQLITE = ("dagster._core.storage.sqlite_storage", "DagsterSqliteStorage")
OPEN_SQLITE = ("lei_pipeline.defs.sqlite_storage", "OpenSqliteStorage")


def with_open_sqlite(ref):
    """The home's instance reference, its default SQLite storage swapped for the same files with
    engines kept open (defs/sqlite_storage.py: 8 s of a 42 s `lei run`); any other storage
    (PostgreSQL, the user's own) as configured. Only the CLI's instance swaps: the webserver and
    daemon read dagster.yaml as it is."""
    from dagster._serdes import ConfigurableClassData

    data = ref.storage_data
    if data is None or (data.module_name, data.class_name) != STOCK_SQLITE:
        return ref
    return ref._replace(storage_data=ConfigurableClassData(*OPEN_SQLITE, data.config_yaml))


def get_instance():
    """The instance, created and migrated under the home's lock: only one process ever creates the
    storage; the others wait, then find it complete."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    home = dagster_home().absolute()
    with instance_lock(home):
        write_dagster_yaml(home)
        os.environ["DAGSTER_HOME"] = str(home)
        instance = dg.DagsterInstance.from_ref(with_open_sqlite(InstanceRef.from_dir(str(home))))
        # Touch every storage so each is created (and stamped) now, inside the lock.
        instance.get_runs(limit=1)
        instance.get_dynamic_partitions("wave")
        instance.all_instigator_state()
    return instance


if __name__ == "__main__":
    get_instance().dispose()
    print(f"Dagster instance ready in {dagster_home()}")
