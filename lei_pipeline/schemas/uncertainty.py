"""Contracts of the uncertainty analysis tables of a wave (lei_pipeline.schemas.contract).
Category probability columns (p_<category code>) and replication parameter columns depend on
the methodology and its uncertainty spec: they are described and checked by pattern, not named."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.schemas.contract import Column, Rule, TableContract
from lei_pipeline.schemas.tables import wave_column


def bands_ordered(df: pd.DataFrame) -> pd.Series:
    ok = (df["rank_q05"] <= df["median_rank"]) & (df["median_rank"] <= df["rank_q95"]) & (df["score_q05"] <= df["score_q95"])
    return ok | df[["rank_q05", "median_rank", "rank_q95", "score_q05", "score_q95"]].isna().any(axis=1)


def probabilities_sum_to_one(df: pd.DataFrame) -> pd.Series:
    return (df.filter(regex="^p_").sum(axis=1) - 1).abs() < 1e-9


def one_seed(df: pd.DataFrame) -> bool:
    return df["seed"].nunique() <= 1


UNCERTAINTY = TableContract(
    name="uncertainty", model_name="UnitUncertainty",
    description="Per unit: how sure its rank and category are under the methodology's uncertainty spec",
    columns=(
        wave_column("Survey wave"),
        Column("unit_code", "str", "Registry code of the local government", unique=True),
        Column("unit_name", "str", "Registry name of the local government", nullable=True),
        Column("nominal_score", "float", "LEI as published (the nominal build)", ge=0, le=100, nullable=True),
        Column("nominal_rank", "float", "Rank as published, 1 = best", ge=1, nullable=True),
        Column("median_rank", "float", "Median rank over the replications", ge=1, nullable=True),
        Column("mean_rank", "float", "Mean rank over the replications", ge=1, nullable=True),
        Column("rank_q05", "float", "5th percentile rank (best end of the band)", ge=1, nullable=True),
        Column("rank_q95", "float", "95th percentile rank (worst end of the band)", ge=1, nullable=True),
        Column("score_q05", "float", "5th percentile LEI over the replications, to 1e-6 points "
               "(the last bits differ between CPUs)", ge=0, le=100, nullable=True),
        Column("score_q95", "float", "95th percentile LEI over the replications, to 1e-6 points "
               "(the last bits differ between CPUs)", ge=0, le=100, nullable=True),
        Column("mean_abs_rank_shift", "float", "Mean |rank - nominal rank| over the replications", ge=0, nullable=True),
        Column("nominal_category", "str", "Development category code of the nominal LEI", nullable=True),
        Column("^p_", "float", "p_<category>: share of replications in that category; p_unranked: not ranked",
               ge=0, le=1, regex=True),
        Column("crosses_category_border", "bool", "The 5-95 % score interval spans more than one category"),
    ),
    rules=(
        Rule("bands_ordered", "rank_q05 <= median_rank <= rank_q95 and score_q05 <= score_q95", bands_ordered),
        Rule("probabilities_sum_to_one", "category probabilities (with p_unranked) sum to 1", probabilities_sum_to_one),
    ),
)

SENSITIVITY = TableContract(
    name="sensitivity", model_name="Sensitivity", strict=True,
    description="Per uncertain input: how much of the rank shifts' variance it explains",
    columns=(
        wave_column("Survey wave"),
        Column("input", "str", "Uncertain input: weights[:levelN], reading:<aspect>, a method step, eligibility",
               unique=True),
        Column("S", "float", "First-order Sobol index (Saltelli 2010 estimator)", nullable=True),
        Column("S_low", "float", "Lower bootstrap bound of S", nullable=True),
        Column("S_high", "float", "Upper bootstrap bound of S", nullable=True),
        Column("ST", "float", "Total Sobol index (Jansen 1999 estimator)", nullable=True),
        Column("ST_low", "float", "Lower bootstrap bound of ST", nullable=True),
        Column("ST_high", "float", "Upper bootstrap bound of ST", nullable=True),
        Column("output", "str", "The output the indices apportion", isin=("mean_abs_rank_shift",)),
        Column("n", "int", "Base sample size", ge=2),
        Column("runs", "int", "Model runs: n x (inputs + 2)", ge=2),
    ),
)

REPLICATIONS = TableContract(
    name="replications", model_name="Replications",
    description="The sampled parameters of every replication: weight multipliers and chosen options",
    columns=(
        wave_column("Survey wave"),
        Column("replication", "int", "Replication number, 0..N-1", ge=0, unique=True),
        Column("seed", "int", "Seed of the analysis (the same on every row)", ge=0),
        Column("^weight:", "float", "weight:<code>: multiplier of that weight", gt=0, regex=True),
        Column("rank_shift", "float", "Mean |rank - nominal rank| over units in this replication", ge=0, nullable=True),
    ),
    rules=(Rule("one_seed", "one seed per analysis", one_seed),),
    # lei_pipeline.index.uncertainty.Replicator.parameters: per discrete input its label and number
    patterns=((r"_option$", "Number (from 0) of the option the replication chose for the input named by the "
                            "column without _option"),
              (r"^reading:", "How the replication read answers of this kind ({column}): the option chosen"),
              (r"^eligibility$", "Coverage threshold for a rank the replication used"),
              (r".", "Option the replication chose for the uncertain method step {column}")),
)

UnitUncertainty = UNCERTAINTY.model
Sensitivity = SENSITIVITY.model
Replications = REPLICATIONS.model
