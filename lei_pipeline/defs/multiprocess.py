"""Several waves at once on Dagster's multiprocess executor, against the instance in $DAGSTER_HOME
(SQLite, or PostgreSQL with deploy/dagster.postgres.yaml).

    python -m lei_pipeline.defs.multiprocess --wave 2022 --wave 2024 --wave 2025 \
        [--waves-at-once 2] [--max-concurrent 1]

Each wave is two runs of the code location's wave job (reconstructed in every step process, as
the webserver and daemon launch it):

- prepare: raw_responses, clean_responses, indicators, composite_index, wave_uncertainty and
  their checks. Nothing here reads another wave, so the prepare runs of different waves go at
  the same time.
- finish: wave_change (with the quality suites) and published_snapshot. The change reads the
  previous declared wave's latest snapshot (issue 14's ordering rule), so a wave's finish run
  starts only once its own prepare run and the previous wave's finish run have ended. If the
  previous wave failed, its successor's `previous_wave_ready` check says so and blocks the publish.

Limits that keep a 2-core machine responsive: at most `waves_at_once` runs at a time (default 2)
and at most `max_concurrent` step processes within each run (default 1): two step processes in
all. The frames passed between steps and between a wave's two runs live in the instance's storage
directory (FrameIOManager), which every step process reaches; across hosts it must be a shared
volume."""
from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import dagster as dg

from lei_pipeline.defs.partitions import wave_partitions

PREPARE = ("raw_responses", "clean_responses", "indicators", "composite_index", "wave_uncertainty")
FINISH = ("wave_change", "published_snapshot")
PHASE_TAG = "lei/phase"
RESULT_PREFIX = "lei-phase-run:"


def wave_job():
    """The code location's wave job with its resources (module level: reconstructable)."""
    from lei_pipeline.defs.definitions import defs

    return defs.resolve_job_def("wave_job")


def run_config(max_concurrent: int) -> dict:
    return {"execution": {"config": {"multiprocess": {"max_concurrent": max_concurrent}}}}


@dataclass
class PhaseRun:
    phase: str
    success: bool
    run_id: str | None
    error: str | None = None


@dataclass
class WaveOutcome:
    wave: str
    runs: list[PhaseRun] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return len(self.runs) == 2 and all(r.success for r in self.runs)


def execute_phase(instance: dg.DagsterInstance, wave: str, phase: str, max_concurrent: int = 1) -> PhaseRun:
    """One run of the wave job, restricted to one phase's assets, on the multiprocess executor."""
    assets = PREPARE if phase == "prepare" else FINISH
    with dg.execute_job(dg.reconstructable(wave_job), instance=instance, raise_on_error=False,
                        asset_selection=[dg.AssetKey(a) for a in assets],
                        tags={"dagster/partition": wave, "lei/source": "multiprocess", PHASE_TAG: phase},
                        run_config=run_config(max_concurrent)) as result:
        return PhaseRun(phase, result.success, result.run_id)


def execute_wave(instance: dg.DagsterInstance, wave: str, max_concurrent: int = 1) -> tuple[bool, str | None]:
    """One wave alone, in this process: its prepare run, then its finish run. (success, finish run id)."""
    prep = execute_phase(instance, wave, "prepare", max_concurrent)
    if not prep.success:
        return False, prep.run_id
    fin = execute_phase(instance, wave, "finish", max_concurrent)
    return fin.success, fin.run_id


def _launch(wave: str, phase: str, max_concurrent: int) -> PhaseRun:
    """A run in its own process, as Dagster's run launcher starts one: each has its own instance
    connection, so concurrent runs never share one (SQLite) connection between threads."""
    r = subprocess.run([sys.executable, "-m", "lei_pipeline.defs.multiprocess", "--phase", phase, "--wave", wave,
                        "--max-concurrent", str(max_concurrent)], capture_output=True, text=True)
    for line in reversed(r.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            _, run_id, outcome = line.split()
            return PhaseRun(phase, outcome == "success" and r.returncode == 0, run_id)
    tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
    return PhaseRun(phase, False, None, tail[0])


def run_waves(waves: list[str], waves_at_once: int = 2, max_concurrent: int = 1,
              say=lambda line: None) -> list[WaveOutcome]:
    """Materialise waves (in declared order) with up to waves_at_once runs at a time; a wave's
    finish run waits for its prepare run and for the previous wave's finish run. The instance
    (DAGSTER_HOME) must exist and know the waves' partitions."""
    outcomes = [WaveOutcome(w) for w in waves]
    slots = threading.BoundedSemaphore(max(1, waves_at_once))

    def phase(wave: str, name: str) -> PhaseRun:
        with slots:
            say(f"  {wave} {name}: started")
            run = _launch(wave, name, max_concurrent)
            say(f"  {wave} {name}: {'done' if run.success else 'FAILED'} (run {run.run_id or '-'})"
                + (f": {run.error}" if run.error else ""))
            return run

    def finish(i: int, prepared: Future, previous: Future | None) -> PhaseRun:
        if previous is not None:
            previous.exception()          # wait for it; its success or failure is the change's business
        prep = prepared.result()
        outcomes[i].runs.append(prep)
        if not prep.success:              # a blocking check failed in prepare: nothing to finish
            return PhaseRun("finish", False, None)
        run = phase(waves[i], "finish")
        outcomes[i].runs.append(run)
        return run

    # Prepare runs queue on the slots in declared order; finish runs use a slot too, so the total
    # stays at waves_at_once. These threads only wait on run processes.
    with ThreadPoolExecutor(max_workers=2 * len(waves)) as pool:
        prepared = [pool.submit(phase, w, "prepare") for w in waves]
        previous: Future | None = None
        for i in range(len(waves)):
            previous = pool.submit(finish, i, prepared[i], previous)
        if previous is not None:
            previous.result()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    from lei_pipeline.defs.instance import get_instance

    ap = argparse.ArgumentParser(prog="python -m lei_pipeline.defs.multiprocess", description=__doc__.splitlines()[0])
    ap.add_argument("--wave", action="append", required=True,
                    help="wave to run (repeatable; run in declared order)")
    ap.add_argument("--waves-at-once", type=int, default=2, help="runs at a time across waves")
    ap.add_argument("--max-concurrent", type=int, default=1, help="step processes at once within a run")
    ap.add_argument("--phase", choices=("prepare", "finish"), help=argparse.SUPPRESS)  # one run (a child)
    args = ap.parse_args(argv)
    instance = get_instance()      # created and migrated once, under its lock, before any run
    try:
        if args.phase:
            run = execute_phase(instance, args.wave[0], args.phase, args.max_concurrent)
            print(f"{RESULT_PREFIX} {run.run_id} {'success' if run.success else 'failed'}")
            return 0 if run.success else 1
        from lei_pipeline.settings import Settings
        from lei_pipeline.waves.declared import in_declared_order

        waves = in_declared_order(Settings.from_env(), args.wave)   # the finish chain follows waves.yaml
        for wave in waves:
            if not instance.has_dynamic_partition(wave_partitions.name, wave):
                instance.add_dynamic_partitions(wave_partitions.name, [wave])
    finally:
        instance.dispose()
    outcomes = run_waves(waves, args.waves_at_once, args.max_concurrent, say=lambda line: print(line, flush=True))
    for o in outcomes:
        runs = ", ".join(f"{r.phase} {r.run_id}" for r in o.runs if r.run_id)
        print(f"wave {o.wave}: {'success' if o.success else 'FAILED'} (runs: {runs})")
    return 0 if all(o.success for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
