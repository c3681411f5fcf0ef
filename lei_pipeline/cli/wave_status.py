"""One row per wave: what `lei status` prints. Reads the raw folder, the Dagster instance and
the catalog; writes nothing."""
from __future__ import annotations

from datetime import datetime, timezone

from lei_pipeline.errors import LeiError
from lei_pipeline.settings import Settings
from lei_pipeline.files import file_sha256
from lei_pipeline.waves.declared import find_export, in_declared_order, wave_folders


def wave_statuses(settings: Settings, instance) -> list[dict]:
    import dagster as dg

    from lei_pipeline.defs.check_outcomes import FAILED, PASSED, latest_check_outcomes
    from lei_pipeline.defs.partitions import wave_partitions
    from lei_pipeline.publish import list_snapshots

    snaps = list_snapshots(settings)
    published = {}
    if snaps is not None and len(snaps):
        for rec in snaps.to_dict("records"):
            w = str(rec["wave"])
            if w not in published or int(rec["version"]) > int(published[w]["version"]):
                published[w] = rec
    # Declared order (data/waves.yaml) first; folders and partitions not declared after them, by name.
    waves = in_declared_order(settings, sorted(set(wave_folders(settings)) | set(
        instance.get_dynamic_partitions(wave_partitions.name)) | set(published)))
    rows = []
    for wave in waves:
        try:
            export = find_export(settings, wave)
            export_name, digest = export.name, file_sha256(export)
        except LeiError:
            export_name, digest = None, None
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": wave}), limit=1)
        last = runs[0] if runs else None
        last_at = None
        if last is not None:
            rec = instance.get_run_record_by_id(last.run_id)
            ts = rec.end_time or rec.start_time if rec else None
            last_at = datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds") if ts else None
        outcomes = latest_check_outcomes(instance, wave)
        pub = published.get(wave)
        rows.append({
            "wave": wave, "export": export_name, "export_sha256": digest,
            "partition_registered": instance.has_dynamic_partition(wave_partitions.name, wave),
            "last_run_id": last.run_id if last else None,
            "last_run_status": last.status.value if last else None, "last_run_at": last_at,
            "checks_run": any(o["status"] != "not run" for o in outcomes),
            "checks_passed": sum(o["status"] == PASSED for o in outcomes),
            "checks_failed": sum(o["status"] == FAILED for o in outcomes),
            "latest_version": int(pub["version"]) if pub else None,
            "published_at": str(pub.get("created_at")) if pub else None,
        })
    return rows
