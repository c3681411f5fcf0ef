"""Methodology v1: structure, and every scoring rule on hand-made answers (expected values
computed here from the rule's definition, not read back from the code)."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology import check_against, compose_index, load_methodology, parse_methodology, score_indicators
from lei_pipeline.settings import REPO_ROOT
from lei_pipeline.survey.questionnaire import load_questionnaire


@pytest.fixture(scope="module")
def q():
    return load_questionnaire()


@pytest.fixture(scope="module")
def m():
    # These tests pin methodology v1's rules (old snapshots name it; it must stay loadable and
    # score as it did). v2 is tested in test_methodology_v2.py.
    return load_methodology(REPO_ROOT / "data" / "methodology" / "lei-v1.yaml")


def test_structure_two_pillars_four_components(m):
    assert m.version == "1.0.0" and re.fullmatch(r"[0-9a-f]{64}", m.sha256)
    assert m.pillar_codes == ["key_enablers", "e_services"]
    assert [c.code for c in m.pillars[0].components] == ["infrastructure", "human_resources"]
    assert [c.code for c in m.pillars[1].components] == ["service_quality", "citizen_involvement"]
    assert m.pillars[0].name["sr_latn"] == "Preduslovi za eUpravu"
    assert m.pillars[1].name["sr_latn"] == "Indeks elektronskih usluga"
    assert m.index_code == "lei"


def test_weights_positive_and_sum_per_parent(m):
    for comp in m.components:
        w = [i.weight for i in m.indicators if i.component == comp.code]
        assert len(w) >= 3 and all(x > 0 for x in w) and math.isclose(sum(w), len(w))
    # Dimension weights are declared as shares: each pillar's components and the pillars sum to 1.
    for p in m.pillars:
        assert math.isclose(sum(c.weight for c in p.components), 1)
    assert math.isclose(sum(p.weight for p in m.pillars), 1)


def test_every_indicator_reads_existing_questions_with_a_fitting_rule(m, q):
    assert check_against(m, q) == []
    for i in m.indicators:
        assert i.questions and all(code in q.questions for code in i.questions)
        assert i.description["sr_latn"].strip() and i.description["en"].strip()
    rules = {i.rule for i in m.indicators}
    assert rules == {"yes_no", "points", "sophistication", "share_selected", "linear", "ratio", "recent_date"}


def test_categories_cover_0_to_100_in_five_bands(m):
    cats = m.categories
    assert [c.label_sr for c in cats] == ["visoko razvijena", "više razvijena", "srednje razvijena", "niže razvijena", "nerazvijena"]
    assert cats[-1].min == 0 and all(a.min > b.min for a, b in zip(cats, cats[1:]))
    for score in np.linspace(0, 100, 101):
        assert m.category_of(float(score)) is not None
    assert m.category_of(40.0).label_en == "medium developed"
    assert "not public" in m.raw["categories"]["assumption"]


def test_method_is_goalposts_arithmetic_with_category_tiers(m):
    method = m.method()
    assert method.normalise.method == "goalposts" and method.normalise.default == (0.0, 100.0)
    assert method.aggregate.method == "arithmetic"
    assert [t.min for t in method.tiers.labels] == [c.min for c in m.categories]
    fw = m.framework()
    assert set(fw.indicators) == {i.code for i in m.indicators}


def test_methodology_sha256_is_of_the_file_bytes(m):
    import hashlib

    assert m.sha256 == hashlib.sha256(m.path.read_bytes()).hexdigest()


def test_unknown_rule_and_uncovered_categories_are_rejected(m):
    text = m.path.read_text(encoding="utf-8")
    with pytest.raises(LeiError, match="unknown rule"):
        parse_methodology(text.replace("rule: yes_no", "rule: magic", 1).encode())
    with pytest.raises(LeiError, match="cover 0..100"):
        parse_methodology(text.replace("min: 0}", "min: 5}").replace("min: 0\n", "min: 5\n").encode())


def _frame(wave: str, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df.insert(0, "wave", wave)
    return df


def _value(ind: pd.DataFrame, unit: str, code: str) -> float:
    row = ind[(ind.unit_code == unit) & (ind.indicator == code)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def _trace(ind, unit, code) -> str:
    return str(ind[(ind.unit_code == unit) & (ind.indicator == code)]["trace"].iloc[0])


def test_yes_no_dont_know_and_missing_rules(m, q):
    df = _frame("2022", [
        {"unit_code": "u1", "STR01": "Y", "SEC07": "Y"},
        {"unit_code": "u2", "STR01": "N", "SEC07": "N"},
        {"unit_code": "u3", "STR01": "DK", "SEC07": "DK"},
        {"unit_code": "u4", "STR01": None, "SEC07": None},
    ])
    df["STR01"] = df["STR01"].astype("str")
    df["SEC07"] = df["SEC07"].astype("str")
    ind = score_indicators(df, q, m)
    assert [_value(ind, u, "STR01") for u in ("u1", "u2", "u3")] == [100.0, 0.0, 0.0]
    assert math.isnan(_value(ind, "u4", "STR01"))           # default: missing is left out
    assert _value(ind, "u4", "SEC07") == 0.0                 # desk-checked: missing scores 0
    assert "DK" in _trace(ind, "u3", "STR01") and "scored 0" in _trace(ind, "u3", "STR01")
    assert "not answered" in _trace(ind, "u4", "STR01")
    assert "STR01=Y -> 100" == _trace(ind, "u1", "STR01")


def test_points_and_sophistication_with_not_applicable(m, q):
    df = _frame("2024", [
        {"unit_code": "a", "STR03": "A2", "SRV01": "L3", "TRN07": "A1", "OFC01": "DK"},
        {"unit_code": "b", "STR03": "A4", "SRV01": "NA", "TRN07": "NA", "OFC01": "A2"},
    ])
    ind = score_indicators(df, q, m)
    pts = m.indicator("STR03").points
    assert _value(ind, "a", "STR03") == pts["A2"] == 60
    assert _value(ind, "b", "STR03") == 0
    assert _value(ind, "a", "SRV01") == 75.0                 # L3 of L0..L4 on a 0..100 scale
    assert math.isnan(_value(ind, "b", "SRV01"))             # not a competence: left out
    assert _value(ind, "a", "TRN07") == 100 and math.isnan(_value(ind, "b", "TRN07"))
    assert _value(ind, "a", "OFC01") == 0 and _value(ind, "b", "OFC01") == 50


def test_share_selected_all_and_listed_subquestions(m, q):
    hr = {f"HR04[SQ00{k}]": v for k, v in zip(range(1, 7), [True, False, True, False, False, False])}
    pay = {"PAY01[SQ001]": True, "PAY01[SQ002]": False, "PAY01[SQ003]": False, "PAY01[SQ004]": True, "PAY01[SQ005]": False}
    hidden = {k: None for k in hr} | {k: None for k in pay}
    df = _frame("2024", [{"unit_code": "a", **hr, **pay}, {"unit_code": "b", **hidden}])
    for c in list(hr) + list(pay):
        df[c] = df[c].astype("boolean")
    ind = score_indicators(df, q, m)
    assert _value(ind, "a", "HR04") == pytest.approx(100 * 2 / 6)
    assert _value(ind, "a", "PAY01") == pytest.approx(100 * 1 / 3)   # POS (SQ004) is not an e-channel
    assert math.isnan(_value(ind, "b", "HR04"))
    assert "SQ001 SQ003" in _trace(ind, "a", "HR04")


def test_linear_capped_reversed_and_ratio(m, q):
    df = _frame("2022", [
        {"unit_code": "a", "ICT03": 37.5, "STR05": 3.0, "ENG06": 16.0, "TRN02": 4.0, "ICT01": 100.0, "HR01": 1.0, "ICT02": 75.0},
        {"unit_code": "b", "ICT03": np.nan, "STR05": 0.5, "ENG06": 45.0, "TRN02": 25.0, "ICT01": 0.0, "HR01": 2.0, "ICT02": 10.0},
    ])
    ind = score_indicators(df, q, m)
    assert _value(ind, "a", "ICT03") == pytest.approx(62.5)             # worst 100, best 0
    assert _value(ind, "a", "STR05") == 100.0                            # above best: capped
    assert _value(ind, "b", "STR05") == pytest.approx(25.0)              # 0.5 of 0..2
    assert _value(ind, "a", "ENG06") == pytest.approx((16 - 30) / (2 - 30) * 100)
    assert _value(ind, "b", "ENG06") == 0.0
    assert _value(ind, "a", "TRN02") == pytest.approx(40.0) and _value(ind, "b", "TRN02") == 100.0
    assert _value(ind, "a", "HR01") == pytest.approx(50.0)              # 1 per 100 employees of best 2
    assert _value(ind, "a", "ICT02") == pytest.approx(50.0)             # 0.75 per employee, 0.5..1
    assert math.isnan(_value(ind, "b", "HR01"))                          # denominator 0
    assert math.isnan(_value(ind, "b", "ICT03"))


def test_recent_date_and_not_asked_in_wave(m, q):
    df = _frame("2024", [
        {"unit_code": "a", "REG07": pd.Timestamp("2023-06-01"), "REG06": 3.0},
        {"unit_code": "b", "REG07": pd.Timestamp("2021-01-01"), "REG06": 3.0},
    ])
    ind = score_indicators(df, q, m)
    assert _value(ind, "a", "REG07") == 100.0      # within 365 days of 2023-12-31
    assert _value(ind, "b", "REG07") == 0.0
    assert math.isnan(_value(ind, "a", "REG06"))    # REG06 was asked in 2022 only
    assert "not asked in wave 2024" in _trace(ind, "a", "REG06")


def test_long_table_shape_and_types(m, q):
    df = _frame("2022", [{"unit_code": "a", "STR01": "Y"}, {"unit_code": "b", "STR01": "N"}])
    ind = score_indicators(df, q, m)
    assert list(ind.columns) == ["wave", "unit_code", "indicator", "component", "value", "status", "trace"]
    assert len(ind) == 2 * len(m.indicators)
    assert ind["value"].dropna().between(0, 100).all()
    assert ind["trace"].notna().all()


def test_compose_index_means_ranks_types_and_categories(m):
    units = ["c1", "m1", "m2", "bg"]
    level = {"c1": 70.0, "m1": 30.0, "m2": 50.0, "bg": 50.0}
    rows = []
    for u in units:
        for i in m.indicators:
            v = level[u]
            if u == "m2" and i.component == "human_resources":
                v = np.nan if i.code == "HR01" else 10.0      # one missing indicator
            rows.append({"wave": "2022", "unit_code": u, "indicator": i.code, "component": i.component, "value": v, "trace": ""})
    ind = pd.DataFrame(rows)
    reg = pd.DataFrame({"unit_code": units, "name_latin": ["Grad1", "Opština1", "Opština2", "Beograd"],
                        "unit_type": ["city", "municipality", "municipality", "capital_city"]})
    sc = compose_index(ind, reg, m).set_index("unit_code")
    n_hr = sum(1 for i in m.indicators if i.component == "human_resources")
    assert sc.loc["m2", "human_resources"] == pytest.approx(10.0)      # missing dropped, not zero
    assert n_hr > 1
    expected_m2 = np.mean([50.0, 10.0, 50.0, 50.0])                     # equal weights at every level
    assert sc.loc["m2", "lei"] == pytest.approx(expected_m2)
    assert sc.loc["c1", "key_enablers"] == pytest.approx(70.0)
    assert sc.loc["c1", "rank"] == 1 and sc.loc["bg", "rank"] == 2 and sc.loc["m1", "rank"] == 4
    assert sc.loc["bg", "rank_in_type"] == 2 and sc.loc["c1", "rank_in_type"] == 1   # capital ranked with cities
    assert sc.loc["m2", "rank_in_type"] == 1 and sc.loc["m1", "rank_in_type"] == 2
    assert sc.loc["c1", "category"] == "više razvijena" and sc.loc["m1", "category_en"] == "less developed"
    assert sc.loc["bg", "unit_name"] == "Beograd"
    assert list(compose_index(ind, reg, m).columns) == [
        "wave", "unit_code", "unit_name", "unit_type", "type_group", "infrastructure", "human_resources", "service_quality",
        "citizen_involvement", "key_enablers", "e_services", "lei", "rank_score", "rank", "rank_in_type", "category",
        "category_en", "ranked", "rank_reason", "coverage_infrastructure", "coverage_human_resources",
        "coverage_service_quality", "coverage_citizen_involvement"]
    assert sc["ranked"].all() and sc["rank_reason"].isna().all()         # v1 declares no eligibility rule
