"""A nightly re-run of every wave whose export changed since its last run. The run key carries the
export's hash, so an unchanged export is never run twice. Off by default."""
from __future__ import annotations

import dagster as dg

from lei_pipeline.defs.jobs import wave_job
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.errors import LeiError
from lei_pipeline.defs.resources import LeiSettings
from lei_pipeline.files import file_sha256
from lei_pipeline.defs.sensors import wave_run_request
from lei_pipeline.waves.declared import find_export, in_declared_order


@dg.schedule(job=wave_job, cron_schedule="0 2 * * *", default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Nightly: re-run each registered wave whose export file changed.")
def changed_exports_schedule(context: dg.ScheduleEvaluationContext, lei: LeiSettings):
    settings = lei.settings()
    requests = []
    # In declared order (the queue's priority keeps it), so a re-run wave's successor sees its new snapshot.
    for wave in in_declared_order(settings, list(context.instance.get_dynamic_partitions(wave_partitions.name))):
        try:
            digest = file_sha256(find_export(settings, wave))[:16]
        except LeiError:
            continue
        requests.append(wave_run_request(settings, wave, f"export-{wave}-{digest}"))
    return requests or dg.SkipReason("no registered wave has an export")
