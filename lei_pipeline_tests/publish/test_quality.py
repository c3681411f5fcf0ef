"""Great Expectations suites (run directly, without publishing)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.publish.quality import expected_ranks, run_quality_suites, weights_frame
from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables


def by_name(results):
    return {r.name: r for r in results}


def test_good_tables_pass_and_docs_are_built(tmp_path):
    tables = build_tables("2024")
    assert tables["scores"]["rank"].duplicated().any(), "sample must contain a tie"
    results = run_quality_suites(tables, docs_dir=tmp_path / "docs", weights=WEIGHTS)
    assert {r.name for r in results} == {"responses_one_row_per_unit", "indicators_values",
                                         "scores_ranges_and_ranks", "change_consistent", "weights_sum_to_one"}
    assert all(r.passed for r in results), [r.describe() for r in results if not r.passed]
    assert all(r.expectations >= 3 for r in results)
    index = tmp_path / "docs" / "index.html"
    assert index.is_file()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == len(results)


def test_expected_ranks_ties_share_lowest_rank():
    r = expected_ranks(pd.Series([50.0, 70.0, 70.0, np.nan, 10.0]))
    assert r.tolist()[:3] == [3.0, 1.0, 1.0] and np.isnan(r[3]) and r[4] == 4.0


BROKEN = [
    (lambda t: t["scores"].__setitem__("lei", t["scores"]["lei"].where(t["scores"].index != 2, 120.0)),
     "scores_ranges_and_ranks", "expect_column_values_to_be_between", "70556"),
    (lambda t: t["scores"].loc.__setitem__((4, "rank"), 1), "scores_ranges_and_ranks",
     "expect_column_pair_values_to_be_equal", "80438"),
    (lambda t: t["scores"].loc.__setitem__((5, "infrastructure"), -3.0), "scores_ranges_and_ranks",
     "expect_column_values_to_be_between", "70149"),
    (lambda t: t.__setitem__("scores", t["scores"].iloc[1:].reset_index(drop=True)), "scores_ranges_and_ranks",
     "expect_table_row_count_to_equal", None),
    (lambda t: t["scores"].loc.__setitem__((3, "unit_code"), "99999"), "scores_ranges_and_ranks",
     "expect_column_values_to_be_in_set", "99999"),
    (lambda t: t["responses"].loc.__setitem__((1, "unit_code"), "70017"), "responses_one_row_per_unit",
     "expect_column_values_to_be_unique", "70017"),
    (lambda t: t["indicators"].loc.__setitem__((0, "value"), 101.0), "indicators_values",
     "expect_column_values_to_be_between", "70017"),
    (lambda t: t["change"].loc.__setitem__((0, "rank_change"), 99), "change_consistent",
     "expect_column_pair_values_to_be_equal", "70017"),
    # membership across tables: a unit the responses (or the scores) do not have
    (lambda t: t["indicators"].loc.__setitem__((3, "unit_code"), "99999"), "indicators_values",
     "expect_column_values_to_be_in_set", "99999"),
    (lambda t: t["change"].loc.__setitem__((2, "unit_code"), "99999"), "change_consistent",
     "expect_column_values_to_be_in_set", "99999"),
]


@pytest.mark.parametrize("mutate,suite,expectation,unit", BROKEN)
def test_broken_tables_fail_with_named_expectation(mutate, suite, expectation, unit):
    tables = build_tables("2024")
    mutate(tables)
    results = by_name(run_quality_suites(tables, docs_dir=None, weights=WEIGHTS))
    failing = [n for n, r in results.items() if not r.passed]
    assert suite in failing
    hits = [f for f in results[suite].failures if f["expectation"] == expectation]
    assert hits, results[suite].failures
    if unit:
        assert unit in hits[0].get("unit_codes", [])


@pytest.mark.parametrize("mutate,broken", [(lambda t: None, False)] + [(case[0], True) for case in BROKEN])
def test_the_verdict_run_finds_what_validation_definitions_find(mutate, broken, tmp_path):
    # the first pass (quality._verdicts: Batch.validate in one context kept for the process) against
    # GE's validation definitions in a fresh context; a full run with Data Docs in between makes
    # another context GE's current one, which the kept one must not depend on
    from lei_pipeline.publish import quality

    tables = build_tables("2024")
    mutate(tables)
    stored = quality._run_suites(tables, tmp_path / "docs", WEIGHTS, "BOOLEAN_ONLY")
    fast = quality._verdicts(tables, WEIGHTS)
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in stored]
    assert len(fast) == 5 and all(r.expectations >= 3 for r in fast)
    assert all(r.passed for r in fast) is not broken


def test_rank_min_must_be_one():
    tables = build_tables("2024")
    tables["scores"]["rank"] = tables["scores"]["rank"] + 1
    r = by_name(run_quality_suites({"scores": tables["scores"]}))["scores_ranges_and_ranks"]
    assert {"expect_column_min_to_be_between", "expect_column_pair_values_to_be_equal"} <= {
        f["expectation"] for f in r.failures}


@pytest.mark.parametrize("weights,ok", [
    ({"a": 0.5, "b": 0.5}, True),
    ({"a": 0.5, "b": 0.4}, False),
    ({"p1": {"a": 0.3, "b": 0.7}, "p2": {"c": 1.0}}, True),
    ({"p1": {"a": 0.3, "b": 0.7}, "p2": {"c": 0.9}}, False),
    ({"a": 1.2, "b": -0.2}, False),
])
def test_weights_sum_to_one(weights, ok):
    r = by_name(run_quality_suites({}, weights=weights))["weights_sum_to_one"]
    assert r.passed is ok
    assert len(weights_frame(weights)) == sum(len(v) if isinstance(v, dict) else 1 for v in weights.values())


@pytest.mark.parametrize("as_categories", [False, True])
def test_indicator_keys_repeated_or_missing_are_named(as_categories):
    # The suite reads the key columns as categories (codes, not strings): a repeated (unit,
    # indicator) pair and a missing unit code must still fail, whichever form the table comes in.
    tables = build_tables("2024")
    ind = tables["indicators"]
    ind = pd.concat([ind, ind.iloc[[0]]], ignore_index=True)          # the first row twice
    ind.loc[5, "unit_code"] = None
    if as_categories:
        ind = ind.astype({"wave": "category", "unit_code": "category", "indicator": "category"})
    r = by_name(run_quality_suites({"responses": tables["responses"], "indicators": ind}))["indicators_values"]
    failed = {f["expectation"]: f for f in r.failures}
    assert {"expect_compound_columns_to_be_unique", "expect_column_values_to_not_be_null",
            "expect_column_values_to_be_in_set"} <= set(failed), r.failures
    assert failed["expect_column_values_to_not_be_null"]["column"] == "unit_code"
    assert failed["expect_column_values_to_not_be_null"]["unexpected_count"] == 1
    assert failed["expect_compound_columns_to_be_unique"]["unexpected_count"] == 2


def test_suites_do_not_fingerprint_the_frames(monkeypatch):
    # GE would hash every row of each frame for a batch marker nothing reads (1.4 s at 100,000 units)
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(df):
        raise AssertionError("GE fingerprinted a frame")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    results = run_quality_suites(build_tables("2024"), weights=WEIGHTS)
    assert len(results) == 5 and all(r.passed for r in results), [r.describe() for r in results]
