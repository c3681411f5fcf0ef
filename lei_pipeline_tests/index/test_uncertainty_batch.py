"""Batched replications against per-replication builds, and known answers worked out by hand:
zero noise, the swap probability of two units under one uncertain weight, answer readings that
move only the units they touch, partial alternatives, winmax ranges and eligibility."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.index import Framework, Method, MethodError, Node, Uncertainty, build, run_uncertainty
from lei_pipeline.index.aggregate import weighted_mean
from lei_pipeline.index.batch import Children, batched_mean, rank_rows
from lei_pipeline.index.results import _rank_desc_array
from lei_pipeline.index.uncertainty import Replicator
from lei_pipeline_tests.support.replications import rebuild


# --- the batched kernels against the per-replication ones --------------------------------------
@pytest.mark.parametrize("method, offset", [("arithmetic", 0.0), ("geometric", 0.0), ("geometric", 10.0),
                                            ("harmonic", 0.0), ("harmonic", 5.0)])
@pytest.mark.parametrize("k", [2, 5, 8, 19])
def test_exact_batched_means_are_bitwise_the_per_replication_means(method, offset, k):
    rng = np.random.default_rng(k)
    x = rng.uniform(0.5, 100, (60, k))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[3] = np.nan  # a unit with no value at all
    w = rng.uniform(0.5, 1.5, (9, k + 3))[:, 1:k + 1]  # a strided (not contiguous) block, as a column pick gives
    expected = np.stack([weighted_mean(x, w[r], method, offset) for r in range(len(w))])
    np.testing.assert_array_equal(Children(x, method, offset).mean(w), expected)
    np.testing.assert_array_equal(batched_mean(np.broadcast_to(x, (len(w),) + x.shape), w, method, offset), expected)
    assert np.isnan(expected[:, 3]).all()


def test_one_sort_ranks_are_the_per_replication_ranks():
    rng = np.random.default_rng(1)
    s = np.round(rng.uniform(0, 10, (200, 40)))  # many ties
    s[rng.random(s.shape) < 0.1] = np.nan
    s[0] = np.nan
    s[1] = 5.0
    expected = np.stack([_rank_desc_array(row).to_numpy(dtype=float, na_value=np.nan) for row in s])
    np.testing.assert_array_equal(rank_rows(s), expected)


SPEC = {"replications": 400, "seed": 5, "weights": {"noise": {1: 0.3, 2: 0.25, 3: 0.2}},
        "alternatives": {"normalise": [{"method": "minmax", "range": [1, 100]}, {"method": "rank"}],
                         "aggregate": ["arithmetic", "geometric", "harmonic"]}}


def test_batched_replications_match_per_replication_builds(asem):
    data, fw, m, kw = asem
    spec = Uncertainty.from_dict(SPEC)
    u = np.random.default_rng(0).random((SPEC["replications"], Replicator(data, fw, m, spec, **kw).n_vars))
    fast = Replicator(data, fw, m, spec, **kw)
    exact = Replicator(data, fw, m, spec, exact=True, **kw)
    fs, fr = fast.evaluate(u)
    es, er = exact.evaluate(u)
    assert exact.exact_runs == len(u)
    np.testing.assert_array_equal(fr, er)  # ranks: identical
    np.testing.assert_allclose(fs, es, rtol=1e-12, atol=0)
    params = fast.parameters(u)
    for rep in (0, 1, 7, 150, 399):  # the exact path is bit for bit a fresh build()
        fresh = rebuild(data, fw, m, spec, params.loc[rep], **kw).results.reindex(fast.units)
        np.testing.assert_array_equal(es[:, rep], fresh["Index"].to_numpy())
        np.testing.assert_array_equal(fr[:, rep], fresh["rank_Index"].to_numpy(dtype=float, na_value=np.nan))


def test_chunks_and_batches_do_not_change_results(asem, monkeypatch):
    import lei_pipeline.index.uncertainty as engine

    data, fw, m, kw = asem
    one = run_uncertainty(data, fw, m, SPEC, **kw)
    monkeypatch.setattr(engine, "_FAST_CHUNK_VALUES", 500)  # a few runs per block
    small = run_uncertainty(data, fw, m, SPEC, **kw)
    pd.testing.assert_frame_equal(one.ranks, small.ranks)
    pd.testing.assert_frame_equal(one.scores, small.scores)


# --- known answers -------------------------------------------------------------------------------
def two_indicator_index(noise: float, weight_a: float = 1.0):
    """Index = weighted mean of indicators a and b; only a's weight is uncertain."""
    fw = Framework(nodes=[Node("a", "Index", 1, weight=weight_a), Node("b", "Index", 1, weight=1.0),
                          Node("Index", None, 2)])
    data = pd.DataFrame({"uCode": ["U1", "U2", "U3"], "a": [80.0, 40.0, 10.0], "b": [20.0, 70.0, 10.0]})
    spec = {"replications": 20_000, "seed": 11, "weights": {"noise": {"a": noise}}}
    return data, fw, Method.from_dict({"aggregate": "arithmetic"}), spec


