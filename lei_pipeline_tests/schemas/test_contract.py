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


def test_score_rules_flag_exactly_the_cells_outside_their_bounds():
    """Scores and previous scores lie in 0..100, changes in -100..100, a missing value passes;
    ranks, counts and texts are not scores. Expected cells written from that rule."""
    import numpy as np

    from lei_pipeline.schemas.tables import change_scores_in_range, extra_scores_in_range

    change = pd.DataFrame({
        "unit_code": ["1", "2", "3", "4"],
        "infra": [0.0, 100.0, 100.5, np.nan],
        "infra_previous": [-0.1, 50.0, np.nan, 0.0],
        "infra_change": [-100.0, -100.5, 100.0, np.nan],
        "rank_change": [-150.0, 0.0, 0.0, 0.0],
        "indicators_compared": [500, 1, 1, 1],
        "lei": pd.array([1.0, None, 101.0, 99.0], dtype="Float64"),
    })
    bad = ~change_scores_in_range(change)
    assert sorted(zip(*np.nonzero(bad.to_numpy()))) == [(0, 2), (1, 3), (2, 1), (2, 6)]
    assert list(bad.columns) == list(change.columns) and bad.index.equals(change.index)

    scores = pd.DataFrame({
        "unit_code": ["1", "2", "3"],
        "digital_services": [100.0, 100.01, np.nan],
        "rank_in_type": pd.array([1, None, 300], dtype="Int64"),
        "eligible": [True, False, True],
        "key_enablers": [0.0, -0.01, 50.0],
        "lei": [0.0, 150.0, 0.0],          # a named column: its own bound checks it, not this rule
    })
    bad = ~extra_scores_in_range(scores)
    assert sorted(zip(*np.nonzero(bad.to_numpy()))) == [(1, 1), (1, 4)]


def _model_verdict(model, frame) -> set:
    """Every check pandera's model reports failing, coercing as the contract says."""
    import pandera.pandas as pa

    try:
        model.validate(frame.copy(), lazy=True)
        return set()
    except pa.errors.SchemaErrors as e:
        return set(e.failure_cases["check"].astype(str))


def test_typed_and_untyped_tables_get_the_models_verdict():
    """validate_table first tries the contract without coercion (a table the pipeline made is
    already typed): whatever the frame, its answer must be the coercing model's."""
    model = CONTRACTS["change"].model
    given = pd.DataFrame({"wave": ["2025"] * 3, "previous_wave": ["2024"] * 3, "unit_code": ["70017", "70025", "70033"],
                          "unit_name": ["X", "Y", "Z"], "lei": [61.5, 40.0, 12.25], "lei_previous": [50.0, 41.0, 10.0],
                          "lei_change": [11.5, -1.0, 2.25], "rank": [1, 2, 3], "rank_previous": [1, 2, 3],
                          "rank_change": [0, 0, 0], "methodology_version": ["2.0.0"] * 3,
                          "previous_methodology_version": ["2.0.0"] * 3, "indicators_compared": [40] * 3,
                          "comparable": [True] * 3})
    typed = model.validate(given.copy())          # as the pipeline hands it on: every column of its type
    as_text = typed.assign(lei=typed["lei"].map(repr).astype(object))     # coercion makes it float again
    bad_text = as_text.assign(lei=["61.5", "high", "12.25"])
    too_high = typed.assign(lei=[61.5, 120.0, 12.25])
    for frame, fails in ((given, False), (typed, False), (as_text, False), (bad_text, True), (too_high, True)):
        failures = validate_table(model, frame)
        assert bool(failures) is fails
        assert {f["check"] for f in failures} == _model_verdict(model, frame)
    assert ("lei", "less_than_or_equal_to(100)") in {(f["column"], f["check"]) for f in validate_table(model, too_high)}
