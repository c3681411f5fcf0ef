"""Each step's schema check: which contract validates its output, written once. The Dagster steps
run them; `lei run`'s worker runs the same on the results it computes ahead (waves/score_ahead.py),
and a step that takes such a result takes the check's failures with it."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.schemas.tables import Change, CleanResponses, Indicators, RawResponses, Scores
from lei_pipeline.schemas.uncertainty import Replications, Sensitivity, UnitUncertainty
from lei_pipeline.schemas.validate import validate_indicators, validate_table


def raw_schema(frame: pd.DataFrame) -> list[dict]:
    if not len(frame.columns):   # an export that could not be read: no table to validate
        return [{"column": None, "check": "table_present", "reason": "raw_responses could not be built"}]
    return validate_table(RawResponses, frame)


def clean_schema(frame: pd.DataFrame) -> list[dict]:
    return validate_table(CleanResponses, frame)


def indicators_schema(matrix, methodology) -> list[dict]:
    return validate_indicators(Indicators, matrix, methodology)


def scores_schema(frame: pd.DataFrame) -> list[dict]:
    return validate_table(Scores, frame)


def change_schema(frame: pd.DataFrame) -> list[dict]:
    return validate_table(Change, frame)


def uncertainty_schema(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """The analysis' three tables (WaveUncertainty.tables())."""
    return (validate_table(UnitUncertainty, tables["uncertainty"]) + validate_table(Sensitivity, tables["sensitivity"])
            + validate_table(Replications, tables["replications"]))