def test_swap_probability_of_two_units_under_one_uncertain_weight():
    # U1 = (80, 20), U2 = (40, 70), weights (m, 1): U1 ahead iff 80m + 20 > 40m + 70, i.e. m > 1.25.
    # m ~ U(0.5, 1.5) (noise 0.5 on a's weight 1): P(U1 ahead) = (1.5 - 1.25) / 1.0 = 0.25.
    data, fw, method, spec = two_indicator_index(noise=0.5)
    r = run_uncertainty(data, fw, method, spec, id_col="uCode")
    m_a = r.parameters["weight:a"].to_numpy()
    u1_ahead = (r.ranks.loc["U1"] < r.ranks.loc["U2"]).to_numpy()
    np.testing.assert_array_equal(u1_ahead, m_a > 1.25)  # every replication on the right side of the swap point
    assert u1_ahead.mean() == pytest.approx(0.25, abs=4 * np.sqrt(0.25 * 0.75 / len(m_a)))
    assert (r.ranks.loc["U3"] == 3).all()
    assert list(r.parameters.filter(like="weight:").columns) == ["weight:a"]  # b's weight stays 1
    assert r.summary.loc["U1", "rank_q05"] == 1 and r.summary.loc["U1", "rank_q95"] == 2


def test_zero_noise_reproduces_the_nominal_result():
    data, fw, method, spec = two_indicator_index(noise=0.0)
    r = run_uncertainty(data, fw, method, {**spec, "replications": 50}, id_col="uCode")
    nominal = build(data, fw, method, id_col="uCode").results
    np.testing.assert_allclose(r.scores.to_numpy(), np.repeat(nominal["Index"].to_numpy()[:, None], 50, axis=1),
                               rtol=1e-12, atol=0)
    assert (r.ranks.T == nominal["rank_Index"].to_numpy(dtype=float)).all().all()
    assert (r.summary["mean_abs_rank_shift"] == 0).all()


def test_identical_units_always_tie_and_exact_ties_are_recomputed():
    fw = Framework(nodes=[Node("a", "P", 1), Node("b", "P", 1), Node("c", "Q", 1), Node("P", "Index", 2),
                          Node("Q", "Index", 2), Node("Index", None, 3)])
    # U1 and U2 answer identically; U3 and U4 differ but score the same under equal a and b weights.
    data = pd.DataFrame({"uCode": ["U1", "U2", "U3", "U4"], "a": [30.0, 30.0, 0.0, 100.0],
                         "b": [70.0, 70.0, 100.0, 0.0], "c": [50.0, 50.0, 50.0, 50.0]})
    method = Method.from_dict({"aggregate": "arithmetic"})
    spec = Uncertainty.from_dict({"replications": 300, "seed": 2, "weights": {"noise": 0.3, "levels": [2]}})
    rep = Replicator(data, fw, method, spec, id_col="uCode")
    scores, ranks = rep.evaluate(np.random.default_rng(3).random((300, rep.n_vars)))
    np.testing.assert_array_equal(scores[0], scores[1])
    np.testing.assert_array_equal(ranks[0], ranks[1])
    assert rep.exact_runs == 300  # U3 and U4 tie in every run: each run recomputed in build()'s arithmetic
    np.testing.assert_array_equal(ranks[2], ranks[3])


