"""Each step alone, on small tables whose answers can be worked out by hand, and the LEI path
(string unit codes, missing indicators, goalposts, arithmetic, tiers)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lei_pipeline.index import (
    Framework,
    Method,
    Node,
    availability,
    build,
    impute,
    rank_desc,
    screen,
    skew_kurt,
    treat,
    winsorise,
)
from lei_pipeline.index.method import TreatSpec
from lei_pipeline.index.results import _rank_desc_array

NaN = np.nan


def frame(d: dict, ids=None) -> pd.DataFrame:
    n = len(next(iter(d.values())))
    return pd.DataFrame(d, index=pd.Index(ids or [f"u{i}" for i in range(n)], name="id"), dtype=float)


def test_impute_mean_median_and_by_group():
    t = frame({"x": [1.0, NaN, 3.0, 10.0, NaN], "y": [NaN, 2.0, 2.0, 4.0, 8.0]})
    groups = pd.Series(["a", "a", "a", "b", "b"], index=t.index)
    assert impute(t, "mean")["x"].tolist() == [1, 14 / 3, 3, 10, 14 / 3]
    assert impute(t, "median")["y"].tolist() == [3, 2, 2, 4, 8]
    g = impute(t, "group_mean", groups)
    assert g["x"].tolist() == [1, 2, 3, 10, 10]
    assert g["y"].tolist() == [2, 2, 2, 4, 8]
    gm = impute(frame({"x": [1.0, 2.0, 9.0, NaN]}), "group_median", pd.Series(["a"] * 4, index=[f"u{i}" for i in range(4)]))
    assert gm["x"].iloc[3] == 2.0
    # A group with no value to borrow, and a unit without a group, stay missing.
    lonely = impute(frame({"x": [NaN, 1.0, NaN]}), "group_mean", pd.Series(["a", "b", None], index=["u0", "u1", "u2"]))
    assert lonely["x"].isna().tolist() == [True, False, True]


def test_screen_keeps_units_with_enough_values():
    t = frame({"a": [1, NaN, NaN], "b": [1, 1, NaN], "c": [1, 1, 1], "d": [1, 1, NaN], "e": [1, 1, 1]})
    assert availability(t).tolist() == [1.0, 0.8, 0.4]
    kept, avail = screen(t, 0.8)
    assert kept.index.tolist() == ["u0", "u1"] and avail["u2"] == 0.4


def test_skew_and_kurtosis_are_type_2_as_scipy_unbiased():
    rng = np.random.default_rng(7)
    x = rng.lognormal(size=40)
    s, k = skew_kurt(np.append(x, NaN))
    assert s == pytest.approx(stats.skew(x, bias=False), rel=1e-12)
    assert k == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-12)


def _fails(x):  # COINr's rule, computed with scipy as an independent check
    return abs(stats.skew(x, bias=False)) >= 2 and stats.kurtosis(x, bias=False) >= 3.5


def test_winsorise_moves_the_extreme_and_counts_ties():
    # COINr's documentation example: 1..10 with two high outliers; one step (100 -> 30) suffices.
    x = np.array([*range(1, 11), 30.0, 100.0])
    out, nwin, ok = winsorise(x, TreatSpec("winsorise", winmax=5))
    assert _fails(x) and not _fails(out) and ok
    assert nwin == 1 and out.tolist() == [*range(1, 11), 30.0, 30.0]


OUTLIERS = np.array([*np.linspace(1, 2, 20), 1000.0, 2000.0, 3000.0, 4000.0])


def test_winsorised_points_pile_up_and_are_counted_together():
    step1 = np.array([*OUTLIERS[:-1], 3000.0])
    assert _fails(OUTLIERS) and _fails(step1)
    out, nwin, ok = winsorise(OUTLIERS, TreatSpec("winsorise", winmax=5))
    # Step 1: 4000 -> 3000 (1 point). Step 2: both 3000s -> 2000 (2 points, they piled up).
    assert ok and nwin == 2
    assert out.tolist() == [*OUTLIERS[:-3], 2000.0, 2000.0, 2000.0]


def test_log_fallback_uses_original_values_when_winsorising_is_not_enough():
    x = OUTLIERS
    t = frame({"x": x})
    out, details = treat(t, TreatSpec("winsorise", winmax=1))
    lo, hi = x.min(), x.max()
    np.testing.assert_allclose(out["x"], np.log(x - lo + 0.01 * (hi - lo)), rtol=1e-15)
    assert details.loc[0, "treatment"] == "log" and details.loc[0, "winsorised"] == 1
    # With room to winsorise it never needs the log.
    out2, details2 = treat(t, TreatSpec("winsorise", winmax=5))
    assert details2.loc[0, "treatment"] == "winsorise" and out2["x"].max() == 2000.0
    # fallback: none keeps the partly winsorised values.
    out3, d3 = treat(t, TreatSpec("winsorise", winmax=1, fallback=None))
    assert d3.loc[0, "treatment"] == "winsorise" and out3["x"].max() == 3000.0
    assert not d3.loc[0, "passes_after"]


def test_treat_leaves_passing_and_missing_values_alone():
    t = frame({"x": [1.0, 2.0, NaN, 3.0, 4.0, 5.0]})
    out, details = treat(t, TreatSpec("winsorise"))
    assert details.loc[0, "treatment"] == "none"
    assert out["x"].isna().tolist() == t["x"].isna().tolist()
    assert out["x"].dropna().tolist() == [1, 2, 3, 4, 5]


def tiny_fw(direction=1):
    return Framework(nodes=[Node("a", "P", 1, direction=direction), Node("b", "P", 1, weight=3.0), Node("P", None, 2)])


def test_zscore_uses_sample_sd_and_hits_the_targets():
    data = pd.DataFrame({"id": ["x", "y", "z", "w"], "a": [1.0, 2.0, 3.0, 10.0], "b": [5.0, 1.0, 0.0, 2.0]})
    b = build(data, tiny_fw(), Method.from_dict({"normalise": {"method": "zscore", "mean": 10, "sd": 2}}), id_col="id")
    for c in "ab":
        assert b.normalised[c].mean() == pytest.approx(10)
        assert b.normalised[c].std(ddof=1) == pytest.approx(2)


def test_rank_normalisation_ties_take_lowest_and_missing_stays():
    data = pd.DataFrame({"id": list("pqrst"), "a": [5.0, 1.0, 5.0, NaN, 3.0], "b": [1.0, 2, 3, 4, 5]})
    b = build(data, tiny_fw(direction=-1), Method.from_dict({"normalise": {"method": "rank"}}), id_col="id")
    # Direction -1: the smallest raw value is best, so it gets the highest normalised rank.
    assert b.normalised["a"].tolist()[:3] == [1.0, 4.0, 1.0]
    assert np.isnan(b.normalised.loc["s", "a"]) and b.normalised.loc["t", "a"] == 3.0


def test_goalposts_truncate_scale_and_respect_direction():
    data = pd.DataFrame({"id": ["x", "y", "z"], "a": [-5.0, 25.0, 80.0], "b": [0.0, 5.0, 20.0]})
    method = {"normalise": {"method": "goalposts", "bounds": {"b": [0, 10]}, "default": [0, 50]}}
    b = build(data, tiny_fw(direction=-1), Method.from_dict(method), id_col="id")
    assert b.normalised["a"].tolist() == [100.0, 50.0, 0.0]  # direction -1: low is good
    assert b.normalised["b"].tolist() == [0.0, 50.0, 100.0]


def test_goalposts_score_does_not_depend_on_other_units_or_waves():
    from lei_pipeline_tests.support.asem import ASEM

    panel = pd.read_csv(ASEM / "asem_idata_panel.csv", dtype={"uCode": "str"})
    meta = pd.read_csv(ASEM / "asem_imeta.csv")
    fw = Framework.from_coinr_meta(meta)
    inds = fw.indicators
    bounds = {c: [float(panel[c].min()), float(panel[c].max())] for c in inds}
    method = Method.from_dict({"normalise": {"method": "goalposts", "bounds": bounds}, "aggregate": {}})
    panel["uid"] = panel["uCode"] + "-" + panel["Time"].astype(str)
    whole = build(panel, fw, method, id_col="uid")
    one = build(panel[panel.Time == 2018], fw, method, id_col="uid")
    np.testing.assert_allclose(one.aggregated["Index"], whole.aggregated.loc[one.aggregated.index, "Index"], rtol=1e-12)
    minmax = Method.from_dict({"normalise": {"method": "minmax"}, "aggregate": {}})
    a = build(panel[panel.Time == 2018], fw, minmax, id_col="uid").aggregated["Index"]
    b = build(panel, fw, minmax, id_col="uid").aggregated.loc[a.index, "Index"]
    assert not np.allclose(a, b)  # the contrast: min-max scores move when other waves join


def test_missing_child_is_dropped_and_weights_rescaled():
    data = pd.DataFrame({"id": ["x", "y", "z"], "a": [10.0, NaN, NaN], "b": [40.0, 20.0, NaN]})
    b = build(data, tiny_fw(), Method.from_dict({"aggregate": {"method": "arithmetic"}}), id_col="id")
    assert b.aggregated["P"].iloc[0] == pytest.approx((10 * 1 + 40 * 3) / 4)
    assert b.aggregated["P"].iloc[1] == 20.0 and np.isnan(b.aggregated["P"].iloc[2])
    assert pd.isna(b.results.loc["z", "rank_P"]) and b.results.loc["x", "rank_P"] == 1


def test_rank_desc_and_results_ranks_agree():
    s = pd.Series([3.0, 1.0, 3.0, NaN, 5.0], index=list("abcde"))
    r = rank_desc(s)
    assert r.dtype == "Int64"
    assert r.tolist()[:3] == [2, 4, 2] and pd.isna(r["d"]) and r["e"] == 1
    assert pd.Series(_rank_desc_array(s.to_numpy()), index=s.index).equals(r)


def lei_like():
    """Shape of the LEI call: indicators -> components -> pillars -> lei, unit_code strings,
    values already 0..100 with gaps, goalposts [0, 100], arithmetic, tiers."""
    nodes = [
        Node("I1", "C1", 1), Node("I2", "C1", 1), Node("I3", "C2", 1, weight=2), Node("I4", "C3", 1),
        Node("C1", "P1", 2), Node("C2", "P1", 2), Node("C3", "P2", 2),
        Node("P1", "lei", 3, weight=0.6), Node("P2", "lei", 3, weight=0.4),
        Node("lei", None, 4),
    ]
    data = pd.DataFrame({
        "unit_code": pd.array(["70017", "70025", "70033", "70041"], dtype="str"),
        "I1": [100.0, 50.0, NaN, 0.0],
        "I2": [100.0, NaN, NaN, 0.0],
        "I3": [80.0, 60.0, 40.0, NaN],
        "I4": [NaN, 100.0, 20.0, 0.0],
    })
    method = Method.from_dict({
        "normalise": {"method": "goalposts", "default": [0, 100]},
        "aggregate": {"method": "arithmetic"},
        "tiers": {"node": "lei", "labels": [{"label": "lider", "min": 80, "label_en": "leader"},
                                            {"label": "srednji", "min": 40}, {"label": "pocetnik"}]},
    })
    return data, Framework(nodes=nodes), method


def test_lei_path_with_string_ids_and_gaps():
    data, fw, method = lei_like()
    b = build(data, fw, method, id_col="unit_code")
    assert b.results.index.tolist() == ["70017", "70025", "70033", "70041"]
    assert b.results.index.name == "unit_code"
    agg = b.aggregated
    # 70017: C1 = 100, C2 = 80, P1 = (100 + 80) / 2 = 90, P2 missing -> lei = P1 = 90.
    assert agg.loc["70017", "lei"] == pytest.approx(90)
    # 70025: C1 = 50, C2 = 60, P1 = 55, P2 = 100, lei = 0.6 * 55 + 0.4 * 100 = 73.
    assert agg.loc["70025", "lei"] == pytest.approx(73)
    # 70033: C1 missing, P1 = C2 = 40; P2 = 20; lei = 0.6 * 40 + 0.4 * 20 = 32.
    assert agg.loc["70033", "lei"] == pytest.approx(32)
    assert b.results["tier"].tolist() == ["lider", "srednji", "pocetnik", "pocetnik"]
    assert b.results["tier_label_en"].iloc[0] == "leader" and b.results["tier_label_en"].iloc[1:].isna().all()
    assert b.results["rank_lei"].tolist() == [1, 2, 3, 4]
    assert list(b.results.columns[:1]) == ["lei"]
    assert {"rank_C1", "rank_P1", "rank_lei"} <= set(b.results.columns)


def test_id_may_be_the_index_and_skipped_steps_pass_tables_through():
    data, fw, method = lei_like()
    b = build(data.set_index("unit_code"), fw, Method.from_dict({"aggregate": {}}), id_col="unit_code")
    assert b.steps == ("aggregate",)
    for name in ("denominated", "imputed", "screened", "treated", "normalised"):
        pd.testing.assert_frame_equal(getattr(b, name), b.raw)
    assert set(b.tables()) == {"raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated", "results"}


def test_screening_drops_units_from_every_later_table():
    data, fw, _ = lei_like()
    m = Method.from_dict({"screen": {"min_availability": 0.75}, "normalise": {"method": "goalposts", "default": [0, 100]},
                          "aggregate": {}})
    b = build(data, fw, m, id_col="unit_code")
    assert b.dropped == ["70033"]
    assert "70033" not in b.results.index and "70033" in b.availability.index
    assert b.availability["70033"] == 0.5


def test_from_coinr_meta_reads_framework_groups_and_denominators(asem_inputs):
    _, meta, _ = asem_inputs
    fw = Framework.from_coinr_meta(meta)
    assert len(fw.indicators) == 49 and fw.roots == ["Index"]
    assert fw.groups == ("GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
    assert fw.denominators == ("Area", "Energy", "GDP", "Population")
    assert fw["Flights"].denominator == "Population" and fw["CostImpEx"].direction == -1
    assert fw.children("Conn") == ["Physical", "ConEcFin", "Political", "Instit", "P2P"]
    assert fw.aggregates[-1] == "Index"
