"""pandera models of the uncertainty analysis tables of a wave (one contract per table).
Category probability columns (p_<category code>) and replication parameter columns depend on
the methodology and its uncertainty spec: they are checked by pattern, not named."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

WAVE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"


class UnitUncertainty(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=WAVE, description="Survey wave")
    unit_code: Series[str] = pa.Field(unique=True, description="Registry code of the local government")
    unit_name: Series[str] = pa.Field(nullable=True, description="Registry name of the local government")
    nominal_score: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="LEI as published (the nominal build)")
    nominal_rank: Series[float] = pa.Field(ge=1, nullable=True, description="Rank as published, 1 = best")
    median_rank: Series[float] = pa.Field(ge=1, nullable=True, description="Median rank over the replications")
    mean_rank: Series[float] = pa.Field(ge=1, nullable=True, description="Mean rank over the replications")
    rank_q05: Series[float] = pa.Field(ge=1, nullable=True, description="5th percentile rank (best end of the band)")
    rank_q95: Series[float] = pa.Field(ge=1, nullable=True, description="95th percentile rank (worst end of the band)")
    score_q05: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="5th percentile LEI over the replications")
    score_q95: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="95th percentile LEI over the replications")
    mean_abs_rank_shift: Series[float] = pa.Field(ge=0, nullable=True, description="Mean |rank - nominal rank| over the replications")
    nominal_category: Series[str] = pa.Field(nullable=True, description="Development category code of the nominal LEI")
    p: Series[float] = pa.Field(alias="^p_", regex=True, ge=0, le=1,
                                description="p_<category>: share of replications in that category; p_unranked: not ranked")
    crosses_category_border: Series[bool] = pa.Field(description="The 5-95 % score interval spans more than one category")

    class Config:
        strict = False
        coerce = True
        name = "uncertainty"
        description = "Per unit: how sure its rank and category are under the methodology's uncertainty spec"

    @pa.dataframe_check(description="rank_q05 <= median_rank <= rank_q95 and score_q05 <= score_q95")
    def bands_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        ok = (df["rank_q05"] <= df["median_rank"]) & (df["median_rank"] <= df["rank_q95"]) & (df["score_q05"] <= df["score_q95"])
        return ok | df[["rank_q05", "median_rank", "rank_q95", "score_q05", "score_q95"]].isna().any(axis=1)

    @pa.dataframe_check(description="category probabilities (with p_unranked) sum to 1")
    def probabilities_sum_to_one(cls, df: pd.DataFrame) -> Series[bool]:
        return (df.filter(regex="^p_").sum(axis=1) - 1).abs() < 1e-9


class Sensitivity(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=WAVE, description="Survey wave")
    input: Series[str] = pa.Field(unique=True, description="Uncertain input: weights[:levelN], reading:<aspect>, a method step, eligibility")
    S: Series[float] = pa.Field(nullable=True, description="First-order Sobol index (Saltelli 2010 estimator)")
    S_low: Series[float] = pa.Field(nullable=True, description="Lower bootstrap bound of S")
    S_high: Series[float] = pa.Field(nullable=True, description="Upper bootstrap bound of S")
    ST: Series[float] = pa.Field(nullable=True, description="Total Sobol index (Jansen 1999 estimator)")
    ST_low: Series[float] = pa.Field(nullable=True, description="Lower bootstrap bound of ST")
    ST_high: Series[float] = pa.Field(nullable=True, description="Upper bootstrap bound of ST")
    output: Series[str] = pa.Field(isin=["mean_abs_rank_shift"], description="The output the indices apportion")
    n: Series[int] = pa.Field(ge=2, description="Base sample size")
    runs: Series[int] = pa.Field(ge=2, description="Model runs: n x (inputs + 2)")

    class Config:
        strict = True
        coerce = True
        name = "sensitivity"
        description = "Per uncertain input: how much of the rank shifts' variance it explains"


class Replications(pa.DataFrameModel):
    wave: Series[str] = pa.Field(str_matches=WAVE, description="Survey wave")
    replication: Series[int] = pa.Field(ge=0, unique=True, description="Replication number, 0..N-1")
    seed: Series[int] = pa.Field(ge=0, description="Seed of the analysis (the same on every row)")
    weight: Series[float] = pa.Field(alias="^weight:", regex=True, gt=0, description="weight:<code>: multiplier of that weight")
    rank_shift: Series[float] = pa.Field(ge=0, nullable=True, description="Mean |rank - nominal rank| over units in this replication")

    class Config:
        strict = False
        coerce = True
        name = "replications"
        description = "The sampled parameters of every replication: weight multipliers and chosen options"

    @pa.dataframe_check(description="one seed per analysis")
    def one_seed(cls, df: pd.DataFrame) -> bool:
        return df["seed"].nunique() <= 1
