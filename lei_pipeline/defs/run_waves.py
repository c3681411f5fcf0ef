"""Materialise waves in-process against an instance: what `lei run` and `make run` do.
The same asset definitions as the code location, so a terminal run shows in the UI."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg


@dataclass
class AssetLine:
    asset: str
    status: str          # materialised | failed | skipped
    detail: str = ""


@dataclass
class WaveRun:
    wave: str
    success: bool
    run_id: str
    seconds: float
    assets: list[AssetLine] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    units_scored: int = 0
    published_version: int | None = None
    unchanged: bool = False
    error: str | None = None

    @property
    def failed_blocking(self) -> list[dict]:
        return [c for c in self.checks if c["blocking"] and not c["passed"]]


def _progress_logger(on_event: Callable[[object], None]) -> dg.LoggerDefinition:
    """Dagster hands every run event to its loggers as it happens: the CLI's live per-asset lines."""

    class _Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            event = getattr(record, "dagster_event", None)
            if event is not None:
                on_event(event)

    @dg.logger
    def lei_progress(_init_context):
        log = logging.getLogger(f"lei_progress_{id(on_event)}")
        log.setLevel(logging.DEBUG)
        log.propagate = False
        log.handlers = [_Handler()]
        return log

    return lei_progress


def materialize_wave(instance: dg.DagsterInstance, wave: str, resources: dict | None = None,
                     log_level: str = "CRITICAL", on_event: Callable[[object], None] | None = None) -> WaveRun:
    """log_level: Dagster's console log; on_event receives each DagsterEvent as it happens."""
    from lei_pipeline.defs.checks import is_blocking
    from lei_pipeline.defs.definitions import WAVE_ASSETS, build_definitions
    from lei_pipeline.defs.in_process import execute_without_capture
    from lei_pipeline.defs.partitions import wave_partitions

    if not instance.has_dynamic_partition(wave_partitions.name, wave):
        instance.add_dynamic_partitions(wave_partitions.name, [wave])
    loggers = {"console": dg.colored_console_logger}
    logger_config: dict = {"console": {"config": {"log_level": log_level}}}
    if on_event is not None:
        loggers["lei_progress"] = _progress_logger(on_event)
        logger_config["lei_progress"] = {}
    defs = build_definitions(resources=resources, loggers=loggers)
    start = time.perf_counter()
    # as execute_in_process, without Dagster keeping every step's output until the run ends
    result = execute_without_capture(defs.resolve_job_def("wave_job"), instance=instance, partition_key=wave,
                                     run_config={"loggers": logger_config}, tags={"lei/source": "cli"})
    run = WaveRun(wave=wave, success=result.success, run_id=result.run_id, seconds=time.perf_counter() - start)
    for ev in result.get_asset_check_evaluations():
        asset = ev.asset_key.to_user_string()
        md = {k: getattr(v, "value", v) for k, v in ev.metadata.items()}
        run.checks.append({"asset": asset, "check": ev.check_name, "passed": bool(ev.passed),
                           "blocking": is_blocking(asset, ev.check_name),
                           "first_error": md.get("first_error"), "problems": md.get("problems")})
    materialised = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    failed_steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
    for asset in WAVE_ASSETS:
        name = asset.key.to_user_string()
        if name in failed_steps:
            run.assets.append(AssetLine(name, "failed", _step_error(result, name)))
        elif name in materialised:
            md = materialised[name].materialization.metadata
            if name == "published_snapshot":
                run.published_version = md["version"].value
                run.unchanged = bool(md["unchanged"].value)
            run.assets.append(AssetLine(name, "materialised", describe_materialisation(md)))
        else:
            run.assets.append(AssetLine(name, "skipped", "upstream blocking check failed"))
    if "composite_index" in materialised:
        run.units_scored = int(materialised["composite_index"].materialization.metadata["dagster/row_count"].value)
    failures = [a for a in run.assets if a.status == "failed"]
    if failures:
        run.error = failures[0].detail
    return run


def describe_materialisation(metadata) -> str:
    """What a person wants to know about a materialisation in one phrase."""
    if "version" in metadata:
        text = f"version {metadata['version'].value}" + (
            " (unchanged, nothing new written)" if metadata["unchanged"].value else "")
        warnings = metadata.get("warnings")
        if warnings is not None and warnings.value:  # e.g. published, but the catalog row is still missing
            text += f"; warning: {warnings.value[0]}" + (f" (+{len(warnings.value) - 1} more)"
                                                        if len(warnings.value) > 1 else "")
        return text
    rows = metadata.get("dagster/row_count")
    return f"{rows.value} rows" if rows is not None else ""


def _step_error(result, step: str) -> str:
    for e in result.all_events:
        if e.event_type_value == "STEP_FAILURE" and e.step_key == step:
            err = e.event_specific_data.error
            while err is not None and err.cause is not None:  # the user's exception, not Dagster's wrapper
                err = err.cause
            if err is None:
                return "failed"
            lines = err.message.strip().splitlines()
            msg = lines[-1] if lines else err.cls_name or "failed"
            # A LeiError's message is meant for the user as it is; drop the exception class prefix.
            prefix = f"{err.cls_name}: " if err.cls_name else ""
            return msg[len(prefix):] if prefix and msg.startswith(prefix) else msg.split(": ", 1)[-1] \
                if msg.startswith("lei_pipeline.") else msg
    return "failed"