def test_reading_alternative_moves_only_the_units_it_touches():
    fw = Framework(nodes=[Node("a", "Index", 1), Node("b", "Index", 1), Node("Index", None, 2)])
    base = pd.DataFrame({"uCode": ["U1", "U2", "U3", "U4"], "a": [100.0, 0.0, 50.0, 0.0], "b": [40.0, 60.0, 80.0, 20.0]})
    dont_know = {"U2", "U4"}  # their a = 0 came from a don't-know answer

    def rescore(reading):
        out = base.copy()
        if reading["dont_know"] == "missing":
            out.loc[out["uCode"].isin(dont_know), "a"] = np.nan
        return out

    method = Method.from_dict({"aggregate": "arithmetic"})
    spec = {"replications": 40, "seed": 1, "readings": {"dont_know": ["zero", "missing"]}}
    r = run_uncertainty(base, fw, method, spec, rescore=rescore, id_col="uCode")
    missing = r.parameters.index[r.parameters["reading:dont_know"] == "missing"]
    assert 0 < len(missing) < 40
    nominal = r.summary["nominal_score"]
    moved = (r.scores[missing].sub(nominal, axis=0).abs() > 1e-9).any(axis=1)
    assert set(moved[moved].index) == dont_know
    np.testing.assert_allclose(r.scores.loc["U2", missing], 60.0)  # b alone
    with pytest.raises(MethodError, match="need a re-scoring function"):
        run_uncertainty(base, fw, method, spec, id_col="uCode")


def test_eligibility_threshold_leaves_low_coverage_units_unranked():
    fw = Framework(nodes=[Node("a", "C", 1), Node("b", "C", 1), Node("c", "C", 1), Node("C", "Index", 2),
                          Node("Index", None, 3)])
    data = pd.DataFrame({"uCode": ["U1", "U2", "U3"], "a": [10.0, np.nan, 90.0], "b": [20.0, np.nan, np.nan],
                         "c": [30.0, 50.0, 80.0]})  # coverage 1, 1/3, 2/3
    method = Method.from_dict({"aggregate": "arithmetic"})
    r = run_uncertainty(data, fw, method, {"replications": 60, "seed": 4, "alternatives": {"eligibility": [0, 0.5]}},
                        id_col="uCode")
    strict = r.parameters["eligibility"] == 0.5
    assert 0 < strict.sum() < 60
    assert r.ranks.loc["U2", strict[strict].index].isna().all()
    assert (r.ranks.loc["U2", strict[~strict].index] == 2).all()
    assert (r.ranks.loc["U3"] == 1).all() and r.scores.notna().all().all()  # scores kept when unranked
    nominal = run_uncertainty(data, fw, method, {"replications": 2, "seed": 1}, eligibility=0.5, id_col="uCode")
    assert np.isnan(nominal.summary.loc["U2", "nominal_rank"]) and nominal.summary.loc["U1", "nominal_rank"] == 2


# --- partial alternatives and ranges ------------------------------------------------------------
def test_partial_treat_alternative_inherits_the_method_and_a_range_expands(asem):
    data, fw, m, kw = asem  # ASEM's method winsorises (winmax 5, skew 2, kurtosis 3.5)
    spec = Uncertainty.from_dict({"replications": 30, "seed": 1, "alternatives": {"treat": [{"winmax": [1, 3]}]}})
    rep = Replicator(data, fw, m, spec, **kw)
    treat = rep.spec.alternatives["treat"]
    assert [a.spec.winmax for a in treat] == [1, 2, 3]
    assert all(a.spec == replace(m.treat, winmax=a.spec.winmax) for a in treat)  # never "no treatment"
    assert [a.label for a in treat] == ["winsorise(winmax=1)", "winsorise(winmax=2)", "winsorise(winmax=3)"]
    r = run_uncertainty(data, fw, m, spec, **kw)
    for rep_no in r.parameters.index[:4]:
        fresh = rebuild(data, fw, m, r.spec, r.parameters.loc[rep_no], **kw).results.reindex(r.scores.index)
        np.testing.assert_array_equal(r.ranks[rep_no].to_numpy(), fresh["rank_Index"].to_numpy(dtype=float, na_value=np.nan))


def test_partial_alternative_without_a_method_to_inherit_is_refused(asem):
    data, fw, m, kw = asem
    with pytest.raises(MethodError, match=r"treat option 1 \{winmax: 3\} has no method, and the method has no treat step"):
        run_uncertainty(data, fw, replace(m, treat=None), {"replications": 2, "alternatives": {"treat": [{"winmax": 3}]}}, **kw)


