"""The sensor itself, on a fresh instance with the project's dagster.yaml: every sample wave is
requested at once, the queue runs them one at a time in declared order, and each change table
compares with the previous declared wave (before: 2024 and 2025 published with 0 change rows)."""
from __future__ import annotations

import time

import pytest

from lei_pipeline.publish import load
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.project_data import copy_data_dir
from lei_pipeline_tests.support.webserver import dagster_dev, graphql

SENSOR = {"repositoryName": "__repository__", "repositoryLocationName": "lei_pipeline", "sensorName": "new_wave_sensor"}
START_SENSOR = """mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename
  ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
RUNS = """query { runsOrError { ... on Runs { results { runId status startTime endTime tags { key value } } } } }"""
DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def _partition(run) -> str:
    return next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition")


@pytest.mark.slow
def test_sensor_runs_every_sample_wave_in_order_with_full_change_tables(tmp_path):
    data = copy_data_dir(tmp_path / "data")
    with dagster_dev(tmp_path / "dagster_home", {"LEI_DATA_DIR": str(data)}) as url:
        started = graphql(url, START_SENSOR, {"s": SENSOR})["startSensor"]
        assert started["__typename"] == "Sensor", started
        deadline, runs = time.time() + 1800, []
        while time.time() < deadline:
            runs = graphql(url, RUNS)["runsOrError"]["results"]
            if len(runs) >= 3 and all(r["status"] in DONE for r in runs):
                break
            time.sleep(2)
    assert len(runs) == 3, runs
    assert {r["status"] for r in runs} == {"SUCCESS"}, runs
    by_start = sorted(runs, key=lambda r: r["startTime"])
    assert [_partition(r) for r in by_start] == ["2022", "2024", "2025"]
    for earlier, later in zip(by_start, by_start[1:]):
        assert later["startTime"] >= earlier["endTime"], "wave runs overlapped"

    settings = Settings.from_env(data_dir=data)
    for wave, previous in (("2024", "2022"), ("2025", "2024")):
        change = load("change", wave=wave, settings=settings)
        now = load("scores", wave=wave, settings=settings)[["unit_code"]]
        before = load("scores", wave=previous, settings=settings)[["unit_code"]]
        both = now.merge(before, on="unit_code")          # an independent join of the two published tables
        assert len(both) > 100
        assert sorted(change["unit_code"]) == sorted(both["unit_code"])
        assert set(change["previous_wave"]) == {previous}
        assert change["lei_change"].notna().all()
