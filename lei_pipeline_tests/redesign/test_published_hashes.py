"""The published tables keep their content through the columnar redesign (issue 17): the three
sample waves, published by `lei run`, hash as recorded before it (fixtures/redesign/), with the
second and third wave's steps taking what `lei run`'s worker scored ahead (waves/score_ahead.py)."""
from __future__ import annotations

import json
from pathlib import Path

from lei_pipeline_tests.support.lei_run import copy_repo_data, lei_run
from lei_pipeline_tests.support.table_hashes import published_hashes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "redesign"


def test_sample_waves_publish_the_recorded_tables(tmp_path):
    data = copy_repo_data(tmp_path / "data")
    run = lei_run(data, tmp_path / "dagster_home")
    assert run.returncode == 0, run.stderr[-2000:]
    want = json.loads((FIXTURES / "sample-waves.json").read_text(encoding="utf-8"))
    got = published_hashes(data / "published")
    assert sorted(got) == sorted(want)   # every wave, every table
    assert {k: v for k, v in got.items() if want[k] != v} == {}
    # the same run: every wave took its cleaning, indicators and scores from the worker (the
    # first's made before GE's import), and every wave after the first its change and analysis,
    # with their schema checks' verdicts (passed, as here)
    assert _computed_ahead(tmp_path / "dagster_home") == {
        step: {"2022": step not in AFTER_THE_FIRST, "2024": True, "2025": True} for step in AHEAD}
    assert _check_verdicts(tmp_path / "dagster_home") == {check: {"2022": True, "2024": True, "2025": True}
                                                          for check in SCHEMA_CHECKS}


AHEAD = ("clean_responses", "indicators", "composite_index", "wave_change", "wave_uncertainty")
AFTER_THE_FIRST = ("wave_change", "wave_uncertainty")   # done ahead once the wave before is published
SCHEMA_CHECKS = (("clean_responses", "clean_schema"), ("indicators", "indicators_schema"),
                 ("composite_index", "scores_schema"), ("wave_change", "change_schema"),
                 ("wave_uncertainty", "uncertainty_schema"))


def _check_verdicts(home: Path) -> dict:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        out = {}
        for asset, check in SCHEMA_CHECKS:
            records = instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(dg.AssetKey(asset), check), limit=10)
            out[(asset, check)] = {instance.get_run_by_id(r.run_id).tags["dagster/partition"]:
                                   r.status == AssetCheckExecutionRecordStatus.SUCCEEDED for r in records}
    return out


def _computed_ahead(home: Path) -> dict:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        out = {}
        for step in AHEAD:
            records = instance.fetch_materializations(dg.AssetKey(step), limit=10).records
            out[step] = {r.partition_key: r.asset_materialization.metadata["computed_ahead"].value for r in records}
    return out