@pytest.mark.parametrize("bad, match", [
    ({"alternatives": {"treat": [{"winmax": [3, 1]}]}}, r"winmax range must be \[low, high\]"),
    ({"alternatives": {"eligibility": [1.5]}}, r"eligibility threshold must be between 0 and 1"),
    ({"alternatives": {"eligibility": []}}, r"eligibility must be a non-empty list"),
    ({"readings": {"dont_know": []}}, r"readings dont_know must be a non-empty list"),
    ({"readings": {"dont_know": ["zero", "zero"]}}, r"lists a reading twice"),
    ({"weights": {"noise": {2: 1.2}}}, r"noise of level 2 must be >= 0 and < 1"),
    ({"weights": {"noise": {2: 0.1}, "levels": [2]}}, r"already names the levels"),
    ({"weights": {"noise": {"Conn": 1}}}, r"noise of node Conn must be >= 0 and < 1"),
])
def test_bad_extended_spec_is_named(bad, match):
    with pytest.raises(MethodError, match=match):
        Uncertainty.from_dict(bad)


def test_a_score_on_a_category_border_is_recomputed_and_keeps_the_builds_category():
    fw = Framework(nodes=[Node("a", "Index", 1), Node("b", "Index", 1), Node("Index", None, 2)])
    data = pd.DataFrame({"uCode": ["U1", "U2"], "a": [30.0, 90.0], "b": [50.0, 10.0]})  # U1 = 40.0: on the border
    method = Method.from_dict({"aggregate": "arithmetic", "tiers": {"node": "Index", "labels": [
        {"label": "high", "min": 40}, {"label": "low", "min": 0}]}})
    spec = Uncertainty.from_dict({"replications": 25, "seed": 1, "weights": {"noise": {"a": 0.0}}})
    rep = Replicator(data, fw, method, spec, id_col="uCode")
    scores, _ = rep.evaluate(np.random.default_rng(0).random((25, rep.n_vars)))
    assert rep.exact_runs == 25 and (scores[0] == 40.0).all()
    r = run_uncertainty(data, fw, method, spec, id_col="uCode")
    assert build(data, fw, method, id_col="uCode").results.loc["U1", "tier"] == "high"
    assert r.summary.loc["U1", "p_high"] == 1.0 and r.summary.loc["U1", "p_low"] == 0.0


def test_ranks_from_rounded_scores_tie_units_equal_at_the_declared_precision():
    fw = Framework(nodes=[Node("a", "Index", 1), Node("b", "Index", 1), Node("Index", None, 2)])
    data = pd.DataFrame({"uCode": ["U1", "U2", "U3"], "a": [40.4, 40.2, 10.0], "b": [40.4, 40.2, 10.0]})
    method = Method.from_dict({"aggregate": "arithmetic"})
    spec = {"replications": 30, "seed": 1, "weights": {"noise": {"a": 0.2}}}
    raw = run_uncertainty(data, fw, method, spec, id_col="uCode")
    assert (raw.ranks.loc["U1"] == 1).all() and (raw.ranks.loc["U2"] == 2).all()
    rounded = run_uncertainty(data, fw, method, spec, decimals=0, id_col="uCode")  # 40.4 and 40.2 both print as 40
    assert (rounded.ranks.loc["U1"] == 1).all() and (rounded.ranks.loc["U2"] == 1).all()
    assert (rounded.ranks.loc["U3"] == 3).all() and rounded.summary.loc["U2", "nominal_rank"] == 1
    np.testing.assert_allclose(rounded.scores, raw.scores, rtol=1e-12)  # scores themselves are not rounded


def test_kept_tables_and_a_shared_replicator_change_no_result(asem, monkeypatch):
    """A small wave keeps every option's tables for the whole analysis, and one replicator serves
    both analyses: the same numbers as tables released after use and a replicator per analysis,
    with each option's table built once instead of twice per analysis."""
    import lei_pipeline.index.uncertainty as engine
    from lei_pipeline.index import run_sensitivity

    data, fw, m, kw = asem
    spec = Uncertainty.from_dict({**SPEC, "replications": 200, "sensitivity": {"n": 64, "bootstrap": 50}})
    builds = []
    real_build = engine.build
    monkeypatch.setattr(engine, "build", lambda *a, **k: builds.append(1) or real_build(*a, **k))

    monkeypatch.setattr(engine, "_KEEP_ALL_VALUES", 0)   # the 100,000-unit path: released, built again
    released_ua, released_sa = run_uncertainty(data, fw, m, spec, **kw), run_sensitivity(data, fw, m, spec, **kw)
    released_builds, builds[:] = len(builds), []

    monkeypatch.setattr(engine, "_KEEP_ALL_VALUES", 2_000_000)
    rep = Replicator(data, fw, m, spec, **kw)
    assert rep._keep_all   # ASEM: 51 units x 49 indicators x 2 normalisations
    kept_ua = run_uncertainty(data, fw, m, spec, replicator=rep, **kw)
    kept_sa = run_sensitivity(data, fw, m, spec, replicator=rep, **kw)

    pd.testing.assert_frame_equal(kept_ua.scores, released_ua.scores)
    pd.testing.assert_frame_equal(kept_ua.ranks, released_ua.ranks)
    pd.testing.assert_frame_equal(kept_sa.indices, released_sa.indices)
    pd.testing.assert_series_equal(kept_sa.rank_shift, released_sa.rank_shift)
    # ASEM's method normalises minmax [0, 100]; SPEC's two normalisations both differ from it
    assert len(builds) == 1 + 2   # the nominal build, then each normalisation once
    assert released_builds > 2 * len(builds)


