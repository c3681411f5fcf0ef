"""Uncertainty analysis: the spec, the sampled parameters, and replications that match fresh builds."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.index import (
    AggregationError,
    MethodError,
    Uncertainty,
    build,
    run_uncertainty,
)
from lei_pipeline.index.method import AggregateSpec
from lei_pipeline.methodology import load_methodology
from lei_pipeline_tests.support.replications import noisy_framework, rebuild

NORMALISE = [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}, {"method": "rank"}]
FULL = {"replications": 300, "seed": 7, "weights": {"noise": 0.25, "levels": [2, 3]},
        "alternatives": {"normalise": NORMALISE, "aggregate": ["arithmetic", "geometric"]}}


@pytest.fixture(scope="module")
def full(asem):
    data, fw, m, kw = asem
    return run_uncertainty(data, fw, m, FULL, **kw)


# --- replications ------------------------------------------------------------------------------
def test_zero_noise_and_nominal_options_reproduce_the_nominal_build(asem):
    data, fw, m, kw = asem
    spec = {"replications": 20, "seed": 3, "weights": {"noise": 0.0, "levels": [1, 2, 3]},
            "alternatives": {"normalise": [{"method": "minmax", "range": [0, 100]}], "aggregate": ["arithmetic"]}}
    r = run_uncertainty(data, fw, m, spec, **kw)
    nominal = build(data, fw, m, **kw).results
    assert r.parameters.filter(like="weight:").shape[1] == len(fw.nodes) - 1  # every weight but the index's
    assert (r.parameters.filter(like="weight:") == 1.0).all().all()
    scores, ranks = r.scores.to_numpy(), r.ranks.to_numpy()
    # Batched scores are BLAS sums: equal to the build's to the last bits; ranks exactly.
    np.testing.assert_allclose(scores, np.repeat(nominal["Index"].to_numpy()[:, None], 20, axis=1), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(ranks, np.repeat(nominal["rank_Index"].to_numpy(dtype=float)[:, None], 20, axis=1))
    assert (r.rank_shift == 0).all()
    s = r.summary
    assert (s["mean_abs_rank_shift"] == 0).all()
    assert (s["rank_q05"] == s["nominal_rank"]).all() and (s["rank_q95"] == s["nominal_rank"]).all()
    assert np.allclose(s["score_q05"], s["nominal_score"]) and np.allclose(s["score_q95"], s["nominal_score"])


@pytest.mark.parametrize("rep", [0, 1, 2, 3, 5])
def test_replication_equals_a_fresh_build(asem, full, rep):
    data, fw, m, kw = asem
    params = full.parameters.loc[rep]
    fresh = rebuild(data, fw, m, full.spec, params, **kw).results
    np.testing.assert_allclose(full.scores[rep].to_numpy(), fresh["Index"].to_numpy(), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(full.ranks[rep].to_numpy(), fresh["rank_Index"].to_numpy(dtype=float))


def test_the_replications_checked_above_differ_in_options(full):
    # Guards the test above: it must cover both means and more than one normalisation.
    p = full.parameters.loc[[0, 1, 2, 3, 5]]
    assert p["aggregate"].nunique() == 2 and p["normalise"].nunique() >= 2
    assert not np.allclose(full.scores[0], full.nominal.results["Index"])


def test_impute_and_treat_alternatives_match_fresh_builds_and_screened_units_are_missing(asem):
    data, fw, m, kw = asem
    spec = {"replications": 12, "seed": 11, "weights": {"noise": 0.2},
            "alternatives": {"impute": [{"method": "group_mean", "group": "EurAsia_group"}, "none"],
                             "treat": ["none", {"method": "winsorise", "winmax": 5}]}}
    r = run_uncertainty(data, fw, m, spec, **kw)
    p = r.parameters
    assert set(p["impute"]) == {"group_mean(group=EurAsia_group)", "none"} and set(p["treat"]) == {"none", "winsorise(winmax=5)"}
    for rep in p.index[:6]:
        fresh = rebuild(data, fw, m, r.spec, p.loc[rep], **kw).results.reindex(r.scores.index)
        np.testing.assert_allclose(r.scores[rep].to_numpy(), fresh["Index"].to_numpy(), rtol=1e-12, atol=0)
        np.testing.assert_array_equal(r.ranks[rep].to_numpy(), fresh["rank_Index"].to_numpy(dtype=float, na_value=np.nan))
    # Without imputation the screen drops units: they have no score in those replications.
    no_impute = p.index[p["impute"] == "none"]
    assert r.scores[no_impute].isna().any().all()
    assert r.scores.drop(columns=no_impute).notna().all().all()


def test_same_seed_same_result_other_seed_other_draws(asem, full):
    data, fw, m, kw = asem
    again = run_uncertainty(data, fw, m, FULL, **kw)
    pd.testing.assert_frame_equal(again.parameters, full.parameters)
    pd.testing.assert_frame_equal(again.scores, full.scores)
    pd.testing.assert_frame_equal(again.summary, full.summary)
    other = run_uncertainty(data, fw, m, {**FULL, "seed": 8}, **kw)
    assert not np.allclose(other.parameters["weight:Conn"], full.parameters["weight:Conn"])
    assert not other.scores.equals(full.scores)


def test_no_seed_draws_one_and_records_it(asem):
    data, fw, m, kw = asem
    spec = {"replications": 5, "weights": {"noise": 0.3}}
    a = run_uncertainty(data, fw, m, spec, **kw)
    b = run_uncertainty(data, fw, m, {**spec, "seed": a.seed}, **kw)
    pd.testing.assert_frame_equal(a.scores, b.scores)


def test_multipliers_stay_in_bounds_and_options_cover_the_alternatives(full):
    w = full.parameters.filter(like="weight:")
    assert list(w.columns) == [f"weight:{c}" for c in
                               ["Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ", "Social", "SusEcFin", "Conn", "Sust"]]
    assert w.min().min() >= 0.75 and w.max().max() <= 1.25
    assert w.min().max() < 0.76 and w.max().min() > 1.24  # the whole interval is used
    counts = full.parameters["normalise"].value_counts()
    assert set(counts.index) == {"minmax(range=[1, 100])", "zscore(mean=10, sd=2)", "rank"}
    assert counts.min() > 60  # ~100 each of 300
    assert set(full.parameters["aggregate_option"]) == {0, 1}


def test_result_shapes_summary_and_timing(full):
    assert full.target == "Index" and full.replications == 300
    assert full.scores.shape == full.ranks.shape == (51, 300)
    assert full.parameters.shape[0] == 300
    s = full.summary
    assert list(s.columns) == ["nominal_score", "nominal_rank", "mean_rank", "median_rank", "rank_q05", "rank_q95",
                               "score_q05", "score_q95", "mean_abs_rank_shift"]
    assert (s["rank_q05"] <= s["median_rank"]).all() and (s["median_rank"] <= s["rank_q95"]).all()
    assert (s["score_q05"] <= s["score_q95"]).all()
    ranks = full.ranks.to_numpy()
    np.testing.assert_allclose(s["mean_abs_rank_shift"], np.abs(ranks - s["nominal_rank"].to_numpy()[:, None]).mean(axis=1))
    np.testing.assert_allclose(full.rank_shift, np.abs(ranks - s["nominal_rank"].to_numpy()[:, None]).mean(axis=0))
    assert s["mean_abs_rank_shift"].max() > 1  # the alternatives really move units
    # ranks of a replication are 1..n (ties share the best rank)
    assert ranks.min() == 1 and ranks.max() <= 51
    assert full.seconds > 0 and full.seconds_per_replication == pytest.approx(full.seconds / 300)


def test_target_below_the_index(asem):
    data, fw, m, kw = asem
    pillars = ["Physical", "ConEcFin", "Political", "Instit", "P2P"]
    r = run_uncertainty(data, fw, m, {"target": "Conn", "replications": 10, "seed": 1, "weights": {"noise": 0.5}}, **kw)
    assert r.target == "Conn"  # default levels: every level under the target, here indicators and pillars
    under = {k for p in pillars for k in fw.children(p)}
    assert set(r.parameters.columns) == {f"weight:{c}" for c in [*pillars, *under]}
    two = run_uncertainty(data, fw, m, {"target": "Conn", "replications": 2, "weights": {"noise": 0.5, "levels": [2]}}, **kw)
    assert list(two.parameters.columns) == [f"weight:{c}" for c in pillars]
    fresh = rebuild(data, fw, m, r.spec, r.parameters.loc[4], **kw).results
    np.testing.assert_allclose(r.scores[4].to_numpy(), fresh["Conn"].to_numpy(), rtol=1e-12, atol=0)


# --- geometric / harmonic over non-positive values ------------------------------------------------
def test_geometric_with_a_normalisation_reaching_zero_is_rejected_up_front(asem):
    data, fw, m, kw = asem  # ASEM's own normalisation is minmax 0..100: the worst unit scores 0
    spec = {"replications": 50, "seed": 1, "alternatives": {"aggregate": ["arithmetic", "geometric"]}}
    with pytest.raises(AggregationError, match=r"'geometric'.*normalise=minmax \(the method's own\)"):
        run_uncertainty(data, fw, m, spec, **kw)


def test_rejection_does_not_depend_on_the_draws(asem):
    data, fw, m, kw = asem
    spec = {"replications": 1, "alternatives": {"normalise": [{"method": "rank"}, {"method": "zscore"}],
                                                "aggregate": ["harmonic"]}}
    for seed in range(4):  # a single replication may or may not draw zscore: rejected every time
        with pytest.raises(AggregationError, match=r"'harmonic'.*normalise=zscore"):
            run_uncertainty(data, fw, m, {**spec, "seed": seed}, **kw)


def test_positive_normalisations_with_geometric_run(full):
    geo = full.parameters.index[full.parameters["aggregate"] == "geometric"]
    assert len(geo) > 100 and full.scores[geo].notna().all().all()


def test_failing_option_is_named(asem):
    data, fw, m, kw = asem
    spec = {"replications": 3, "seed": 1,
            "alternatives": {"normalise": [{"method": "goalposts", "bounds": {"Goods": [0, 1]}}]}}
    with pytest.raises(MethodError, match=r"normalise=goalposts\(bounds=.*no bounds for indicator"):
        run_uncertainty(data, fw, m, spec, **kw)


# --- the spec --------------------------------------------------------------------------------------
def test_spec_from_dict():
    u = Uncertainty.from_dict({"target": "Index", "replications": 500, "seed": 1,
                               "weights": {"noise": 0.25, "levels": [2, 3]},
                               "alternatives": {"aggregate": ["arithmetic", "geometric"], "normalise": NORMALISE},
                               "sensitivity": {"n": 50, "bootstrap": 200, "confidence": 0.9}})
    assert (u.target, u.replications, u.seed, u.weights.noise, u.weights.levels) == ("Index", 500, 1, 0.25, (2, 3))
    assert list(u.alternatives) == ["normalise", "aggregate"]  # build order
    assert [a.spec.method for a in u.alternatives["normalise"]] == ["minmax", "zscore", "rank"]
    assert u.alternatives["normalise"][1].spec.mean == 10 and u.alternatives["normalise"][0].spec.range == (1.0, 100.0)
    assert (u.sensitivity.n, u.sensitivity.bootstrap, u.sensitivity.confidence) == (50, 200, 0.9)
    d = Uncertainty.from_dict(None)
    assert (d.target, d.replications, d.weights, d.alternatives) == (None, 100, None, {})


@pytest.mark.parametrize("bad, match", [
    ({"replicates": 5}, r"unknown key\(s\) \['replicates'\]"),
    ({"replications": 0}, r"replications must be >= 1"),
    ({"replications": 2.5}, r"replications must be an integer"),
    ({"seed": -1}, r"seed must be >= 0"),
    ({"target": 3}, r"target must be a framework code"),
    ({"weights": {"noise": -0.1}}, r"weights noise must be >= 0 and < 1"),
    ({"weights": {"noise": 1.0}}, r"weights noise must be >= 0 and < 1"),
    ({"weights": {"noise": "a lot"}}, r"weights noise must be a finite number"),
    ({"weights": {"levels": [2]}}, r"weights needs noise"),
    ({"weights": {"noise": 0.1, "level": [2]}}, r"weights has unknown key\(s\) \['level'\]"),
    ({"weights": {"noise": 0.1, "levels": []}}, r"weights levels must be a non-empty list"),
    ({"weights": {"noise": 0.1, "levels": [1.5]}}, r"weights levels must be an integer"),
    ({"alternatives": {"normalise": []}}, r"alternatives normalise must be a non-empty list"),
    ({"alternatives": {"aggregate": "geometric"}}, r"alternatives aggregate must be a non-empty list"),
    ({"alternatives": {"screen": [{"min_availability": 0.5}]}}, r"alternatives has unknown key\(s\) \['screen'\]"),
    ({"alternatives": {"normalise": [{"method": "minmax"}, {"method": "softmax"}]}},
     r"alternatives normalise option 2: method normalise: unknown method 'softmax'"),
    ({"alternatives": {"aggregate": ["arithmetic", {"method": "geometric", "p": 2}]}},
     r"alternatives aggregate option 2: method aggregate has unknown parameter\(s\) \['p'\]"),
    ({"alternatives": {"aggregate": ["arithmetic", None]}}, r"alternatives aggregate option 2 is empty"),
    ({"alternatives": {"normalise": ["rank", {"method": "rank"}]}}, r"alternatives normalise lists 'rank' twice"),
    ({"sensitivity": {"n": 1}}, r"sensitivity n must be >= 2"),
    ({"sensitivity": {"confidence": 95}}, r"sensitivity confidence must be between 0 and 1"),
    ([1, 2], r"uncertainty must be a mapping"),
])
def test_bad_spec_is_named(bad, match):
    with pytest.raises(MethodError, match=match):
        Uncertainty.from_dict(bad)


@pytest.mark.parametrize("spec, match", [
    ({"target": "Nope"}, r"target 'Nope' is not a framework code"),
    ({"target": "Goods"}, r"target 'Goods' is an indicator"),
    ({"weights": {"noise": 0.1, "levels": [7]}}, r"weights level 7 is not a framework level"),
    ({"target": "Conn", "weights": {"noise": 0.1, "levels": [3]}}, r"weights level 3 does not weigh anything under target 'Conn'"),
    ({"weights": {"noise": 0.1, "levels": [4]}}, r"weights level 4 does not weigh anything under target 'Index'"),
])
def test_spec_not_fitting_the_framework_is_named(asem, spec, match):
    data, fw, m, kw = asem
    with pytest.raises(MethodError, match=match):
        run_uncertainty(data, fw, m, {"replications": 2, **spec}, **kw)


def test_method_without_aggregation_is_rejected(asem):
    data, fw, m, kw = asem
    with pytest.raises(MethodError, match="needs a method with an aggregate step"):
        run_uncertainty(data, fw, replace(m, aggregate=None), {"replications": 2}, **kw)


# --- the LEI methodology ---------------------------------------------------------------------------
def lei_table(m, units: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [i.code for i in m.indicators]
    a = np.round(rng.uniform(0, 100, (units, len(codes))), 1)
    a[rng.random(a.shape) < 0.1] = np.nan
    out = pd.DataFrame(a, columns=codes)
    out.insert(0, "unit_code", [f"U{i:05d}" for i in range(units)])
    return out


def test_lei_methodology_with_weight_noise():
    m = load_methodology()
    fw, method = m.framework(), m.method()
    data = lei_table(m, 40)
    r = run_uncertainty(data, fw, method, {"replications": 60, "seed": 5, "weights": {"noise": 0.3, "levels": [1, 2, 3]}},
                        id_col="unit_code")
    assert r.target == m.index_code and r.scores.shape == (40, 60)
    assert r.parameters.shape[1] == len(fw.nodes) - 1
    assert (r.parameters.min() >= 0.7).all() and (r.parameters.max() <= 1.3).all()
    np.testing.assert_array_equal(r.summary["nominal_score"], build(data, fw, method, id_col="unit_code").results[m.index_code])
    assert r.scores.notna().all().all() and ((r.scores >= 0) & (r.scores <= 100)).all().all()
    assert 0 < r.summary["mean_abs_rank_shift"].mean() < 10
    for rep in (0, 17, 59):
        fresh = build(data, noisy_framework(fw, r.parameters.loc[rep]), method, id_col="unit_code").results
        np.testing.assert_allclose(r.scores[rep].to_numpy(), fresh[m.index_code].to_numpy(), rtol=1e-12, atol=0)
        np.testing.assert_array_equal(r.ranks[rep].to_numpy(), fresh[f"rank_{m.index_code}"].to_numpy(dtype=float))


def test_lei_methodology_with_aggregation_alternatives_rejects_geometric_over_goalpost_zeros():
    m = load_methodology()
    fw, method = m.framework(), m.method()
    codes = [i.code for i in m.indicators]
    positive = lei_table(m, 40)
    positive[codes] = positive[codes].clip(lower=1)
    zero = positive.copy()
    zero.loc[3, codes[4]] = 0.0  # an indicator at its lower goalpost scores 0
    spec = {"replications": 8, "seed": 1, "alternatives": {"aggregate": ["arithmetic", "geometric"]}}
    with pytest.raises(AggregationError, match=rf"normalise=goalposts \(the method's own\) indicator '{codes[4]}' is 0 for unit 'U00003'"):
        run_uncertainty(zero, fw, method, spec, id_col="unit_code")
    r = run_uncertainty(positive, fw, method, spec, id_col="unit_code")
    geo = r.parameters.index[r.parameters["aggregate"] == "geometric"]
    assert 0 < len(geo) < 8
    fresh = build(positive, fw, replace(method, aggregate=AggregateSpec("geometric")), id_col="unit_code").results
    for rep in geo:
        np.testing.assert_allclose(r.scores[rep].to_numpy(), fresh[m.index_code].to_numpy(), rtol=1e-12, atol=0)


def test_the_last_evaluation_releases_each_combination_once_done(asem, monkeypatch):
    """run_uncertainty evaluates its replications once: each combination's cached tables are
    dropped after its runs (on a wave too large to keep them all), and the scores and ranks are
    those of an evaluation that keeps them."""
    import lei_pipeline.index.uncertainty as engine
    from lei_pipeline.index.uncertainty import Replicator
    from lei_pipeline.index.uncertainty_spec import Uncertainty

    monkeypatch.setattr(engine, "_KEEP_ALL_VALUES", 0)   # ASEM's tables would all be kept
    data, fw, m, kw = asem
    spec = Uncertainty.from_dict({**FULL, "alternatives": {"normalise": NORMALISE}})
    u = np.random.default_rng(5).random((60, Replicator(data, fw, m, spec, **kw).n_vars))
    keeping, releasing = Replicator(data, fw, m, spec, **kw), Replicator(data, fw, m, spec, **kw)
    kept = keeping.evaluate(u)
    released = releasing.evaluate(u, keep=())
    for a, b in zip(kept, released):
        np.testing.assert_array_equal(a, b)
    assert len(keeping._cache) >= 2 and len(releasing._cache) == 0


def test_a_block_crossing_combinations_holds_one_at_a_time(asem, monkeypatch):
    """evaluate(keep=...) drops each combination's tables as soon as its runs are done, unless a
    later block needs it: while one combination's table is made, no finished one is still held
    (at 100,000 units each is ~400 MB, and a block of Sobol runs crossed three), and the scores
    and ranks are those of an evaluation that keeps every table."""
    import lei_pipeline.index.uncertainty as engine
    from lei_pipeline.index.uncertainty import Replicator
    from lei_pipeline.index.uncertainty_spec import Uncertainty

    monkeypatch.setattr(engine, "_KEEP_ALL_VALUES", 0)
    data, fw, m, kw = asem
    spec = Uncertainty.from_dict({**FULL, "alternatives": {"normalise": NORMALISE}})
    keeping, releasing = Replicator(data, fw, m, spec, **kw), Replicator(data, fw, m, spec, **kw)
    u = np.random.default_rng(9).random((40, keeping.n_vars))
    numbers = releasing.combinations(u)
    assert len(set(numbers.tolist())) == 3        # the block crosses every normalise option
    last = int(numbers.max())
    held, normalised = [], Replicator._normalised

    def spying(self, pre):
        if pre not in self._cache:
            held.append(len(self._cache))
        return normalised(self, pre)

    monkeypatch.setattr(Replicator, "_normalised", spying)
    released = releasing.evaluate(u, keep={last})
    assert held == [0, 0, 0]                      # nothing finished was held while the next was made
    assert [releasing._pres[pre] for pre in releasing._cache] == [last]   # a later block's is kept
    for a, b in zip(keeping.evaluate(u), released):
        np.testing.assert_array_equal(a, b)
