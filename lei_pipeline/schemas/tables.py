"""The contracts of the pipeline's tables (lei_pipeline.schemas.contract): columns, types,
descriptions and rules once; the pandera models below are derived from them. Question columns are
questionnaire-defined, so the response contracts are not strict; component/pillar score columns
are methodology-defined, so Scores checks every extra numeric column against 0..100 instead of
naming them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.schemas.contract import Column, Rule, TableContract
from lei_pipeline.vocabulary import INDICATOR_STATUSES, TYPE_GROUPS, UNIT_TYPES, WAVE_NAME

WAVE = f"^{WAVE_NAME}$"


def wave_column(description: str = "Survey wave (year)", name: str = "wave") -> Column:
    return Column(name, "str", description, pattern=WAVE)


UNIT_CODE = "Registry code of the local government"
UNIT_NAME = "Registry name of the local government (Serbian Latin)"
UNIT_TYPE = Column("unit_type", "str", "capital_city, city, municipality or city_municipality", isin=UNIT_TYPES)

RAW_RESPONSES = TableContract(
    name="raw_responses", model_name="RawResponses",
    description="One row per response as exported; question columns hold raw text",
    unique=("source_file", "source_row"),
    columns=(
        Column("source_file", "str", "Export file the row was read from"),
        Column("source_row", "int", "Row number a spreadsheet shows for the response (header = 1)", ge=2),
        Column("respondent_name", "str", "Local government name as typed in the export (JLS)", nullable=True),
        Column("respondent_code", "str", "Statistical code given in the export (JLS_CODE), if any", nullable=True),
        Column("submitted_at", "datetime", "Submit time; missing for incomplete responses and for LimeSurvey's "
                                           "1980-01-01 placeholder", nullable=True),
        Column("last_page", "Int64", "Last survey page the respondent reached", nullable=True, ge=0),
        Column("complete", "bool", "True when the response was submitted (submitdate present)"),
    ),
)

CLEAN_RESPONSES = TableContract(
    name="clean_responses", model_name="CleanResponses",
    description="One typed row per (wave, unit): question columns typed by the questionnaire",
    unique=("wave", "unit_code"),
    columns=(
        wave_column(),
        Column("unit_code", "str", f"{UNIT_CODE} (statistical code or X-<NAME>)"),
        Column("unit_name", "str", UNIT_NAME),
        UNIT_TYPE,
        Column("source_file", "str", "Export file the kept response came from"),
        Column("source_row", "int", "Spreadsheet row of the kept response in source_file", ge=2),
        Column("submitted_at", "datetime", "Submit time of the kept response", nullable=True),
        Column("complete", "bool", "True when the kept response was submitted (not a saved, unfinished one)",
               required=False),
    ),
    notes={"last_page": "Last survey page the respondent reached (LimeSurvey lastpage): a question on a later "
                        "page reads as not reached"},
)

INDICATORS = TableContract(
    name="indicators", model_name="Indicators", strict=True,
    description="Long table: one indicator score per (wave, unit, indicator)",
    unique=("wave", "unit_code", "indicator"),
    columns=(
        wave_column(),
        Column("unit_code", "str", UNIT_CODE),
        Column("indicator", "str", "Indicator code of the methodology"),
        Column("component", "str", "Component the indicator belongs to"),
        Column("value", "float", "Indicator score 0..100; missing when the answers do not allow a score",
               ge=0, le=100, nullable=True),
        Column("status", "str", "How the answer was read: answered, dont_know, blank, not_applicable, invalid "
                                "(counted in coverage), or missing by design: not_reached (counted), not_shown, "
                                "not_asked, not_in_force, no_population", isin=INDICATOR_STATUSES),
        Column("trace", "str", "Which answers gave which value", nullable=True),
    ),
)

SCORE_FIXED = ["wave", "unit_code", "unit_name", "unit_type", "type_group", "lei", "rank", "rank_in_type", "category",
               "category_en", "ranked", "rank_reason", "rank_score"]


def rank_only_when_ranked(df: pd.DataFrame) -> pd.Series:
    ranked = df["ranked"].astype(bool)
    return (df["rank"].notna() == ranked) & (df["rank_reason"].isna() == ranked) & (ranked | df["category"].isna())


def _within(column: pd.Series, low: float, high: float) -> np.ndarray:
    """Missing, or low <= value <= high. One mask per column, put together once: a frame built
    column by column cost more than the check (0.04 s per change table)."""
    v = column.to_numpy(dtype="float64", na_value=np.nan)
    return np.isnan(v) | ((v >= low) & (v <= high))


def extra_scores_in_range(df: pd.DataFrame) -> pd.DataFrame:
    ok = np.ones(df.shape, dtype=bool)
    for j, c in enumerate(df.columns):
        s = df[c]
        if c in SCORE_FIXED or str(c).startswith("rank") or not pd.api.types.is_numeric_dtype(s) \
                or pd.api.types.is_bool_dtype(s):
            continue
        ok[:, j] = _within(s, 0, 100)
    return pd.DataFrame(ok, index=df.index, columns=df.columns)


SCORES = TableContract(
    name="scores", model_name="Scores",
    description=("One row per (wave, unit): component and pillar scores (0..100), LEI, ranks, category, "
                 "ranking eligibility (ranked, rank_reason) and coverage_<component> (share 0..1 of the "
                 "component's applicable weight answered)"),
    columns=(
        wave_column(),
        Column("unit_code", "str", UNIT_CODE, unique=True),
        Column("unit_name", "str", UNIT_NAME),
        UNIT_TYPE,
        Column("lei", "float", "Local eGovernance Index score 0..100", ge=0, le=100, nullable=True),
        Column("rank", "Int64", "Overall rank, 1 = best; ties share the lowest rank", ge=1, nullable=True),
        Column("type_group", "str", "Peers for rank_in_type: the capital ranks with the cities", isin=TYPE_GROUPS),
        Column("rank_in_type", "Int64", "Rank among units of the same type_group", ge=1, nullable=True),
        Column("category", "str", "Development category (Serbian) of the rounded lei; missing when not ranked",
               nullable=True),
        Column("category_en", "str", "Performance category label (English)", nullable=True, required=False),
        Column("ranked", "bool", "Eligible for a rank by the methodology's coverage rule (ranking.eligibility)"),
        Column("rank_reason", "str", "Why the unit has no rank (which component's coverage fell short); missing "
                                     "when ranked", nullable=True),
        Column("rank_score", "float", "The lei as ranked: rounded to the methodology's published precision; "
                                      "missing when not ranked", ge=0, le=100, nullable=True),
    ),
    rules=(
        Rule("rank_only_when_ranked", "a unit has a rank and a category exactly when it is ranked; an unranked "
                                      "one says why", rank_only_when_ranked),
        Rule("extra_scores_in_range", "component and pillar score columns (and coverage_<component> shares 0..1) "
                                      "lie in 0..100", extra_scores_in_range),
    ),
)

# Score columns the methodology defines (one per component and pillar): the contract words them
# here, lei_pipeline.schemas.describe fills in the methodology's names.
COMPONENT_COLUMN = "Component score 0..100: {en} ({sr_latn}); weighted mean of its indicators (criteria)"
PILLAR_COLUMN = "Pillar score 0..100: {en} ({sr_latn}); weighted mean of its components"
COVERAGE_COLUMN = ("Share (0..1) of the {en} component's weight the unit answered; criteria missing by design "
                   "do not count (ranking eligibility)")
PREVIOUS_COLUMN = "{en} score (0-100) in the previous wave, under the same methodology and over the indicators both waves share"
CHANGE_COLUMN = "{en}: this wave's score minus the previous wave's, in points"
QUESTION_COLUMN = "Answer to question {code}: {en}"
SUBQUESTION_COLUMN = "Question {code}, option {sub}: {en} - {sub_en} (True = ticked)"


def previous_is_another_wave(df: pd.DataFrame) -> pd.Series:
    return df["previous_wave"] != df["wave"]


def change_scores_in_range(df: pd.DataFrame) -> pd.DataFrame:
    ok = np.ones(df.shape, dtype=bool)
    for j, c in enumerate(df.columns):
        if c.startswith("rank") or c == "indicators_compared" or not pd.api.types.is_float_dtype(df[c]):
            continue
        low = -100 if c.endswith("_change") else 0
        ok[:, j] = _within(df[c], low, 100)
    return pd.DataFrame(ok, index=df.index, columns=df.columns)


# Built by lei_pipeline.change.compare. Besides these columns, every pillar and component P has
# P, P_previous and P_change (checked by scores_in_range).
CHANGE = TableContract(
    name="change", model_name="Change",
    description=("Change of LEI, pillars, components and rank between a wave and the previous declared wave, "
                 "per unit, under one methodology and over the indicators both waves share"),
    columns=(
        wave_column(),
        wave_column("Wave compared against: the previous declared wave (data/waves.yaml)", "previous_wave"),
        Column("unit_code", "str", UNIT_CODE, unique=True),
        Column("unit_name", "str", UNIT_NAME),
        Column("lei", "float", "LEI in this wave, over the indicators both waves share", ge=0, le=100, nullable=True),
        Column("lei_previous", "float", "LEI in the previous wave, same methodology and indicators",
               ge=0, le=100, nullable=True),
        Column("lei_change", "float", "lei - lei_previous, in points", ge=-100, le=100, nullable=True),
        Column("rank", "Int64", "Overall rank in this wave (by lei above)", ge=1, nullable=True),
        Column("rank_previous", "Int64", "Overall rank in the previous wave (by lei_previous)", ge=1, nullable=True),
        Column("rank_change", "Int64", "rank_previous - rank: positive = moved up", nullable=True),
        Column("methodology_version", "str", "Methodology version both sides are scored under"),
        Column("previous_methodology_version", "str",
               "Methodology version the previous wave was published under (re-scored if it differs)"),
        Column("indicators_compared", "Int64", "Number of indicators both waves share", ge=0),
        Column("comparable", "bool", "False: the previous wave could not be scored under this methodology; "
                                     "previous values and changes are left empty"),
    ),
    rules=(
        Rule("previous_is_another_wave", "previous_wave is another wave (its order is data/waves.yaml's, checked "
                                         "upstream)", previous_is_another_wave),
        Rule("scores_in_range", "scores and previous scores in 0..100, changes in -100..100", change_scores_in_range),
    ),
)

# lei_pipeline.methodology.weights.effective_weights: one row per indicator of the methodology.
WEIGHTS = TableContract(
    name="weights", model_name="Weights", strict=True,
    description="Effective weight of each indicator in its component, pillar and the LEI",
    unique=("indicator",),
    columns=(
        Column("indicator", "str", "Indicator (criterion) code of the methodology", unique=True),
        Column("component", "str", "Component the indicator belongs to"),
        Column("pillar", "str", "Pillar the component belongs to"),
        Column("weight", "float", "Weight of the indicator in its component as written in the methodology", ge=0),
        Column("share_of_component", "float", "Effective weight of the indicator in its component (share, 0..1)",
               ge=0, le=1),
        Column("share_of_pillar", "float", "Effective weight of the indicator in its pillar (share, 0..1)",
               ge=0, le=1),
        Column("share_of_lei", "float", "Effective weight of the indicator in the LEI (share, 0..1): LEI points "
                                        "per indicator point", ge=0, le=1),
        Column("reading_dont_know", "str", "How the methodology reads a don't-know answer to this indicator"),
        Column("reading_blank", "str", "How the methodology reads a blank answer to this indicator"),
        Column("reading_na", "str", "How the methodology reads a not-applicable answer to this indicator"),
        Column("applies_from", "str", "Date from which the indicator applies ('None': always)"),
        Column("description_en", "str", "What the indicator measures (English)"),
        Column("methodology_version", "str", "Methodology version the weights are read from"),
    ),
)

RawResponses = RAW_RESPONSES.model
CleanResponses = CLEAN_RESPONSES.model
Indicators = INDICATORS.model
Scores = SCORES.model
Change = CHANGE.model
Weights = WEIGHTS.model
