"""Waves on Dagster's multiprocess executor: every step of a run in its own process, against the
instance in $DAGSTER_HOME (SQLite, or PostgreSQL with deploy/dagster.postgres.yaml).

    python -m lei_pipeline.defs.multiprocess --wave 2022 --wave 2024 [--max-concurrent 2]

`lei run` executes a wave in one process (execute_in_process); this is the same job as the code
location, reconstructed in each step process, which is what the webserver and daemon launch too.
Waves run one after the other, in declared order, since a wave's change table reads the previous
wave's published snapshot; the steps within a run go in parallel, at most max_concurrent at once.
The frames passed between steps live in the instance's storage directory (FrameIOManager), which
every step process on this host reaches; across hosts it must be shared storage."""
from __future__ import annotations

import argparse
import sys

import dagster as dg

from lei_pipeline.defs.partitions import wave_partitions


def wave_job():
    """The code location's wave job with its resources (module level: reconstructable)."""
    from lei_pipeline.defs.definitions import defs

    return defs.resolve_job_def("wave_job")


def run_config(max_concurrent: int) -> dict:
    return {"execution": {"config": {"multiprocess": {"max_concurrent": max_concurrent}}}}


def execute_wave(instance: dg.DagsterInstance, wave: str, max_concurrent: int = 2):
    """One run of the wave job on the multiprocess executor; its ExecutionResult."""
    if not instance.has_dynamic_partition(wave_partitions.name, wave):
        instance.add_dynamic_partitions(wave_partitions.name, [wave])
    with dg.execute_job(dg.reconstructable(wave_job), instance=instance, raise_on_error=False,
                        tags={"dagster/partition": wave, "lei/source": "multiprocess"},
                        run_config=run_config(max_concurrent)) as result:
        return result.success, result.run_id


def main(argv: list[str] | None = None) -> int:
    from lei_pipeline.defs.instance import get_instance

    ap = argparse.ArgumentParser(prog="python -m lei_pipeline.defs.multiprocess", description=__doc__.splitlines()[0])
    ap.add_argument("--wave", action="append", required=True, help="wave to run (repeatable, run in this order)")
    ap.add_argument("--max-concurrent", type=int, default=2, help="step processes at once within a run")
    args = ap.parse_args(argv)
    instance = get_instance()
    ok = True
    for wave in args.wave:
        success, run_id = execute_wave(instance, wave, args.max_concurrent)
        print(f"wave {wave}: {'success' if success else 'FAILED'} (run {run_id})")
        ok = ok and success
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
