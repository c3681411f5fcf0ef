"""Running the real `lei` console script in isolation, and proving it wrote nothing it should not:
a private data/ (LEI_DATA_DIR) and Dagster home (DAGSTER_HOME) under tmp, hashed before and after."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from lei_pipeline_tests.support.project_data import copy_data_dir

WAVE = "2022"   # the sample wave the hostile end-to-end tests run

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def make_home(root: Path) -> Path:
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return home


def make_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
    env.update(LEI_DATA_DIR=str(data_dir), DAGSTER_HOME=str(home), DAGSTER_DISABLE_TELEMETRY="1",
               GX_ANALYTICS_ENABLED="false", PYTHONDONTWRITEBYTECODE="1", COLUMNS="200")
    return env


def make_project(root: Path, waves: list[str] | None = None) -> tuple[Path, Path, dict[str, str]]:
    """(data dir, dagster home, env) under root: the inputs of the repo's data/, the given waves."""
    data = copy_data_dir(root / "data", waves=[] if waves is None else waves)
    home = make_home(root)
    return data, home, make_env(data, home)


def lei(*args: str, env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lei_pipeline", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def output(r: subprocess.CompletedProcess) -> str:
    return r.stdout + r.stderr


def assert_no_traceback(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, output(r)[-4000:]


def tree_digest(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """relative path -> sha256 of every file ('<dir>' for folders): any write, create or delete shows."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(rel == s or rel.startswith(s + "/") for s in skip):
            continue
        if p.is_dir():
            out[rel] = "<dir>"
        elif p.is_file():
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            out[rel] = h.hexdigest()
    return out


def catalog_rows(data_dir: Path) -> list[tuple]:
    """Every row of every table of the SQLite catalog, sorted: a change anywhere shows."""
    db = data_dir / "catalog.sqlite"
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows = []
        for t in tables:
            rows += [(t, *map(str, r)) for r in con.execute(f'SELECT * FROM "{t}"')]
        return sorted(rows)
    finally:
        con.close()


def published_state(data_dir: Path) -> dict:
    """What a failed run must leave untouched: every published file (snapshots, manifests, LATEST
    pointers) and the catalog's rows."""
    pub = data_dir / "published"
    return {"published": tree_digest(pub) if pub.exists() else {}, "catalog": catalog_rows(data_dir)}


def parse_json(r: subprocess.CompletedProcess) -> dict:
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError as e:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"--json output is not JSON ({e}):\n{output(r)[-3000:]}") from None
