"""pandera models: failures become readable records; models document their columns."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.schemas import Change, CleanResponses, Indicators, Scores, column_schema, validate_table


def scores_frame():
    return pd.DataFrame({"wave": ["2024", "2024"], "unit_code": ["71242", "70653"], "unit_name": ["Čačak", "Kraljevo"],
                         "unit_type": ["city", "city"], "type_group": ["city", "city"], "C01": [50.0, 70.0], "P1": [55.0, None], "lei": [52.5, 61.0],
                         "rank": [2, 1], "rank_in_type": [2, 1], "category": ["srednji", "dobar"],
                         "category_en": ["medium", "good"], "ranked": [True, True], "rank_reason": [None, None],
                         "rank_score": [52.5, 61.0]})


def test_valid_scores_pass():
    assert validate_table(Scores, scores_frame()) == []


def test_scores_failures_in_plain_words():
    df = scores_frame()
    df.loc[1, "C01"] = 150.0
    df.loc[0, "rank"] = 0
    df.loc[1, "unit_type"] = "town"
    fails = {(f["row"], f["column"]): f for f in validate_table(Scores, df)}
    assert fails[(1, "C01")]["failure_case"] == 150.0 and "0..100" in fails[(1, "C01")]["reason"]
    assert fails[(0, "rank")]["reason"] == "must be >= 1"
    assert fails[(1, "unit_type")]["failure_case"] == "town" and "must be one of" in fails[(1, "unit_type")]["reason"]


def test_unranked_unit_has_no_rank_and_says_why():
    df = scores_frame()
    df.loc[0, "ranked"] = False
    fails = validate_table(Scores, df)          # still ranked, no reason given
    assert fails and all("exactly when it is ranked" in f["reason"] for f in fails)
    df["rank"] = pd.array([pd.NA, 1], dtype="Int64")
    df["rank_in_type"] = pd.array([pd.NA, 1], dtype="Int64")
    df.loc[0, ["rank_reason", "category", "category_en", "rank_score"]] = ["coverage below 67%", None, None, None]
    assert validate_table(Scores, df) == []


def test_indicators_strict_and_range():
    df = pd.DataFrame({"wave": ["2024"], "unit_code": ["71242"], "indicator": ["I1"], "component": ["C1"],
                       "value": [101.0], "status": ["answered"], "trace": ["INF01=Y"], "extra": [1]})
    fails = validate_table(Indicators, df)
    assert {f["column"] for f in fails} >= {"value", "extra"}
    assert any(f["reason"] == "must be <= 100" for f in fails)


def test_clean_responses_duplicate_unit_names_source_row():
    df = pd.DataFrame({"wave": ["2024", "2024"], "unit_code": ["71242", "71242"], "unit_name": ["Čačak"] * 2,
                       "unit_type": ["city"] * 2, "source_file": ["a.csv"] * 2, "source_row": [2, 5],
                       "submitted_at": [pd.NaT, pd.NaT]})
    fails = validate_table(CleanResponses, df)
    assert fails and {f["source_row"] for f in fails} == {2, 5}
    assert all("more than once" in f["reason"] for f in fails)


def _change_row(**over) -> pd.DataFrame:
    row = {"wave": "2024", "previous_wave": "2022", "unit_code": "71242", "unit_name": "Ada", "lei": 50.0,
           "lei_previous": 40.0, "lei_change": 10.0, "infrastructure": 60.0, "infrastructure_previous": 30.0,
           "infrastructure_change": 30.0, "rank": 3, "rank_previous": 5, "rank_change": 2,
           "methodology_version": "1.0.0", "previous_methodology_version": "1.0.0", "indicators_compared": 70,
           "comparable": True}
    return pd.DataFrame([{**row, **over}])


def test_change_previous_wave_is_another_wave():
    # Which wave is earlier is data/waves.yaml's business (lei_pipeline.change.previous), not a name comparison.
    assert validate_table(Change, _change_row()) == []
    fails = validate_table(Change, _change_row(previous_wave="2024"))
    assert fails and all("previous_wave is another wave" in f["reason"] for f in fails)


def test_change_component_columns_are_range_checked():
    fails = validate_table(Change, _change_row(infrastructure_change=130.0))
    assert fails and {f["column"] for f in fails} == {"infrastructure_change"}


def test_column_schema_documents_every_column():
    for model in (Scores, Change, Indicators, CleanResponses):
        cols = column_schema(model)
        assert cols and all(desc for _, _, desc in cols)
    assert ("lei", "float", "Local eGovernance Index score 0..100") in column_schema(Scores)
    assert dict((n, t) for n, t, _ in column_schema(Change))["rank"] == "int"
