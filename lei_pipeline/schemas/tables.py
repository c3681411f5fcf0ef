"""pandera models of the pipeline's tables. Each Field's description documents the column (it
feeds Dagster's column schema). Question columns are questionnaire-defined, so the response
models are not strict; component/pillar score columns are methodology-defined, so Scores checks
every extra numeric column against 0..100 instead of naming them."""
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

UNIT_TYPES = ["capital_city", "city", "municipality", "city_municipality"]
# lei_pipeline.methodology.scoring.STATUSES (repeated: the contract must not import the scorer)
INDICATOR_STATUSES = ("answered", "dont_know", "blank", "not_applicable", "invalid", "not_reached", "not_shown",
                      "not_asked", "not_in_force", "no_population")


class RawResponses(pa.DataFrameModel):
    source_file: Series[str] = pa.Field(description="Export file the row was read from")
    source_row: Series[int] = pa.Field(ge=2, description="Row number a spreadsheet shows for the response (header = 1)")
    respondent_name: Series[str] = pa.Field(nullable=True, description="Local government name as typed in the export (JLS)")
    respondent_code: Series[str] = pa.Field(nullable=True, description="Statistical code given in the export (JLS_CODE), if any")
    submitted_at: Series[pd.Timestamp] = pa.Field(nullable=True, description="Submit time; missing for incomplete responses and for LimeSurvey's 1980-01-01 placeholder")
    last_page: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="Last survey page the respondent reached")
    complete: Series[bool] = pa.Field(description="True when the response was submitted (submitdate present)")

    class Config:
        strict = False
        coerce = True
        name = "raw_responses"
        description = "One row per response as exported; question columns hold raw text"
        unique = ["source_file", "source_row"]


class CleanResponses(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="Survey wave (year)")
    unit_code: Series[str] = pa.Field(description="Registry code of the local government (statistical code or X-<NAME>)")
    unit_name: Series[str] = pa.Field(description="Registry name of the local government (Serbian Latin)")
    unit_type: Series[str] = pa.Field(isin=UNIT_TYPES, description="capital_city, city, municipality or city_municipality")
    source_file: Series[str] = pa.Field(description="Export file the kept response came from")
    source_row: Series[int] = pa.Field(ge=2, description="Spreadsheet row of the kept response in source_file")
    submitted_at: Series[pd.Timestamp] = pa.Field(nullable=True, description="Submit time of the kept response")
    complete: Optional[Series[bool]] = pa.Field(description="True when the kept response was submitted (not a saved, unfinished one)")

    class Config:
        strict = False
        coerce = True
        name = "clean_responses"
        description = "One typed row per (wave, unit): question columns typed by the questionnaire"
        unique = ["wave", "unit_code"]


class Indicators(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="Survey wave (year)")
    unit_code: Series[str] = pa.Field(description="Registry code of the local government")
    indicator: Series[str] = pa.Field(description="Indicator code of the methodology")
    component: Series[str] = pa.Field(description="Component the indicator belongs to")
    value: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="Indicator score 0..100; missing when the answers do not allow a score")
    status: Series[str] = pa.Field(isin=list(INDICATOR_STATUSES), description="How the answer was read: answered, dont_know, blank, not_applicable, invalid (counted in coverage), or missing by design: not_reached (counted), not_shown, not_asked, not_in_force, no_population")
    trace: Series[str] = pa.Field(nullable=True, description="Which answers gave which value")

    class Config:
        strict = True
        coerce = True
        name = "indicators"
        description = "Long table: one indicator score per (wave, unit, indicator)"
        unique = ["wave", "unit_code", "indicator"]


SCORE_FIXED = ["wave", "unit_code", "unit_name", "unit_type", "type_group", "lei", "rank", "rank_in_type", "category",
               "category_en", "ranked", "rank_reason", "rank_score"]


