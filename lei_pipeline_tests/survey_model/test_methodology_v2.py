"""Methodology v2 on hand-made cases: how blanks, don't-know, NA and unreached pages read; who is
ranked; ranks on rounded scores; wave-bound and size-fair indicators; effective weights; NA on a
mandatory procedure as a validation problem. Expected values come from the rules as stated in the
YAML and the issue, computed here by hand, not read back from the code."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.methodology import compose_index, effective_weights, load_methodology, score_indicators
from lei_pipeline.methodology.facts import languages_path, with_official_languages
from lei_pipeline.problems import ERROR
from lei_pipeline.registry import load_registry
from lei_pipeline.settings import REPO_ROOT, Settings
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.questionnaire import load_questionnaire
from lei_pipeline.survey.readers import read_export

V2 = REPO_ROOT / "data" / "methodology" / "lei-v2.yaml"


@pytest.fixture(scope="module")
def q():
    return load_questionnaire()


@pytest.fixture(scope="module")
def m():
    return load_methodology(V2)


@pytest.fixture(scope="module")
def registry():
    return with_official_languages(load_registry(), languages_path(REPO_ROOT / "data" / "reference"))


def _frame(wave, rows):
    df = pd.DataFrame(rows)
    df.insert(0, "wave", wave)
    return df


def _get(ind, unit, code, col="value"):
    row = ind[(ind.unit_code == unit) & (ind.indicator == code)]
    assert len(row) == 1
    return row[col].iloc[0]


def test_v2_is_the_default_and_v1_stays_loadable(m):
    assert Settings.from_env().methodology_path.name == "lei-v2.yaml"
    assert load_methodology().sha256 == m.sha256 and m.version == "2.0.0"
    v1 = load_methodology(REPO_ROOT / "data" / "methodology" / "lei-v1.yaml")
    assert v1.version == "1.0.0" and not v1.declares_reading and v1.min_coverage is None
    changes = m.raw["changelog"]["changes"]
    assert m.raw["changelog"]["from"] == "1.0.0" and len(changes) >= 8 and all(c["what"] and c["why"] for c in changes)


def test_complete_submission_with_nothing_ticked_scores_zero(m, q):
    boxes = {f"HR04[SQ00{k}]": False for k in range(1, 7)} | {"HR04[NONE]": False}
    none = boxes | {"HR04[NONE]": True}
    some = boxes | {"HR04[SQ002]": True}
    df = _frame("2024", [{"unit_code": "blank", "complete": True, **boxes},
                         {"unit_code": "none", "complete": True, **none},
                         {"unit_code": "some", "complete": True, **some}])
    ind = score_indicators(df, q, m)
    assert _get(ind, "blank", "HR04") == 0.0 and _get(ind, "blank", "HR04", "status") == "blank"
    assert "blank" in _get(ind, "blank", "HR04", "trace") and "0 (blank: none)" in _get(ind, "blank", "HR04", "trace")
    assert _get(ind, "none", "HR04") == 0.0 and "none of these" in _get(ind, "none", "HR04", "trace")
    assert _get(ind, "some", "HR04") == pytest.approx(100 / 6)         # "none of these" is not a criterion


def test_unreached_page_reads_as_missing_and_counts_against_coverage(m, q):
    page = q.pages("2024")
    assert page["STR01"] == 1 and page["TRN01"] > 3
    df = _frame("2024", [{"unit_code": "left", "complete": False, "last_page": 3, "STR01": "Y", "TRN01": None},
                         {"unit_code": "done", "complete": True, "last_page": 12, "STR01": "Y", "TRN01": None}])
    ind = score_indicators(df, q, m)
    assert _get(ind, "left", "STR01") == 100.0                     # page 1 was reached
    assert math.isnan(_get(ind, "left", "TRN01")) and _get(ind, "left", "TRN01", "status") == "not_reached"
    assert "did not reach" in _get(ind, "left", "TRN01", "trace")
    assert _get(ind, "done", "TRN01") == 0.0                       # reached and left blank: none


def test_dont_know_blank_and_na_read_as_declared_and_can_be_overridden(m, q):
    df = _frame("2024", [{"unit_code": "dk", "complete": True, "STR01": "DK", "SRV08": "NA", "SRV01": "NA", "PER03": None},
                         {"unit_code": "bl", "complete": True, "STR01": None, "SRV08": "L2", "SRV01": "L4", "PER03": 5.0}])
    ind = score_indicators(df, q, m)
    assert _get(ind, "dk", "STR01") == 0.0 and "DK" in _get(ind, "dk", "STR01", "trace")          # dont_know: zero
    assert _get(ind, "bl", "STR01") == 0.0 and _get(ind, "bl", "STR01", "status") == "blank"     # blank: none
    assert math.isnan(_get(ind, "dk", "SRV08")) and "na: accepted" in _get(ind, "dk", "SRV08", "trace")
    assert _get(ind, "dk", "SRV01") == 0.0 and "na: refused" in _get(ind, "dk", "SRV01", "trace")
    assert math.isnan(_get(ind, "dk", "PER03")) and "blank: missing" in _get(ind, "dk", "PER03", "trace")
    alt = score_indicators(df, q, m, reading={"dont_know": "missing", "blank": "missing", "SRV01": {"na": "accepted"}})
    assert math.isnan(_get(alt, "dk", "STR01")) and math.isnan(_get(alt, "bl", "STR01"))
    assert math.isnan(_get(alt, "dk", "SRV01")) and _get(alt, "bl", "SRV01") == 100.0
    with pytest.raises(LeiError, match="reading override"):
        score_indicators(df, q, m, reading={"blank": "zero"})


def test_registry_decides_minority_languages_and_population(m, q, registry):
    subotica = registry.loc[registry["name_latin"] == "Subotica", "unit_code"].iloc[0]
    cacak = registry.loc[registry["name_latin"] == "Čačak", "unit_code"].iloc[0]
    no_pop = registry.loc[registry["respondent"] & registry["population_2022"].isna(), "unit_code"].iloc[0]
    pop = float(registry.loc[registry["unit_code"] == cacak, "population_2022"].iloc[0])
    df = _frame("2024", [{"unit_code": subotica, "complete": True, "TRN07": "A2", "HR08": None},
                         {"unit_code": cacak, "complete": True, "TRN07": None, "HR08": 5.0},
                         {"unit_code": no_pop, "complete": True, "TRN07": None, "HR08": 5.0}])
    ind = score_indicators(df, q, m, registry=registry)
    assert _get(ind, subotica, "TRN07") == 50.0
    assert math.isnan(_get(ind, cacak, "TRN07")) and _get(ind, cacak, "TRN07", "status") == "not_shown"
    assert _get(ind, cacak, "HR08") == pytest.approx(min(100.0, 5 * 10_000 / pop / 2 * 100))   # per 10,000, best 2
    assert math.isnan(_get(ind, no_pop, "HR08")) and _get(ind, no_pop, "HR08", "status") == "no_population"


def test_minority_languages_reach_every_unit_of_the_name(registry):
    # official-languages.csv names "Novi Sad": the responding city and its city municipality share it
    novi_sad = registry.loc[registry["name_latin"] == "Novi Sad"].set_index("unit_type")["minority_languages"]
    assert novi_sad["city"] == "hu sk rue" and novi_sad["city_municipality"] == "hu sk rue"


def test_sef_is_not_scored_before_it_was_mandatory(m, q):
    import datetime as dt

    df = _frame("2022", [{"unit_code": "a", "complete": True, "PAY03": "Y"}])
    ind = score_indicators(df, q, m, reference_dates={"2022": dt.date(2021, 12, 31)})
    assert math.isnan(_get(ind, "a", "PAY03")) and _get(ind, "a", "PAY03", "status") == "not_in_force"
    later = score_indicators(df.assign(wave="2024"), q, m, reference_dates={"2024": dt.date(2023, 12, 31)})
    assert _get(later, "a", "PAY03") == 100.0


def _indicators(m, values: dict, statuses: dict | None = None) -> pd.DataFrame:
    rows = []
    for unit, level in values.items():
        for i in m.indicators:
            v, st = level, "answered"
            if statuses and (unit, i.component) in statuses:
                v, st = statuses[(unit, i.component)](i)
            rows.append({"wave": "2024", "unit_code": unit, "indicator": i.code, "component": i.component,
                         "value": v, "status": st, "trace": ""})
    return pd.DataFrame(rows)


def _registry(units):
    return pd.DataFrame({"unit_code": units, "name_latin": units, "unit_type": ["municipality"] * len(units)})


def test_unit_below_the_coverage_rule_keeps_scores_but_gets_no_rank(m):
    hr = [i.code for i in m.indicators if i.component == "human_resources"]
    cut = set(hr[: len(hr) // 2 + 1])            # more than a third of HR's weight not reached
    gap = {("low", "human_resources"): lambda i: (np.nan, "not_reached") if i.code in cut else (30.0, "answered"),
           ("excused", "human_resources"): lambda i: (np.nan, "not_asked") if i.code in cut else (30.0, "answered")}
    sc = compose_index(_indicators(m, {"low": 30.0, "excused": 30.0, "full": 20.0}, gap), _registry(["low", "excused", "full"]), m)
    sc = sc.set_index("unit_code")
    assert sc.loc["low", "lei"] == pytest.approx(30.0) and not sc.loc["low", "ranked"]
    assert pd.isna(sc.loc["low", "rank"]) and pd.isna(sc.loc["low", "category"])
    assert "human_resources" in sc.loc["low", "rank_reason"] and "coverage below 67%" in sc.loc["low", "rank_reason"]
    assert sc.loc["low", "coverage_human_resources"] == pytest.approx(1 - len(cut) / len(hr))
    # missing by design (not asked in the wave) is not held against the unit
    assert sc.loc["excused", "ranked"] and sc.loc["excused", "coverage_human_resources"] == 1.0
    assert sc.loc["excused", "rank"] == 1 and sc.loc["full", "rank"] == 2


def test_equal_rounded_scores_share_the_best_rank_and_category(m):
    sc = compose_index(_indicators(m, {"a": 40.04, "b": 39.96, "c": 39.94, "d": 45.0}), _registry(["a", "b", "c", "d"]), m)
    sc = sc.set_index("unit_code")
    assert sc.loc["d", "rank"] == 1
    assert sc.loc["a", "rank"] == sc.loc["b", "rank"] == 2       # both print as 40.0
    assert sc.loc["c", "rank"] == 4                              # 39.9
    assert sc.loc["b", "category_en"] == "medium developed"      # 39.96 counts as 40.0
    assert sc.loc["c", "category_en"] == "less developed"
    assert sc.loc["b", "rank_score"] == 40.0


def test_effective_weights_are_shares_of_component_pillar_and_lei(m):
    w = effective_weights(m).set_index("indicator")
    assert list(w.index) == [i.code for i in m.indicators]
    n_hr = sum(1 for i in m.indicators if i.component == "human_resources")
    assert w.loc["HR03", "share_of_component"] == pytest.approx(1 / n_hr)
    assert w.loc["HR03", "share_of_pillar"] == pytest.approx(0.5 / n_hr)
    assert w.loc["HR03", "share_of_lei"] == pytest.approx(0.25 / n_hr)
    for col, by in (("share_of_component", "component"), ("share_of_pillar", "pillar")):
        assert np.allclose(w.groupby(by)[col].sum(), 1.0)
    assert w["share_of_lei"].sum() == pytest.approx(1.0)
    assert "SRV11" not in w.index and {"OFC07", "SRV15", "BUS01", "TRN08"} <= set(w.index)
    # the declared reading of each indicator travels with the weights
    assert w.loc["SRV01", "reading_na"] == "refused" and w.loc["SRV08", "reading_na"] == "accepted"
    assert w.loc["PER03", "reading_blank"] == "missing" and w.loc["STR01", "reading_blank"] == "none"
    assert w.loc["PAY03", "applies_from"] == "2022-05-01" and pd.isna(w.loc["STR01", "applies_from"])


def _export(tmp_path: Path, q, wave: str, rows: list[dict]) -> Path:
    cols = q.export_columns(wave)
    head = ["id", "submitdate", "lastpage", "startlanguage", "JLS", *cols]
    lines = [",".join(f'"{h}"' for h in head)]
    for k, r in enumerate(rows, start=1):
        cells = [str(k), "2024-03-01 10:00:00", "12", "sr", r.pop("JLS")] + [str(r.get(c, "")) for c in cols]
        lines.append(",".join(f'"{c}"' for c in cells))
    path = tmp_path / "lei.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_na_on_a_mandatory_procedure_is_a_problem_naming_row_and_column(tmp_path, q, registry):
    path = _export(tmp_path, q, "2024", [{"JLS": "Čačak", "STR01": "Y", "SRV01": "L2", "SRV08": "L1"},
                                         {"JLS": "Kraljevo", "STR01": "Y", "SRV01": "NA", "SRV08": "NA"},
                                         {"JLS": "Subotica", "STR01": "N", "TRN07": "NA", "HR04[NONE]": "Y", "HR04[SQ001]": "Y"}])
    raw = read_export(path, q, wave="2024")
    c = clean_responses(raw.frame, q, registry, "2024")
    errors = {(p.row, p.column): p for p in c.problems if p.severity == ERROR}
    assert set(errors) == {(3, "SRV01"), (3, "SRV08"), (4, "TRN07"), (4, "HR04[NONE]")}
    text = errors[(3, "SRV01")].describe()
    assert "lei.csv, row 3, column SRV01" in text and "every local government is responsible" in text
    assert "only city_municipality may answer NA" in errors[(3, "SRV08")].describe()
    assert "minority" in errors[(4, "TRN07")].describe()
    assert "contradicts itself" in errors[(4, "HR04[NONE]")].describe()
