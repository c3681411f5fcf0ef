"""Publishing gates on check results recorded in the instance, not on whether upstream assets
merely exist: a failed blocking check leaves its asset materialised, so existence proves nothing."""
from __future__ import annotations

import dagster as dg

from lei_pipeline.defs.checks import all_check_keys, is_blocking

PASSED, FAILED, MISSING = "passed", "failed", "not run"


def latest_check_outcomes(instance: dg.DagsterInstance, wave: str) -> list[dict]:
    outcomes = []
    run_partition: dict[str, str | None] = {}

    def partition_of(record) -> str | None:
        # Checks evaluated inside a partitioned asset are stored without a partition; the run's
        # partition tag says which wave they judged.
        if record.partition is not None:
            return record.partition
        if record.run_id not in run_partition:
            run = instance.get_run_by_id(record.run_id)
            run_partition[record.run_id] = run.tags.get("dagster/partition") if run else None
        return run_partition[record.run_id]

    for key in all_check_keys():
        records = instance.event_log_storage.get_asset_check_execution_history(key, limit=200)
        latest = next((r for r in records if r.status.value != "PLANNED" and partition_of(r) == wave), None)
        status = MISSING if latest is None else (PASSED if latest.status.value == "SUCCEEDED" else FAILED)
        outcomes.append({
            "asset": key.asset_key.to_user_string(), "check": key.name, "status": status,
            "blocking": is_blocking(key.asset_key.to_user_string(), key.name),
            "run_id": latest.run_id if latest else None,
        })
    return outcomes


def blocking_failures(outcomes: list[dict]) -> list[dict]:
    return [o for o in outcomes if o["blocking"] and o["status"] != PASSED]
