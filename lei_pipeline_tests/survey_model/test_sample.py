"""The seeded sample generator: determinism, calibration to the published first LEI
measurement, export shapes and quirks, and the committed sample waves."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.methodology import compose_index, load_methodology, score_indicators
from lei_pipeline.registry import Matcher, load_registry
from lei_pipeline.sample import (
    SYNTHETIC_NOTICE, export_frame, generate_responses, synthetic_registry, write_export, write_sample_waves,
)
from lei_pipeline.settings import REPO_ROOT
from lei_pipeline.survey.questionnaire import IDENTITY_HEADERS, load_questionnaire
from lei_pipeline.waves.declared import export_files

RAW = REPO_ROOT / "data" / "raw"
COMPONENTS = {"infrastructure": 49, "citizen_involvement": 43, "human_resources": 37, "service_quality": 32}


@pytest.fixture(scope="module")
def q():
    return load_questionnaire()


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def scores(q, reg):
    m = load_methodology()
    return {w: compose_index(score_indicators(generate_responses(w, seed=42, questionnaire=q, registry=reg), q, m), reg, m)
            for w in ("2022", "2024", "2025")}


def test_notice():
    assert SYNTHETIC_NOTICE == "synthetic sample data, not real LEI results"


def test_calibrated_to_the_first_published_measurement(scores):
    s = scores["2022"]
    assert abs(s["lei"].mean() - 40) <= 2
    for comp, target in COMPONENTS.items():
        assert abs(s[comp].mean() - target) <= 3, (comp, s[comp].mean())
    cats = s["category_en"].value_counts()
    assert cats.get("highly developed", 0) == 0 and cats.get("undeveloped", 0) == 0
    assert cats.get("medium developed", 0) + cats.get("less developed", 0) >= 0.8 * len(s)


def test_later_waves_improve_with_some_regressions(scores):
    means = [scores[w]["lei"].mean() for w in ("2022", "2024", "2025")]
    assert means[0] + 1 < means[1] < means[2] < means[0] + 12
    both = scores["2022"][["unit_code", "lei"]].merge(scores["2025"][["unit_code", "lei"]], on="unit_code")
    change = both["lei_y"] - both["lei_x"]
    assert 0 < (change < 0).sum() < len(change) / 2


def test_cities_ahead_of_municipalities(scores):
    s = scores["2022"]
    by = s.groupby(s["unit_type"].replace({"capital_city": "city"}))["lei"].mean()
    assert by["city"] > by["municipality"] + 3


def test_about_140_respondents_from_the_registry(q, reg):
    df = generate_responses("2022", seed=42, questionnaire=q, registry=reg)
    respondents = set(reg.loc[reg["respondent"], "unit_code"])
    assert 135 <= len(df) < 145 and set(df["unit_code"]) <= respondents and df["unit_code"].is_unique
    assert list(df.columns[:7]) == ["wave", "unit_code", "unit_name", "unit_type", "source_file", "source_row", "submitted_at"]
    assert list(df.columns[7:]) == q.export_columns("2022")
    assert (df["STR01"] == "DK").any() and df["STR01"].isna().any()     # don't know and missing both occur
    assert df["HR04[SQ001]"].dtype == "boolean" and df["ICT03"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(df["REG07"])


def test_same_seed_same_frame_other_seed_differs(q, reg):
    a = generate_responses("2024", seed=7, questionnaire=q, registry=reg)
    b = generate_responses("2024", seed=7, questionnaire=q, registry=reg)
    c = generate_responses("2024", seed=8, questionnaire=q, registry=reg)
    pd.testing.assert_frame_equal(a, b)
    assert not a["ICT03"].equals(c["ICT03"])


def test_same_seed_writes_identical_bytes(tmp_path, q, reg):
    first = write_sample_waves(tmp_path / "a", seed=3, questionnaire=q, registry=reg)
    second = write_sample_waves(tmp_path / "b", seed=3, questionnaire=q, registry=reg)
    for x, y in zip(first, second):
        assert x.read_bytes() == y.read_bytes(), x.name
        assert (x.parent / "SYNTHETIC.md").read_text(encoding="utf-8").count(SYNTHETIC_NOTICE) >= 1


def test_committed_sample_waves_are_the_seed_42_output(tmp_path, q, reg):
    fresh = write_sample_waves(tmp_path, seed=42, questionnaire=q, registry=reg)
    for path in fresh:
        committed = RAW / path.parent.name / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: run `lei sample`"
        assert export_files(committed.parent) == [committed]          # the note is not an export
        for name in ("SYNTHETIC-truth/truth.csv", "SYNTHETIC-truth/events.csv"):   # nor is the ground truth
            assert (committed.parent / name).read_bytes() == (path.parent / name).read_bytes(), name
        assert SYNTHETIC_NOTICE in (committed.parent / "SYNTHETIC.md").read_text(encoding="utf-8")
    assert SYNTHETIC_NOTICE.lower() in (RAW / "README.md").read_text(encoding="utf-8").lower()


def _names(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).active
        rows = list(ws.iter_rows(values_only=True))
        col = rows[0].index(IDENTITY_HEADERS["sr_latn"]["JLS"])
        return [r[col] for r in rows[1:]]
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return list(pd.read_csv(io.BytesIO(raw[3:]), sep=";", dtype=str)["JLS"])
    return list(pd.read_csv(path, dtype=str)["JLS"])


@pytest.mark.parametrize("wave", ["2022", "2024", "2025"])
def test_every_committed_name_matches_one_respondent(wave, reg):
    path = export_files(RAW / wave)[0]
    matcher = Matcher(reg, respondents_only=True)
    results = [matcher.match(n) for n in _names(path)]
    assert all(r.unit_code is not None and r.status != "ambiguous" for r in results)
    statuses = {r.status for r in results}
    assert "exact" in statuses
    if wave == "2022":
        assert "fuzzy" in statuses                                   # the one-letter typo


def test_limesurvey_shape(tmp_path, q, reg):
    df = generate_responses("2022", n_units=30, seed=1, questionnaire=q, registry=reg)
    path = write_export(df, tmp_path / "x.csv", "limesurvey", q)
    text = path.read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:6] == ["id", "submitdate", "lastpage", "startlanguage", "JLS", "JLS_CODE"]
    assert header[6:] == q.export_columns("2022")
    first = text.splitlines()[1]
    assert first.startswith('"1","2022-03-') and first.count('","') == len(header) - 1   # every field quoted
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(back["HR04[SQ001]"]) <= {"Y", ""}
    assert set(back["STR01"]) <= {"Y", "N", "DK", ""}


def test_excel_csv_shape(tmp_path, q, reg):
    df = generate_responses("2025", n_units=30, seed=1, questionnaire=q, registry=reg)
    path = write_export(df, tmp_path / "x.csv", "excel-csv", q)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    back = pd.read_csv(io.BytesIO(raw[3:]), sep=";", dtype=str, keep_default_na=False)
    assert back["JLS"].str.contains(r"[\u0400-\u04FF]").all()
    assert back["ICT03"].str.contains(",").any() and not back["ICT03"].str.contains(r"\.").any()
    assert back["REG07"].str.fullmatch(r"(\d\d\.\d\d\.\d{4})?").all()


def test_xlsx_shape_uses_full_serbian_texts(tmp_path, q, reg):
    from openpyxl import load_workbook

    df = generate_responses("2024", n_units=20, seed=1, questionnaire=q, registry=reg)
    path = write_export(df, tmp_path / "x.xlsx", "xlsx", q)
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    texts = q.header_texts("sr_latn", "2024")
    assert header[:4] == [IDENTITY_HEADERS["sr_latn"][c] for c in ("id", "submitdate", "JLS", "JLS_CODE")]
    assert header[4:] == [texts[c] for c in q.export_columns("2024")]
    col = header.index(texts["ICT01"])
    assert all(isinstance(ws.cell(row=r, column=col + 1).value, (int, float, type(None))) for r in range(2, 22))


def test_scales_beyond_the_registry_deterministically(q, reg):
    n = 3000
    a = generate_responses("2025", n_units=n, seed=5, questionnaire=q, registry=reg)
    b = generate_responses("2025", n_units=n, seed=5, questionnaire=q, registry=reg)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == n and a["unit_code"].is_unique
    assert a["unit_code"].str.startswith("S").sum() == n - int(reg["respondent"].sum())
    cells = export_frame(a, "limesurvey", q)
    assert len(cells) == n
    big_reg = synthetic_registry(n, seed=5, registry=reg)
    assert set(a["unit_code"]) <= set(big_reg["unit_code"])
    m = load_methodology()
    sc = compose_index(score_indicators(a, q, m), big_reg, m)
    assert sc["unit_name"].notna().all() and sc["lei"].between(0, 100).all()
