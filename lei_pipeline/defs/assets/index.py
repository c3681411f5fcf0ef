"""Indicators, the composite index and the wave-over-wave change: thin calls into the core."""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from lei_pipeline.waves import score_ahead
from lei_pipeline.defs.checks import check_specs, failures_result
from lei_pipeline.defs.metadata import (
    frame_metadata, indicator_matrix_metadata, markdown_table, model_descriptions, model_schema, table_descriptions,
)
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.methodology import IndicatorMatrix, compose_index, score_matrix
from lei_pipeline.methodology.versions import check_methodology_version
from lei_pipeline.change.compare import empty_change
from lei_pipeline.change.previous import compare_with_previous, previous_wave
from lei_pipeline.publish.quality_gate import start_indicators_suite, start_quality_report
from lei_pipeline.publish.quality_report import report_dir
from lei_pipeline.waves.declared import reference_dates
from lei_pipeline.schemas import Change, Indicators, Scores, step_checks


def _methodology_metadata(m) -> dict:
    return {"methodology_version": str(m.version), "methodology_sha256": str(m.sha256)}


@dg.asset(
    partitions_def=wave_partitions, group_name="index", deps=["methodology"],
    check_specs=check_specs("indicators"),
    metadata={"dagster/column_schema": model_schema(Indicators)}, kinds={"pandas"},
    description="Per local government and indicator (criterion): the score 0..100 and its scoring trace "
                "(which answers gave which value), by the rules of the methodology.",
)
def indicators(context: AssetExecutionContext, clean_responses: pd.DataFrame, survey_inputs: SurveyInputs,
               lei: LeiSettings):
    inputs = survey_inputs.get()
    settings = lei.settings()
    check_methodology_version(settings, inputs.methodology)   # never score under a reused version
    # handed on wide: the long table (a row per unit and indicator) is made only where it is published
    ahead = score_ahead.indicators(settings, inputs, context.partition_key, clean_responses)
    if ahead is not None:
        matrix = ahead.value
    else:
        matrix = score_matrix(clean_responses, inputs.questionnaire, inputs.methodology, registry=inputs.registry,
                              reference_dates=reference_dates(settings))
    # under `lei run` its quality suite starts now in the worker, beside the steps up to wave_change
    start_indicators_suite(report_dir(settings, context.partition_key, context.run_id), clean_responses, matrix)
    yield dg.Output(matrix, metadata={**indicator_matrix_metadata(matrix, model_descriptions(Indicators)),
                                      **_methodology_metadata(inputs.methodology), "computed_ahead": ahead is not None})
    yield failures_result("indicators", "indicators_schema",
                          score_ahead.failures(ahead, step_checks.indicators_schema, matrix, inputs.methodology))


@dg.asset(
    partitions_def=wave_partitions, group_name="index", kinds={"pandas"},
    check_specs=check_specs("composite_index"),
    metadata={"dagster/column_schema": model_schema(Scores)},
    description="The Local eGovernance Index: component and pillar scores (share of criteria fulfilled), "
                "the LEI score, ranks overall and within type (city / municipality / city municipality), "
                "and the development category.",
)
def composite_index(context: AssetExecutionContext, indicators: IndicatorMatrix, survey_inputs: SurveyInputs,
                    lei: LeiSettings):
    inputs = survey_inputs.get()
    m = inputs.methodology
    ahead = score_ahead.composed(lei.settings(), inputs, context.partition_key, indicators)
    frame = ahead.value if ahead is not None else compose_index(indicators, inputs.registry, m)
    # component and pillar columns described too (the methodology's names in the contract's words)
    meta = {**frame_metadata(frame, table_descriptions("scores", frame, m),
                             score_columns=m.component_codes + m.pillar_codes + ["lei"]),
            **_methodology_metadata(m), "computed_ahead": ahead is not None}
    if len(frame):
        top = frame.dropna(subset=["rank"]).nsmallest(5, "rank")[["rank", "unit_name", "lei", "category"]]
        meta["top_five"] = dg.MetadataValue.md(markdown_table(top))
        meta["categories"] = dg.MetadataValue.json({str(k): int(v) for k, v in frame["category"].value_counts().items()})
        meta["ranked"] = int(frame["ranked"].sum()) if "ranked" in frame else len(frame)
    yield dg.Output(frame, metadata=meta)
    yield failures_result("composite_index", "scores_schema", score_ahead.failures(ahead, step_checks.scores_schema, frame))


@dg.asset(
    partitions_def=wave_partitions, group_name="index", kinds={"pandas"},
    check_specs=check_specs("wave_change"),
    metadata={"dagster/column_schema": model_schema(Change)},
    description="LEI, pillar, component and rank change against the previous declared wave's latest "
                "snapshot, for every local government that answered both (rank_change > 0: moved up). "
                "Computed under one methodology (the previous wave re-scored if needed) and over the "
                "indicators both waves share.",
)
def wave_change(context: AssetExecutionContext, clean_responses: pd.DataFrame, indicators: IndicatorMatrix,
                composite_index: pd.DataFrame, lei: LeiSettings, survey_inputs: SurveyInputs):
    wave = context.partition_key
    settings, inputs = lei.settings(), survey_inputs.get()
    m = inputs.methodology
    prev = previous_wave(settings, wave)
    ahead = None
    if prev.blocked:
        frame, about = empty_change(m), {"previous_wave": prev.wave or "(unknown)", "blocked": prev.blocked}
    else:
        # `lei run` may have had the worker compare it with this same snapshot already (waves/score_ahead.py)
        ahead = score_ahead.compared(settings, inputs, wave, prev, indicators, composite_index)
        comparison = ahead.value if ahead is not None else compare_with_previous(
            settings, wave, prev, indicators, composite_index, m, inputs.questionnaire, inputs.registry)
        frame, about = comparison.frame, comparison.metadata()
    # The last of the four tables the quality suites read: under `lei run` they start now in the
    # worker process, beside the uncertainty analysis this process runs next, and the quality
    # check takes their report (without a worker this does nothing and the check runs them).
    start_quality_report(report_dir(settings, wave, context.run_id), m, clean_responses, indicators, composite_index,
                         frame)
    meta = {**frame_metadata(frame, table_descriptions("change", frame, m), score_columns=["lei_change"]),
            **_methodology_metadata(m)}
    meta.update({f"change/{k}": (dg.MetadataValue.json(v) if isinstance(v, list) else
                                 dg.MetadataValue.text("" if v is None else str(v))) for k, v in about.items()})
    meta["previous_wave"] = str(prev.wave) if prev.wave else "(none published)"
    meta["previous_version"] = str(prev.version) if prev.version else ""
    meta["computed_ahead"] = ahead is not None
    yield dg.Output(frame, metadata=meta)
    yield dg.AssetCheckResult(asset_key="wave_change", check_name="previous_wave_ready", passed=not prev.blocked,
                              metadata={"first_error": dg.MetadataValue.text(prev.blocked or ""),
                                        "previous_wave": dg.MetadataValue.text(str(prev.wave or ""))})
    yield failures_result("wave_change", "change_schema", score_ahead.failures(ahead, step_checks.change_schema, frame))