def _groups_by_hand(table: np.ndarray) -> list[list[int]]:
    """Rows grouped by comparing them value by value in Python: equal when every value is equal
    as a float (0.0 == -0.0) or both are missing."""
    groups: list[list[int]] = []
    for i, row in enumerate(table.tolist()):
        for g in groups:
            other = table[g[0]].tolist()
            if all((a != a and b != b) or a == b for a, b in zip(row, other)):
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


@pytest.mark.parametrize("collide", [False, True])
def test_distinct_rows_group_equal_rows_only(collide, monkeypatch):
    """distinct_rows: one representative per group of equal rows (its first row), every row mapped
    to its group's; duplicated rows, NaN, 0.0 against -0.0. With every row hashed to the same key
    (collide), different rows are still never merged."""
    import lei_pipeline.index.batch as batch

    if collide:
        monkeypatch.setattr(batch, "_row_hash_factors", lambda k: np.zeros(k, dtype=np.uint64))
    rng = np.random.default_rng(11)
    table = rng.integers(0, 3, (300, 6)).astype(float)
    table[rng.random(table.shape) < 0.2] = np.nan
    table[100:200] = table[:100]
    table[rng.random(table.shape) < 0.05] = -0.0
    first, inverse = batch.distinct_rows(table)
    want = _groups_by_hand(table)
    assert len(first) == len(want)
    got = sorted(sorted(np.flatnonzero(inverse == g).tolist()) for g in range(len(first)))
    assert got == sorted(want)
    assert all(first[inverse[g[0]]] == g[0] for g in want)   # a group's representative is its first row
    assert batch.distinct_rows(np.empty((0, 3)))[0].size == 0


def test_fragile_runs_are_recomputed_a_few_at_a_time_with_the_same_scores(monkeypatch):
    """The fast path's fragile runs (here every run: U1 scores 40, a category border, whatever the
    weights) go back to the exact path in groups no larger than the exact path's own blocks
    (_CHUNK_VALUES), not all of a fast block at once (at 100,000 units that was 400 MB of runs x
    units x children): the same scores and ranks."""
    import lei_pipeline.index.uncertainty as engine

    fw = Framework(nodes=[Node("a", "Index", 1), Node("b", "Index", 1), Node("Index", None, 2)])
    data = pd.DataFrame({"uCode": ["U1", "U2", "U3"], "a": [40.0, 35.0, 10.0], "b": [40.0, 20.0, 70.0]})
    method = Method.from_dict({"aggregate": "arithmetic", "tiers": {"node": "Index", "labels": [
        {"label": "high", "min": 40}, {"label": "low", "min": 0}]}})
    spec = Uncertainty.from_dict({"replications": 30, "seed": 3, "weights": {"noise": {"a": 0.2, "b": 0.2}}})
    u = np.random.default_rng(4).random((30, Replicator(data, fw, method, spec, id_col="uCode").n_vars))
    whole = Replicator(data, fw, method, spec, id_col="uCode").evaluate(u)
    sizes, aggregate = [], Replicator._aggregate

    def counting(self, pre, agg, norm, w):
        sizes.append(len(w))
        return aggregate(self, pre, agg, norm, w)

    monkeypatch.setattr(Replicator, "_aggregate", counting)
    monkeypatch.setattr(engine, "_CHUNK_VALUES", 3 * 2 * 4)   # units x children x 4 runs
    rep = Replicator(data, fw, method, spec, id_col="uCode")
    parts = rep.evaluate(u)
    assert rep.exact_runs == 30 and sum(sizes) == 30 and max(sizes) == 4
    for a, b in zip(whole, parts):
        np.testing.assert_array_equal(a, b)
