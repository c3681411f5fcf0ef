"""A data engineer drops an export into data/raw/<wave>/; this sensor adds the wave's partition and
requests its run. Off by default: turn it on in the UI (Automation) for the season of a new wave."""
from __future__ import annotations

import dagster as dg

from lei_pipeline.defs.jobs import wave_job
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings
from lei_pipeline.settings import Settings
from lei_pipeline.waves import discover_waves


def new_waves(instance: dg.DagsterInstance, settings: Settings) -> list[str]:
    known = set(instance.get_dynamic_partitions(wave_partitions.name))
    return [w for w in discover_waves(settings) if w not in known]


@dg.sensor(job=wave_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Adds a wave partition and requests its run when a new folder with an export "
                       "appears under data/raw/.")
def new_wave_sensor(context: dg.SensorEvaluationContext, lei: LeiSettings):
    settings = lei.settings()
    fresh = new_waves(context.instance, settings)
    if not fresh:
        return dg.SkipReason("no new wave folder under data/raw/")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=w, run_key=f"new-wave-{w}") for w in fresh],
        dynamic_partitions_requests=[wave_partitions.build_add_request(fresh)],
    )
