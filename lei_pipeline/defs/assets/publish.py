"""The published snapshot: immutable, versioned Parquet per wave, gated on every blocking check."""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from lei_pipeline.defs.check_outcomes import blocking_failures, latest_check_outcomes
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.errors import LeiError
from lei_pipeline.methodology import IndicatorMatrix, effective_weights
from lei_pipeline.publish.provenance import build_provenance, export_provenance, is_synthetic
from lei_pipeline.publish import publish_snapshot
from lei_pipeline.publish.parquet_io import RowBatches
from lei_pipeline.publish.quality_report import read_report, report_dir


@dg.asset(
    partitions_def=wave_partitions, group_name="publish", kinds={"parquet"},
    description="An immutable snapshot data/published/wave=<wave>/version=<n>/: Parquet tables (responses, "
                "indicators, scores, change), manifest.json with hashes and provenance, the methodology "
                "used, the questionnaire, the Great Expectations results (JSON), the wave report (HTML), an "
                "XLSX workbook and a datapackage.json data dictionary. Identical content publishes nothing new.",
)
def published_snapshot(context: AssetExecutionContext, clean_responses: pd.DataFrame, indicators: IndicatorMatrix,
                       composite_index: pd.DataFrame, wave_change: pd.DataFrame, wave_uncertainty: dict,
                       lei: LeiSettings, survey_inputs: SurveyInputs):
    wave = context.partition_key
    outcomes = latest_check_outcomes(context.instance, wave)
    failed = blocking_failures(outcomes)
    if failed:
        names = ", ".join(f"{o['asset']}:{o['check']} ({o['status']})" for o in failed)
        raise LeiError(f"wave {wave}: not published, blocking checks did not pass: {names}")
    inputs = survey_inputs.get()
    settings = lei.settings()
    provenance = build_provenance(inputs, run_id=context.run_id, checks=outcomes,
                                  synthetic=is_synthetic(settings.raw_dir / wave),
                                  export=_export_read(context, settings, wave))
    provenance["previous"] = _previous_compared(context, wave)
    provenance["duplicate_decisions"] = _duplicate_decisions(context, outcomes)
    reps = wave_uncertainty["replications"]  # the analysis' seed goes into the manifest (key "uncertainty")
    provenance["uncertainty"] = {"seed": int(reps["seed"].iloc[0]) if len(reps) else None, "replications": len(reps)}
    result = publish_snapshot(settings, wave, {
        # the long table a row group at a time (7.8 million rows at 100,000 units)
        "responses": clean_responses, "indicators": RowBatches(len(indicators), indicators.long_rows),
        "scores": composite_index, "change": wave_change, "weights": effective_weights(inputs.methodology),
        **wave_uncertainty,
    }, provenance, report=read_report(report_dir(settings, wave, context.run_id)))
    for warning in result.warnings:
        context.log.warning(warning)
    return dg.MaterializeResult(metadata={
        "version": int(result.version),
        "catalog_recorded": bool(result.catalog_recorded),
        "warnings": dg.MetadataValue.json(result.warnings),
        "unchanged": bool(result.unchanged),
        "path": dg.MetadataValue.path(str(result.path)),
        "methodology_version": provenance["methodology_version"],
        "methodology_sha256": provenance["methodology_sha256"],
        "checks_passed": sum(o["status"] == "passed" for o in outcomes),
    })


def _latest_materialization_metadata(context: AssetExecutionContext, asset: str, wave: str) -> dict:
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[wave]), limit=1).records
    if not records or records[0].asset_materialization is None:
        return {}
    return dict(records[0].asset_materialization.metadata)


def _previous_compared(context: AssetExecutionContext, wave: str) -> dict | None:
    """The (wave, version) wave_change compared with, as it recorded them: pinned in the manifest."""
    meta = _latest_materialization_metadata(context, "wave_change", wave)
    prev, version = meta.get("previous_wave"), meta.get("previous_version")
    if prev is None or version is None or not str(version.value).isdigit():
        return None
    return {"wave": str(prev.value), "version": int(version.value)}


def _duplicate_decisions(context: AssetExecutionContext, outcomes: list[dict]) -> list[dict] | None:
    """The duplicates_resolved check's decisions (one per unit with several submissions), from
    the evaluation the publish gate looked at."""
    run_id = next((o["run_id"] for o in outcomes
                   if o["asset"] == "clean_responses" and o["check"] == "duplicates_resolved"), None)
    if run_id is None:
        return None
    key = dg.AssetCheckKey(dg.AssetKey("clean_responses"), "duplicates_resolved")
    for record in context.instance.event_log_storage.get_asset_check_execution_history(key, limit=200):
        if record.run_id != run_id or record.event is None or record.event.dagster_event is None:
            continue
        evaluation = record.event.dagster_event.event_specific_data
        decisions = (getattr(evaluation, "metadata", None) or {}).get("decisions")
        if decisions is not None:
            return list(decisions.value or [])
    return None


def _export_read(context: AssetExecutionContext, settings, wave: str) -> dict | None:
    """The export raw_responses read for this wave (file, sha256, format, rows), from its latest
    materialisation's metadata: the bytes actually read, even if the file was replaced since."""
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_responses"), asset_partitions=[wave]), limit=1).records
    if not records or records[0].asset_materialization is None:
        return None
    meta = records[0].asset_materialization.metadata
    if "export_file" not in meta or "export_sha256" not in meta:
        return None
    rows = meta.get("dagster/row_count")
    fmt = meta.get("format")
    return export_provenance(settings, wave, meta["export_file"].value, meta["export_sha256"].value,
                             fmt.value if fmt is not None else None, rows.value if rows is not None else 0)
