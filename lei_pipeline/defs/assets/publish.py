"""The published snapshot: immutable, versioned Parquet per wave, gated on every blocking check."""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from lei_pipeline.defs.check_outcomes import blocking_failures, latest_check_outcomes
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.errors import LeiError
from lei_pipeline.methodology import effective_weights
from lei_pipeline.provenance import build_provenance, is_synthetic
from lei_pipeline.publish import publish_snapshot
from lei_pipeline.publish.quality_report import read_report, report_dir


@dg.asset(
    partitions_def=wave_partitions, group_name="publish", kinds={"parquet"},
    description="An immutable snapshot data/published/wave=<wave>/version=<n>/: Parquet tables (responses, "
                "indicators, scores, change), manifest.json with hashes and provenance, the methodology "
                "used, and Great Expectations Data Docs. Identical content publishes nothing new.",
)
def published_snapshot(context: AssetExecutionContext, clean_responses: pd.DataFrame, indicators: pd.DataFrame,
                       composite_index: pd.DataFrame, wave_change: pd.DataFrame,
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
                                  synthetic=is_synthetic(settings.raw_dir / wave))
    result = publish_snapshot(settings, wave, {
        "responses": clean_responses, "indicators": indicators,
        "scores": composite_index, "change": wave_change, "weights": effective_weights(inputs.methodology),
    }, provenance, report=read_report(report_dir(settings, wave, context.run_id)))
    return dg.MaterializeResult(metadata={
        "version": int(result.version),
        "unchanged": bool(result.unchanged),
        "path": dg.MetadataValue.path(str(result.path)),
        "methodology_version": provenance["methodology_version"],
        "methodology_sha256": provenance["methodology_sha256"],
        "checks_passed": sum(o["status"] == "passed" for o in outcomes),
    })
