"""The contracts of the pipeline's tables, the pandera models derived from them, and helpers to
validate and document them.

    from lei_pipeline.schemas import CONTRACTS, CleanResponses, validate_table, column_schema
    failures = validate_table(CleanResponses, df)   # [] when valid
    column_schema(Scores)                           # [(name, type, description), ...] for Dagster
    CONTRACTS["scores"].describe("lei")             # the column's description
"""
from .contract import Column, Rule, TableContract
from .tables import (CHANGE, CLEAN_RESPONSES, INDICATORS, RAW_RESPONSES, SCORES, WEIGHTS, Change, CleanResponses,
                     Indicators, RawResponses, Scores, Weights)
from .uncertainty import REPLICATIONS, SENSITIVITY, UNCERTAINTY, Replications, Sensitivity, UnitUncertainty
from .validate import column_schema, plain_reason, validate_table
from lei_pipeline.vocabulary import UNIT_TYPES

# Table name (as published, and as the pipeline names it) -> contract.
CONTRACTS: dict[str, TableContract] = {
    "raw_responses": RAW_RESPONSES, "responses": CLEAN_RESPONSES, "clean_responses": CLEAN_RESPONSES,
    "indicators": INDICATORS, "scores": SCORES, "change": CHANGE, "weights": WEIGHTS,
    "uncertainty": UNCERTAINTY, "sensitivity": SENSITIVITY, "replications": REPLICATIONS}
MODELS = {name: contract.model for name, contract in CONTRACTS.items()}

__all__ = ["Column", "Rule", "TableContract", "CONTRACTS", "MODELS", "UNIT_TYPES",
           "Replications", "Sensitivity", "UnitUncertainty", "RawResponses", "CleanResponses", "Indicators", "Scores",
           "Change", "Weights", "validate_table", "column_schema", "plain_reason"]