class Scores(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="Survey wave (year)")
    unit_code: Series[str] = pa.Field(unique=True, description="Registry code of the local government")
    unit_name: Series[str] = pa.Field(description="Registry name of the local government (Serbian Latin)")
    unit_type: Series[str] = pa.Field(isin=UNIT_TYPES, description="capital_city, city, municipality or city_municipality")
    lei: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="Local eGovernance Index score 0..100")
    rank: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Overall rank, 1 = best; ties share the lowest rank")
    type_group: Series[str] = pa.Field(isin=["city", "municipality", "city_municipality"],
                                       description="Peers for rank_in_type: the capital ranks with the cities")
    rank_in_type: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Rank among units of the same type_group")
    category: Series[str] = pa.Field(nullable=True, description="Development category (Serbian) of the rounded lei; missing when not ranked")
    category_en: Optional[Series[str]] = pa.Field(nullable=True, description="Performance category label (English)")
    ranked: Series[bool] = pa.Field(description="Eligible for a rank by the methodology's coverage rule (ranking.eligibility)")
    rank_reason: Series[str] = pa.Field(nullable=True, description="Why the unit has no rank (which component's coverage fell short); missing when ranked")
    rank_score: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="The lei as ranked: rounded to the methodology's published precision; missing when not ranked")

    class Config:
        strict = False
        coerce = True
        name = "scores"
        description = ("One row per (wave, unit): component and pillar scores (0..100), LEI, ranks, category, "
                       "ranking eligibility (ranked, rank_reason) and coverage_<component> (share 0..1 of the "
                       "component's applicable weight answered)")

    @pa.dataframe_check(description="a unit has a rank and a category exactly when it is ranked; an unranked one says why")
    def rank_only_when_ranked(cls, df: pd.DataFrame) -> Series[bool]:
        ranked = df["ranked"].astype(bool)
        return (df["rank"].notna() == ranked) & (df["rank_reason"].isna() == ranked) & (ranked | df["category"].isna())

    @pa.dataframe_check(description="component and pillar score columns (and coverage_<component> shares 0..1) lie in 0..100")
    def extra_scores_in_range(cls, df: pd.DataFrame) -> pd.DataFrame:
        extra = [c for c in df.columns if c not in SCORE_FIXED and not str(c).startswith("rank")
                 and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        ok = pd.DataFrame(True, index=df.index, columns=df.columns)
        for c in extra:
            v = df[c].astype("float64")
            ok[c] = v.isna() | ((v >= 0) & (v <= 100))
        return ok


# Score columns the methodology defines (one per component and pillar): the contract words them
# here, lei_pipeline.schemas.describe fills in the methodology's names.
COMPONENT_COLUMN = "Component score 0..100: {en} ({sr_latn}); weighted mean of its indicators (criteria)"
PILLAR_COLUMN = "Pillar score 0..100: {en} ({sr_latn}); weighted mean of its components"
QUESTION_COLUMN = "Answer to question {code}: {en}"
SUBQUESTION_COLUMN = "Question {code}, option {sub}: {en} - {sub_en} (True = ticked)"


class Change(pa.DataFrameModel):
    """Built by lei_pipeline.change.compare. Besides these columns, every pillar and component P
    has P, P_previous and P_change (checked by scores_in_range)."""
    wave: Series[str] = pa.Field(str_matches=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", description="Survey wave (year)")
    previous_wave: Series[str] = pa.Field(str_matches=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$",
                                          description="Wave compared against: the previous declared wave (data/waves.yaml)")
    unit_code: Series[str] = pa.Field(unique=True, description="Registry code of the local government")
    unit_name: Series[str] = pa.Field(description="Registry name of the local government (Serbian Latin)")
    lei: Series[float] = pa.Field(ge=0, le=100, nullable=True,
                                  description="LEI in this wave, over the indicators both waves share")
    lei_previous: Series[float] = pa.Field(ge=0, le=100, nullable=True,
                                           description="LEI in the previous wave, same methodology and indicators")
    lei_change: Series[float] = pa.Field(ge=-100, le=100, nullable=True, description="lei - lei_previous, in points")
    rank: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Overall rank in this wave (by lei above)")
    rank_previous: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True, description="Overall rank in the previous wave (by lei_previous)")
    rank_change: Series[pd.Int64Dtype] = pa.Field(nullable=True, description="rank_previous - rank: positive = moved up")
    methodology_version: Series[str] = pa.Field(description="Methodology version both sides are scored under")
    previous_methodology_version: Series[str] = pa.Field(
        description="Methodology version the previous wave was published under (re-scored if it differs)")
    indicators_compared: Series[pd.Int64Dtype] = pa.Field(ge=0, description="Number of indicators both waves share")
    comparable: Series[bool] = pa.Field(description="False: the previous wave could not be scored under this "
                                                    "methodology; previous values and changes are left empty")

    class Config:
        strict = False
        coerce = True
        name = "change"
        description = ("Change of LEI, pillars, components and rank between a wave and the previous declared wave, "
                       "per unit, under one methodology and over the indicators both waves share")

    @pa.dataframe_check(description="previous_wave is another wave (its order is data/waves.yaml's, checked upstream)")
    def previous_is_another_wave(cls, df: pd.DataFrame) -> Series[bool]:
        return df["previous_wave"] != df["wave"]

    @pa.dataframe_check(description="scores and previous scores in 0..100, changes in -100..100")
    def scores_in_range(cls, df: pd.DataFrame) -> pd.DataFrame:
        ok = pd.DataFrame(True, index=df.index, columns=df.columns)
        for c in df.columns:
            if c.startswith("rank") or c == "indicators_compared" or not pd.api.types.is_float_dtype(df[c]):
                continue
            v = df[c].astype("float64")
            low = -100 if c.endswith("_change") else 0
            ok[c] = v.isna() | ((v >= low) & (v <= 100))
        return ok
