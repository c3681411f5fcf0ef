"""How sure each rank is: the wave's uncertainty and sensitivity analysis, a thin call into
lei_pipeline.uncertainty. Its three tables go into the snapshot."""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from lei_pipeline.waves import score_ahead
from lei_pipeline.defs.checks import check_specs, failures_result
from lei_pipeline.defs.metadata import json_safe, markdown_table, model_schema
from lei_pipeline.defs.partitions import wave_partitions
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.methodology import IndicatorMatrix
from lei_pipeline.schemas import UnitUncertainty, step_checks
from lei_pipeline.uncertainty import analyse_wave, border_crossers, load_spec
from lei_pipeline.waves.declared import reference_dates

WIDEST = 10


def _widest(table: pd.DataFrame) -> pd.DataFrame:
    t = table.assign(rank_band=table["rank_q95"] - table["rank_q05"])
    t = t.sort_values(["rank_band", "unit_code"], ascending=[False, True]).head(WIDEST)
    return t[["unit_name", "nominal_rank", "rank_q05", "rank_q95", "rank_band", "score_q05", "score_q95"]]


def _outside_band(table: pd.DataFrame) -> pd.DataFrame:
    r = table["nominal_rank"]
    out = r.notna() & table["rank_q05"].notna() & ((r < table["rank_q05"]) | (r > table["rank_q95"]))
    return table.loc[out, ["unit_code", "unit_name", "nominal_rank", "rank_q05", "rank_q95"]]


def _nominal_mismatch(table: pd.DataFrame, scores: pd.DataFrame, column: str, published: str) -> pd.DataFrame:
    """Units whose nominal score (or rank) differs from the published index's: the analysis must
    start from exactly the scores it qualifies."""
    if published not in scores.columns:
        return pd.DataFrame([{"unit_code": None, "column": published, "check": "present in composite_index",
                              "reason": f"composite_index has no column {published!r} to compare {column} with"}])
    pub = scores.set_index("unit_code")[published]
    t = table.set_index("unit_code")
    mine = t[column].to_numpy(dtype=float)
    theirs = pub.reindex(t.index).to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isclose(mine, theirs, rtol=0, atol=1e-9, equal_nan=True)
    return pd.DataFrame([{"unit_code": u, "column": column, "check": f"equals composite_index.{published}",
                          "failure_case": None if np.isnan(x) else float(x),
                          "reason": f"the analysis has {x}, the published index {y}"}
                         for u, x, y in zip(t.index[bad], mine[bad], theirs[bad])])


@dg.asset(
    partitions_def=wave_partitions, group_name="index", kinds={"pandas"},
    check_specs=check_specs("wave_uncertainty"),
    metadata={"dagster/column_schema": model_schema(UnitUncertainty)},
    description="How sure each rank is: replications of the index under the methodology's uncertainty spec "
                "(data/methodology/<methodology>-uncertainty.yaml: weights, mean, who is ranked, how answers "
                "are read). Per unit: rank band and score interval, category probabilities; per uncertain input: "
                "Sobol indices; the sampled parameters of every replication. Seeded.",
)
def wave_uncertainty(context: AssetExecutionContext, clean_responses: pd.DataFrame, indicators: IndicatorMatrix,
                     composite_index: pd.DataFrame, survey_inputs: SurveyInputs, lei: LeiSettings):
    settings, inputs = lei.settings(), survey_inputs.get()
    m = inputs.methodology
    spec, _, spec_file = load_spec(m.path)
    # `lei run` may have had the worker analyse this wave already (waves/score_ahead.py)
    ahead = score_ahead.analysed(settings, inputs, context.partition_key, clean_responses, indicators,
                                 composite_index)
    if ahead is not None:
        result = ahead.value
    else:
        result = analyse_wave(context.partition_key, clean_responses, indicators, composite_index,
                              inputs.questionnaire, m, spec,
                              score_kwargs=dict(registry=inputs.registry, reference_dates=reference_dates(settings)))
    tables = result.tables()
    unit = tables["uncertainty"]
    sens = tables["sensitivity"]
    crossers = border_crossers(unit)
    meta = {
        "dagster/row_count": dg.MetadataValue.int(len(unit)),
        "seed": dg.MetadataValue.int(result.seed),
        "replications": dg.MetadataValue.int(result.spec.replications),
        "spec": dg.MetadataValue.text(spec_file.name),
        "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        "computed_ahead": ahead is not None,   # in `lei run`'s worker, during the wave before (waves/score_ahead.py)
        "widest_rank_bands": dg.MetadataValue.md(markdown_table(_widest(unit)) if len(unit) else "(empty)"),
        "crossing_category_border": dg.MetadataValue.int(len(crossers)),
        "sobol_indices": dg.MetadataValue.md(markdown_table(sens.drop(columns=["wave", "output"]).round(3))
                                             if len(sens) else "(no uncertain input)"),
        "median_rank_band": dg.MetadataValue.float(float((unit["rank_q95"] - unit["rank_q05"]).median())
                                                   if len(unit) else 0.0),
    }
    yield dg.Output(tables, metadata=meta)
    yield failures_result("wave_uncertainty", "uncertainty_schema",
                          score_ahead.failures(ahead, step_checks.uncertainty_schema, tables))
    yield failures_result("wave_uncertainty", "nominal_matches_index",
                          _nominal_mismatch(unit, composite_index, "nominal_score", m.index_code))
    # Ranks come from the methodology's ranking rule (lei_pipeline.uncertainty.nominal_rules); a
    # rule the analysis does not know yet shows here as a warning, without holding the wave back.
    ranks = _nominal_mismatch(unit, composite_index, "nominal_rank", "rank")
    yield dg.AssetCheckResult(asset_key="wave_uncertainty", check_name="nominal_ranks_match", passed=ranks.empty,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"differing": dg.MetadataValue.int(len(ranks)),
                                        "units": dg.MetadataValue.json(json_safe(ranks.head(25)))})
    outside = _outside_band(unit)
    yield dg.AssetCheckResult(
        asset_key="wave_uncertainty", check_name="nominal_rank_in_band", passed=outside.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"outside": dg.MetadataValue.int(len(outside)),
                  "units": dg.MetadataValue.json(json_safe(outside.head(25)))})
