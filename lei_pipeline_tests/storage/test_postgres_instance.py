"""One shared Dagster instance in PostgreSQL: the sample waves run on the multiprocess executor
(each step its own process) against an instance configured by the repository's
deploy/dagster.postgres.yaml, and every run and every asset check is in that database. The
database is read with plain SQL, not through Dagster."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from lei_pipeline_tests.support.postgres import temporary_database
from lei_pipeline_tests.support.project_data import copy_data_dir

REPO = Path(__file__).resolve().parents[2]
WAVES = ["2022", "2024", "2025"]

pytestmark = pytest.mark.postgres


def test_sample_waves_on_the_multiprocess_executor_with_the_instance_in_postgres(tmp_path, pg_url):
    from lei_pipeline.defs.checks import SPECS

    data = copy_data_dir(tmp_path / "data", waves=WAVES)
    (data / "waves.yaml").write_text((REPO / "data" / "waves.yaml").read_text())
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "deploy" / "dagster.postgres.yaml").read_text())
    with temporary_database(pg_url) as db_url:
        dagster_url = sa.make_url(db_url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
        env.update(LEI_DATA_DIR=str(data), DAGSTER_HOME=str(home), DAGSTER_PG_URL=dagster_url,
                   DAGSTER_DISABLE_TELEMETRY="1", GX_ANALYTICS_ENABLED="false")
        args = [a for w in WAVES for a in ("--wave", w)]
        r = subprocess.run([sys.executable, "-m", "lei_pipeline.defs.multiprocess", *args,
                            "--waves-at-once", "2", "--max-concurrent", "1"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
        assert [line.split(":")[0] for line in r.stdout.splitlines() if line.startswith("wave ")] == \
            [f"wave {w}" for w in WAVES]

        eng = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        try:
            with eng.connect() as conn:
                runs = conn.execute(sa.text(
                    "SELECT r.run_id, r.status, t.value FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
                    "WHERE t.key = 'dagster/partition' ORDER BY r.create_timestamp")).all()
                # two runs per wave (prepare, finish), every one a success
                assert sorted((wave, status) for _, status, wave in runs) == \
                    sorted((w, "SUCCESS") for w in WAVES for _ in range(2))
                expected_checks = sum(len(specs) for specs in SPECS.values())
                for wave in WAVES:
                    counts = dict(conn.execute(sa.text(
                        "SELECT e.dagster_event_type, count(*) FROM event_logs e JOIN run_tags t "
                        "ON t.run_id = e.run_id AND t.key = 'dagster/partition' AND t.value = :w "
                        "GROUP BY e.dagster_event_type"), {"w": wave}).all())
                    assert counts.get("ASSET_CHECK_EVALUATION") == expected_checks, (wave, counts)
                    assert counts.get("STEP_WORKER_STARTED", 0) >= 2, (wave, counts)   # steps in their own processes
                    assert counts.get("ASSET_MATERIALIZATION", 0) >= 7, (wave, counts)
        finally:
            eng.dispose()
    assert sorted(p.name for p in (data / "published").glob("wave=*")) == [f"wave={w}" for w in WAVES]
    assert not list(home.glob("*.db")) and not (home / "history" / "runs.db").exists()   # nothing in SQLite
