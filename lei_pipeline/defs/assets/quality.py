"""The Great Expectations suites as a step of their own: a blocking check on wave_change that
reads the four tables the snapshot will hold. It needs nothing the uncertainty analysis makes,
so an executor that runs steps in parallel runs both at once; published_snapshot, downstream of
wave_change, waits for it (blocking) and takes its report instead of running the suites again.
`lei run`'s in-process executor runs one step at a time: there wave_change's step starts the
suites in the worker process (start_quality_report) and this step takes their report."""

import warnings

import dagster as dg
from dagster import AssetCheckExecutionContext
import pandas as pd

from lei_pipeline.defs.checks import SPECS, failures_result
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.methodology import IndicatorMatrix
from lei_pipeline.publish.quality_report import report_dir, suite_failures
from lei_pipeline.publish.quality_gate import quality_report

_NAME, _BLOCKING, _DESCRIPTION = next(s for s in SPECS["wave_change"] if s[0] == "quality_suites")


def _quality_suites(context: AssetCheckExecutionContext, wave_change: pd.DataFrame, clean_responses: pd.DataFrame,
                   indicators: IndicatorMatrix, composite_index: pd.DataFrame, lei: LeiSettings,
                   survey_inputs: SurveyInputs) -> dg.AssetCheckResult:
    settings, m = lei.settings(), survey_inputs.get().methodology
    op = context.op_execution_context
    # in `lei run` the suites were started by wave_change's step: this takes their report
    report = quality_report(report_dir(settings, op.partition_key, op.run_id), m,
                            clean_responses, indicators, composite_index, wave_change)
    docs = report.docs / "index.html"   # built when a suite failed (the folder then stays)
    extra = {"suites_seconds": dg.MetadataValue.float(report.seconds)}   # in `lei run`, partly beside the analysis
    if report.ahead:   # `lei run`: the indicators suite, started by the indicators step (not in suites_seconds)
        extra["suite_ahead"] = dg.MetadataValue.json(report.ahead)
    if docs.is_file():
        extra["data_docs"] = dg.MetadataValue.path(str(docs))
    return failures_result("wave_change", _NAME, suite_failures(report.suites), extra=extra)


# partitions_def on a check is a preview in Dagster 1.13 (it warns); without it the check would
# load every wave's tables instead of its own.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    quality_suites = dg.asset_check(
        asset="wave_change", name=_NAME, blocking=_BLOCKING, description=_DESCRIPTION, partitions_def=wave_partitions,
        additional_ins={name: dg.AssetIn(name) for name in ("clean_responses", "indicators", "composite_index")},
    )(_quality_suites)
