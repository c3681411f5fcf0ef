"""Raw and clean responses: one survey wave's export, read, registry-matched, de-duplicated, typed."""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from lei_pipeline.waves import read_ahead, score_ahead
from lei_pipeline.defs.checks import check_specs, failures_result, problems_result
from lei_pipeline.defs.metadata import frame_metadata, model_descriptions, model_schema, json_safe, table_descriptions
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.errors import LeiError
from lei_pipeline.problems import ExportError, Problem
from lei_pipeline.schemas import CleanResponses, RawResponses, step_checks
from lei_pipeline.survey.clean import clean_responses as clean_core
from lei_pipeline.survey.readers import RawExport, read_export
from lei_pipeline.survey.readers.reading import load_reading
from lei_pipeline.files import file_sha256
from lei_pipeline.waves.declared import find_export


@dg.asset(
    partitions_def=wave_partitions, group_name="survey", deps=["questionnaire"],
    check_specs=check_specs("raw_responses"),
    metadata={"dagster/column_schema": model_schema(RawResponses)}, kinds={"pandas"},
    description="The wave's export as read: one row per submission, raw text answers, with the source "
                "file and spreadsheet row of every submission. Format detected (LimeSurvey CSV, XLSX "
                "with question texts, Excel CSV).",
)
def raw_responses(context: AssetExecutionContext, lei: LeiSettings, survey_inputs: SurveyInputs):
    wave = context.partition_key
    settings, inputs = lei.settings(), survey_inputs.get()
    extra: dict = {"wave": wave}
    ahead = None
    try:
        path = find_export(settings, wave)
        sha256, options = file_sha256(path), load_reading(path.parent).as_kwargs()
        extra.update(export_file=dg.MetadataValue.path(str(path)), export_sha256=sha256)
        # `lei run` may have had the worker read it during the previous wave (waves/read_ahead.py)
        ahead = read_ahead.take(path, sha256, inputs.questionnaire, wave, options)
        raw = ahead.value if ahead is not None else read_export(path, inputs.questionnaire, wave=wave, **options)
        problems = list(raw.problems)
        extra["format"] = raw.fmt
    except ExportError as e:
        # An unreadable export still materialises (empty) so the failed check carries the reason.
        raw, problems = RawExport(frame=pd.DataFrame()), [e.problem]
    except LeiError as e:
        raw, problems = RawExport(frame=pd.DataFrame()), [Problem(str(settings.raw_dir / wave), None, None, None, str(e),
                                                                  kind="file")]
    frame = raw.frame
    # the export as read travels on with its header texts (the IO manager keeps them typed)
    # answer columns described with their question (the UI shows what each coded column asks)
    descriptions = {**model_descriptions(RawResponses),
                    **{c: d for c, d in table_descriptions("responses", frame, None, inputs.questionnaire).items() if d}}
    yield dg.Output(raw, metadata={**frame_metadata(frame, descriptions), **extra,
                                     **_versions(inputs)})
    yield problems_result("raw_responses", "export_readable", problems)
    yield failures_result("raw_responses", "raw_schema", score_ahead.failures(ahead, step_checks.raw_schema, frame))


def _versions(inputs) -> dict:
    # Every materialisation says which methodology and questionnaire it was read and scored against.
    return {"methodology_version": str(inputs.methodology.version), "methodology_sha256": str(inputs.methodology.sha256),
            "questionnaire_version": str(inputs.questionnaire.version)}


@dg.asset(
    partitions_def=wave_partitions, group_name="survey", deps=["registry"],
    check_specs=check_specs("clean_responses"),
    metadata={"dagster/column_schema": model_schema(CleanResponses)}, kinds={"pandas"},
    description="One row per (wave, local government): names matched to registry codes, duplicate "
                "submissions resolved (the later complete one wins), answers typed to the questionnaire, "
                "out-of-range values quarantined.",
)
def clean_responses(context: AssetExecutionContext, raw_responses: RawExport, survey_inputs: SurveyInputs,
                    lei: LeiSettings):
    wave = context.partition_key
    settings, inputs = lei.settings(), survey_inputs.get()
    # `lei run` may have had the worker clean this export already (waves/score_ahead.py)
    ahead = score_ahead.cleaned(settings, inputs, wave, raw_responses)
    if ahead is not None:
        result = ahead.value
    else:
        result = clean_core(raw_responses.frame, inputs.questionnaire, inputs.registry, wave, matcher=inputs.matcher,
                            headers=raw_responses.headers)
    frame = result.frame
    by_kind: dict[str, list[Problem]] = {"match": [], "duplicate": [], "other": []}
    for p in result.problems:
        by_kind.get(p.kind, by_kind["other"]).append(p)
    meta = {**frame_metadata(frame, table_descriptions("responses", frame, inputs.methodology, inputs.questionnaire)),
            **_versions(inputs)}
    meta["units"] = dg.MetadataValue.int(frame["unit_code"].nunique() if "unit_code" in frame else 0)
    meta["computed_ahead"] = ahead is not None
    yield dg.Output(frame, metadata=meta)
    yield problems_result("clean_responses", "units_matched", by_kind["match"])
    yield problems_result("clean_responses", "answers_valid", by_kind["other"])
    decisions = result.decisions if result.decisions is not None else pd.DataFrame()
    yield problems_result(
        "clean_responses", "duplicates_resolved", by_kind["duplicate"], passes_on_errors=True,
        extra={"decisions": dg.MetadataValue.json(json_safe(decisions)), "duplicates": len(decisions)},
    )
    yield failures_result("clean_responses", "clean_schema", score_ahead.failures(ahead, step_checks.clean_schema, frame))
