"""Several waves at once on the multiprocess executor (lei_pipeline.defs.multiprocess): the
prepare runs of different waves overlap, each wave's change and publish wait for the previous
declared wave's snapshot, and what is published equals the content the lead recorded from the
serial `lei run` (lei_pipeline_tests/fixtures/redesign/sample-waves.json), change tables included."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from lei_pipeline_tests.support.project_data import copy_data_dir
from lei_pipeline_tests.support.table_hashes import published_hashes

REPO = Path(__file__).resolve().parents[2]
WAVES = ["2022", "2024", "2025"]
RECORDED = REPO / "lei_pipeline_tests" / "fixtures" / "redesign" / "sample-waves.json"


def _runs(home: Path) -> dict[tuple[str, str], dg.RunRecord]:
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        records = instance.get_run_records(dg.RunsFilter(tags={"lei/source": "multiprocess"}))
        return {(r.dagster_run.tags["dagster/partition"], r.dagster_run.tags["lei/phase"]): r for r in records}
    finally:
        instance.dispose()


def test_sample_waves_in_parallel_publish_what_the_serial_run_published(tmp_path):
    data = copy_data_dir(tmp_path / "data", waves=WAVES)
    home = tmp_path / "dagster_home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_", "AWS_"))}
    env.update(LEI_DATA_DIR=str(data), DAGSTER_HOME=str(home), DAGSTER_DISABLE_TELEMETRY="1",
               GX_ANALYTICS_ENABLED="false")
    # given out of order: the runner follows data/waves.yaml
    r = subprocess.run([sys.executable, "-m", "lei_pipeline.defs.multiprocess", "--wave", "2025", "--wave", "2022",
                        "--wave", "2024", "--waves-at-once", "2", "--max-concurrent", "1"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    assert [line.split(":")[0] for line in r.stdout.splitlines() if line.startswith("wave ")] == \
        [f"wave {w}" for w in WAVES]

    recorded = json.loads(RECORDED.read_text())
    published = published_hashes(data / "published")
    assert sorted(published) == sorted(recorded)
    assert {k for k in recorded if k.endswith("/change")} == {f"wave={w}/change" for w in WAVES}
    assert published == recorded

    runs = _runs(home)
    assert set(runs) == {(w, p) for w in WAVES for p in ("prepare", "finish")}
    assert all(rec.dagster_run.status == dg.DagsterRunStatus.SUCCESS for rec in runs.values())
    start = {k: rec.start_time for k, rec in runs.items()}
    end = {k: rec.end_time for k, rec in runs.items()}
    # waves materialised at once: some two prepare runs of different waves were running together
    prepares = [(w, "prepare") for w in WAVES]
    assert any(start[a] < end[b] and start[b] < end[a] for a in prepares for b in prepares if a < b)
    # never more than two runs at a time (--waves-at-once 2)
    for k in runs:
        assert sum(start[o] <= start[k] < end[o] for o in runs if o != k) <= 1, k
    # the ordering rule: a wave's finish after its own prepare and after the previous wave's finish
    for i, w in enumerate(WAVES):
        assert start[(w, "finish")] >= end[(w, "prepare")]
        if i:
            assert start[(w, "finish")] >= end[(WAVES[i - 1], "finish")]
