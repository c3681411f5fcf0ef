"""pandera models of the published tables and helpers to validate and document them.

    from lei_pipeline.schemas import CleanResponses, validate_table, column_schema
    failures = validate_table(CleanResponses, df)   # [] when valid
    column_schema(Scores)                           # [(name, type, description), ...] for Dagster
"""
from .tables import Change, CleanResponses, Indicators, RawResponses, Scores, UNIT_TYPES
from .uncertainty import Replications, Sensitivity, UnitUncertainty
from .validate import column_schema, plain_reason, validate_table

MODELS = {"raw_responses": RawResponses, "responses": CleanResponses, "clean_responses": CleanResponses,
          "indicators": Indicators, "scores": Scores, "change": Change,
          "uncertainty": UnitUncertainty, "sensitivity": Sensitivity, "replications": Replications}
to_dagster_schema = column_schema

__all__ = ["Replications", "Sensitivity", "UnitUncertainty", "RawResponses", "CleanResponses", "Indicators", "Scores", "Change", "MODELS", "UNIT_TYPES",
           "validate_table", "column_schema", "to_dagster_schema", "plain_reason"]
