"""One contract per table: the pandera model, the column docs and GE's repeated rules all say
what the contract says."""
from types import SimpleNamespace

import pandas as pd

from lei_pipeline.schemas import CONTRACTS, column_schema, validate_table
from lei_pipeline.schemas.describe import column_descriptions


def _recorder():
    """Stands in for great_expectations.expectations: records (expectation, kwargs)."""
    return SimpleNamespace(**{name: (lambda name: lambda **kw: (name, kw))(name) for name in (
        "ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeUnique", "ExpectColumnValuesToBeBetween",
        "ExpectCompoundColumnsToBeUnique")})


def test_every_declared_column_has_a_type_and_a_description():
    for name, contract in CONTRACTS.items():
        for column, type_word, description in column_schema(contract.model):
            assert type_word in {"str", "int", "float", "bool", "datetime"} and description.strip(), (name, column)


def test_a_bound_in_the_contract_is_enforced_by_the_model_and_repeated_for_ge():
    change = pd.DataFrame({"wave": ["2025"], "previous_wave": ["2024"], "unit_code": ["70017"], "unit_name": ["X"],
                           "lei": [101.0], "lei_previous": [50.0], "lei_change": [51.0], "rank": [1],
                           "rank_previous": [2], "rank_change": [1], "methodology_version": ["2.0.0"],
                           "previous_methodology_version": ["2.0.0"], "indicators_compared": [40],
                           "comparable": [True]})
    given = change.copy()
    failures = validate_table(CONTRACTS["change"].model, change)
    # the contract coerces (rank to Int64, texts to str) in its own copy: the frame stays as given
    pd.testing.assert_frame_equal(change, given)
    assert change["rank"].dtype == "int64" and change["wave"].dtype == given["wave"].dtype
    assert {(f["column"], f["check"]) for f in failures} == {("lei", "less_than_or_equal_to(100)"),
                                                             ("lei", "scores_in_range")}
    assert CONTRACTS["change"].expectations(_recorder(), ["lei", "unit_code", "rank"]) == [
        ("ExpectColumnValuesToBeBetween", {"column": "lei", "min_value": 0, "max_value": 100}),
        ("ExpectColumnValuesToNotBeNull", {"column": "unit_code"}),
        ("ExpectColumnValuesToBeUnique", {"column": "unit_code"}),
        ("ExpectColumnValuesToBeBetween", {"column": "rank", "min_value": 1})]
    assert CONTRACTS["indicators"].key_expectation(_recorder(), ["unit_code", "indicator", "wave", "value"]) == [
        ("ExpectCompoundColumnsToBeUnique", {"column_list": ["wave", "unit_code", "indicator"]})]


def test_columns_named_by_pattern_are_described():
    got = column_descriptions("replications", ["weight:infrastructure", "normalise", "normalise_option",
                                               "reading:dont_know", "eligibility"])
    assert got["weight:infrastructure"].startswith("weight:<code>")
    assert "normalise" in got["normalise"] and got["normalise_option"].startswith("Number")
    assert all(got.values())
    assert column_descriptions("uncertainty", ["p_developed"])["p_developed"].startswith("p_<category>")
