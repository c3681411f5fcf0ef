"""The code location as a user sees it: webserver on workspace.yaml, inspected and driven by GraphQL."""
import time

import pytest

from lei_pipeline_tests.support.webserver import dagster_webserver, graphql

REPO = {"repositoryName": "__repository__", "repositoryLocationName": "lei_pipeline"}

ASSETS_Q = """query { assetNodes { assetKey { path } isPartitioned
  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
LOCATION_Q = """query($repo: RepositorySelector!) { repositoryOrError(repositorySelector: $repo) {
  __typename ... on Repository { sensors { name } schedules { name } jobs { name } } ... on PythonError { message } } }"""
ADD_PARTITION = """mutation($repo: RepositorySelector!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: "wave", partitionKey: $key) {
    __typename ... on PythonError { message } } }"""
LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on Error { message } } }"""
RUN_Q = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""


@pytest.mark.slow
def test_webserver_shows_everything_and_runs_a_wave(tmp_path, data_dir):
    with dagster_webserver(tmp_path / "dagster_home", {"LEI_DATA_DIR": str(data_dir)}) as url:
        nodes = graphql(url, ASSETS_Q)["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        for asset in ["raw_responses", "clean_responses", "indicators", "composite_index", "wave_change",
                      "published_snapshot"]:
            assert keys[asset]["isPartitioned"], asset
        for source in ["registry", "questionnaire", "methodology"]:
            assert source in keys
        checks = {c["name"]: c["blocking"] for n in nodes for c in (n["assetChecksOrError"].get("checks") or [])}
        assert checks["units_matched"] is True and checks["quality_suites"] is True
        assert checks["duplicates_resolved"] is False

        repo = graphql(url, LOCATION_Q, {"repo": REPO})["repositoryOrError"]
        assert repo["__typename"] == "Repository", repo
        assert {s["name"] for s in repo["sensors"]} == {"new_wave_sensor"}
        assert {s["name"] for s in repo["schedules"]} == {"changed_exports_schedule"}

        added = graphql(url, ADD_PARTITION, {"repo": REPO, "key": "2022"})["addDynamicPartition"]
        assert added["__typename"] == "AddDynamicPartitionSuccess", added
        launched = graphql(url, LAUNCH, {"p": {
            "selector": {**REPO, "jobName": "wave_job"}, "mode": "default",
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2022"}]}}})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        deadline, status = time.time() + 900, None   # a hang guard, not a timing: runs are slow on a loaded 2-core machine
        while time.time() < deadline:
            status = graphql(url, RUN_Q, {"id": run_id})["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            time.sleep(1)
        assert status == "SUCCESS"
    assert list((data_dir / "published").glob("wave=2022/version=1/manifest.json"))
