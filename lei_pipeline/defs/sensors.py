"""A data engineer drops an export into data/raw/<wave>/ (or `lei wave add`s it); this sensor adds
the wave's partition and requests its run. Off by default: turn it on in the UI (Automation).

Only waves declared in data/waves.yaml are run, in declared order: each request carries a
dagster/priority that falls with the wave's place, and the instance runs the queued wave runs one
at a time (dagster.yaml, lei_pipeline.defs.instance), so every wave's change reads its previous
wave's fresh snapshot. A folder with an export but no declaration is named in a warning instead."""
from __future__ import annotations

import dagster as dg

from lei_pipeline.defs.jobs import wave_job
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings
from lei_pipeline.settings import Settings
from lei_pipeline.waves.declared import declared_waves, discover_waves, undeclared_message, undeclared_waves

PRIORITY_TAG = "dagster/priority"


def new_waves(instance: dg.DagsterInstance, settings: Settings) -> list[str]:
    known = set(instance.get_dynamic_partitions(wave_partitions.name))
    return [w for w in discover_waves(settings) if w not in known]


def wave_priority(settings: Settings, wave: str) -> str:
    """Earlier declared waves first: the queue takes the highest priority first."""
    ids = [w.id for w in declared_waves(settings)]
    return str(len(ids) - ids.index(wave)) if wave in ids else "0"


def wave_run_request(settings: Settings, wave: str, run_key: str) -> dg.RunRequest:
    return dg.RunRequest(partition_key=wave, run_key=run_key, tags={PRIORITY_TAG: wave_priority(settings, wave)})


@dg.sensor(job=wave_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Adds a wave partition and requests its run when a declared wave's folder "
                       "(data/waves.yaml) gets an export under data/raw/; runs go in declared order.")
def new_wave_sensor(context: dg.SensorEvaluationContext, lei: LeiSettings):
    settings = lei.settings()
    undeclared = undeclared_waves(settings)
    for wave in undeclared:
        context.log.warning(undeclared_message(settings, wave))
    fresh = new_waves(context.instance, settings)
    if not fresh:
        extra = f"; not declared, not run: {', '.join(undeclared)}" if undeclared else ""
        return dg.SkipReason(f"no new declared wave with an export under data/raw/{extra}")
    return dg.SensorResult(
        run_requests=[wave_run_request(settings, w, f"new-wave-{w}") for w in fresh],
        dynamic_partitions_requests=[wave_partitions.build_add_request(fresh)],
    )
