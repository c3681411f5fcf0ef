"""Indicators, the composite index and the wave-over-wave change: thin calls into the core."""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from lei_pipeline.defs.checks import check_specs, failures_result
from lei_pipeline.defs.metadata import frame_metadata, model_descriptions, model_schema
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.methodology import compose_index, score_indicators
from lei_pipeline.settings import Settings
from lei_pipeline.waves import declared_waves
from lei_pipeline.previous import previous_scores
from lei_pipeline.publish.quality_report import report_dir, suite_failures
from lei_pipeline.quality import quality_report
from lei_pipeline.schemas import Change, Indicators, Scores, validate_table
from lei_pipeline.waves import wave_change as wave_change_core


def reference_dates(settings: Settings) -> dict:
    """Each declared wave's reference date (data/waves.yaml): the date its answers describe."""
    return {w.id: w.reference_date for w in declared_waves(settings) if w.reference_date}


def _methodology_metadata(m) -> dict:
    return {"methodology_version": str(m.version), "methodology_sha256": str(m.sha256)}


@dg.asset(
    partitions_def=wave_partitions, group_name="index", deps=["methodology"],
    check_specs=check_specs("indicators"),
    metadata={"dagster/column_schema": model_schema(Indicators)}, kinds={"pandas"},
    description="Per local government and indicator (criterion): the score 0..100 and its scoring trace "
                "(which answers gave which value), by the rules of the methodology.",
)
def indicators(clean_responses: pd.DataFrame, survey_inputs: SurveyInputs):
    inputs = survey_inputs.get()
    frame = score_indicators(clean_responses, inputs.questionnaire, inputs.methodology, registry=inputs.registry,
                             reference_dates=reference_dates(Settings.from_env(data_dir=survey_inputs.data_dir)))
    yield dg.Output(frame, metadata={**frame_metadata(frame, model_descriptions(Indicators), score_columns=["value"]),
                                     **_methodology_metadata(inputs.methodology)})
    yield failures_result("indicators", "indicators_schema", validate_table(Indicators, frame))


@dg.asset(
    partitions_def=wave_partitions, group_name="index", kinds={"pandas"},
    check_specs=check_specs("composite_index"),
    metadata={"dagster/column_schema": model_schema(Scores)},
    description="The Local eGovernance Index: component and pillar scores (share of criteria fulfilled), "
                "the LEI score, ranks overall and within type (city / municipality / city municipality), "
                "and the development category.",
)
def composite_index(indicators: pd.DataFrame, survey_inputs: SurveyInputs):
    inputs = survey_inputs.get()
    m = inputs.methodology
    frame = compose_index(indicators, inputs.registry, m)
    meta = {**frame_metadata(frame, model_descriptions(Scores), score_columns=m.component_codes + m.pillar_codes + ["lei"]),
            **_methodology_metadata(m)}
    if len(frame):
        top = frame.dropna(subset=["rank"]).nsmallest(5, "rank")[["rank", "unit_name", "lei", "category"]]
        meta["top_five"] = dg.MetadataValue.md(top.to_markdown(index=False))
        meta["categories"] = dg.MetadataValue.json({str(k): int(v) for k, v in frame["category"].value_counts().items()})
        meta["ranked"] = int(frame["ranked"].sum()) if "ranked" in frame else len(frame)
    yield dg.Output(frame, metadata=meta)
    yield failures_result("composite_index", "scores_schema", validate_table(Scores, frame))


@dg.asset(
    partitions_def=wave_partitions, group_name="index", kinds={"pandas"},
    check_specs=check_specs("wave_change"),
    metadata={"dagster/column_schema": model_schema(Change)},
    description="Score and rank change against the previous published wave, for every local government "
                "that answered both (rank_change > 0: moved up).",
)
def wave_change(context: AssetExecutionContext, clean_responses: pd.DataFrame, indicators: pd.DataFrame,
                composite_index: pd.DataFrame, lei: LeiSettings, survey_inputs: SurveyInputs):
    wave = context.partition_key
    settings, m = lei.settings(), survey_inputs.get().methodology
    prev_wave, prev_version, prev = previous_scores(settings, wave)
    frame = wave_change_core(composite_index, prev, prev_wave)
    meta = {**frame_metadata(frame, model_descriptions(Change), score_columns=["lei_change"]),
            **_methodology_metadata(m)}
    meta["previous_wave"] = str(prev_wave) if prev_wave else "(none published)"
    meta["previous_version"] = str(prev_version) if prev_version else ""
    yield dg.Output(frame, metadata=meta)
    yield failures_result("wave_change", "change_schema", validate_table(Change, frame))
    # The last table before publishing: the suites see exactly the four tables the snapshot will
    # hold, and published_snapshot takes this report instead of running them again.
    report = quality_report(report_dir(settings, wave, context.run_id), {
        "responses": clean_responses, "indicators": indicators, "scores": composite_index, "change": frame}, m)
    yield failures_result("wave_change", "quality_suites", suite_failures(report.suites),
                          extra={"data_docs": dg.MetadataValue.path(str(report.docs / "index.html"))})
