"""Invariants of normalisation and aggregation, checked on generated data (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lei_pipeline.index import Framework, Method, Node, build, normalise, rank_desc, weighted_mean
from lei_pipeline.index.method import NormaliseSpec

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
column = hnp.arrays(np.float64, st.integers(2, 30), elements=values)
ranges = st.tuples(st.floats(-1e3, 1e3), st.floats(1e-2, 1e3)).map(lambda t: (t[0], t[0] + t[1]))
# database=None: no .hypothesis folder in the checkout (pytest would warn about it).
SET = settings(max_examples=150, deadline=None, database=None)


def one_col(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"x": x}, index=[f"u{i}" for i in range(len(x))])


def spread_ok(x: np.ndarray) -> bool:
    return np.ptp(x) > 1e-6 * max(1.0, np.abs(x).max())


@SET
@given(column, ranges)
def test_minmax_stays_in_range_and_reaches_both_ends(x, rng):
    assume(spread_ok(x))
    lo, hi = rng
    out = normalise(one_col(x), {"x": 1}, NormaliseSpec("minmax", range=rng))["x"].to_numpy()
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert out.min() >= lo - tol and out.max() <= hi + tol
    assert np.isclose(out.min(), lo, atol=tol) and np.isclose(out.max(), hi, atol=tol)


@SET
@given(column, st.sampled_from(["minmax", "zscore", "rank"]))
def test_direction_minus_one_reverses_order(x, how):
    assume(spread_ok(x))
    up = normalise(one_col(x), {"x": 1}, NormaliseSpec(how))["x"].to_numpy()
    down = normalise(one_col(x), {"x": -1}, NormaliseSpec(how))["x"].to_numpy()
    i, j = np.triu_indices(len(x), 1)
    lt = x[i] < x[j]
    assert np.all(up[i][lt] <= up[j][lt]) and np.all(down[i][lt] >= down[j][lt])
    strict = lt & (x[j] - x[i] > 1e-9 * np.abs(x).max())
    assert np.all(down[i][strict] > down[j][strict])


@SET
@given(column, st.floats(1e-3, 1e3))
def test_positive_scaling_changes_nothing_after_minmax(x, c):
    assume(spread_ok(x))
    a = normalise(one_col(x), {"x": 1}, NormaliseSpec("minmax"))["x"].to_numpy()
    b = normalise(one_col(x * c), {"x": 1}, NormaliseSpec("minmax"))["x"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-7)


def two_level_framework(k: int, weights=None) -> Framework:
    weights = weights or [1.0] * k
    return Framework(nodes=[Node(f"i{j}", "top", 1, weight=weights[j]) for j in range(k)] + [Node("top", None, 2)])


@SET
@given(hnp.arrays(np.float64, st.tuples(st.integers(3, 12), st.integers(1, 5)), elements=st.floats(0, 100)),
       st.data())
def test_equal_inputs_give_equal_scores(rows, data):
    n, k = rows.shape
    twin = data.draw(st.integers(1, n - 1))
    rows = rows.copy()
    rows[twin] = rows[0]
    assume(all(spread_ok(rows[:, j]) for j in range(k)))
    frame = pd.DataFrame(rows, columns=[f"i{j}" for j in range(k)])
    frame.insert(0, "id", [f"u{i}" for i in range(n)])
    b = build(frame, two_level_framework(k), Method.from_dict({"normalise": {"method": "minmax"}, "aggregate": {}}), id_col="id")
    assert b.results.loc["u0", "top"] == b.results.loc[f"u{twin}", "top"]
    assert b.results.loc["u0", "rank_top"] == b.results.loc[f"u{twin}", "rank_top"]


@SET
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 10), st.integers(1, 6)), elements=st.floats(1e-3, 1e3)),
       st.data())
def test_arithmetic_ge_geometric_ge_harmonic(x, data):
    w = np.array(data.draw(st.lists(st.floats(0.01, 10), min_size=x.shape[1], max_size=x.shape[1])))
    a, g, h = (weighted_mean(x, w, m) for m in ("arithmetic", "geometric", "harmonic"))
    tol = 1e-9 * a
    assert np.all(a >= g - tol) and np.all(g >= h - tol)


@SET
@given(st.integers(1, 8), st.floats(1e-3, 100), st.data())
def test_parent_of_equal_children_equals_them(k, v, data):
    raw = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=k, max_size=k)))
    w = raw / raw.sum()
    x = np.full((4, k), v)
    for how in ("arithmetic", "geometric", "harmonic"):
        np.testing.assert_allclose(weighted_mean(x, w, how), v, rtol=1e-12)
    # Through the whole engine too (no normalisation: the children are the scores).
    frame = pd.DataFrame(x, columns=[f"i{j}" for j in range(k)]).assign(id=["a", "b", "c", "d"])
    b = build(frame, two_level_framework(k, list(w)), Method.from_dict({"aggregate": {}}), id_col="id")
    np.testing.assert_allclose(b.aggregated["top"], v, rtol=1e-12)


@SET
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=st.one_of(st.sampled_from([np.nan, 1.0, 2.0]), st.floats(-50, 50))))
def test_rank_desc_best_is_one_ties_share_lowest_missing_stays_missing(x):
    s = pd.Series(x)
    r = rank_desc(s)
    assert r.isna().tolist() == s.isna().tolist()
    for i in np.flatnonzero(~np.isnan(x)):
        assert r[i] == 1 + int(np.sum(x[~np.isnan(x)] > x[i]))
