"""Real exports written by LimeSurvey itself (other surveys; see fixtures/limesurvey_real/README.md)."""
from __future__ import annotations

import json

import pytest

from lei_pipeline.problems import ExportError
from lei_pipeline.survey.readers import read_export, read_limesurvey_csv
from lei_pipeline.survey.readers.lsr import read_lsr

from lei_pipeline_tests.support.lime_exports import REAL_LS, SHARED_LS


def test_results_csv_parsed_generically():
    f, problems = read_limesurvey_csv(REAL_LS / "results.csv")
    assert problems == []
    assert f.shape == (65, 27)
    assert list(f.columns[:4]) == ["id", "submitdate", "lastpage", "startlanguage"]
    incomplete = f[f["submitdate"].fillna("") == ""]
    assert len(incomplete) == 3
    assert sorted(incomplete["lastpage"].astype(int)) == [1, 2, 18]
    assert (f.loc[f["submitdate"] != "", "submitdate"] == "1980-01-01 00:00:00").all()
    intro = json.loads(f["intro"].iloc[0])          # doubled quotes undone, JSON intact
    assert intro["v5"]["group"] == "B" and len(intro["v5"]["answers"]) == 4
    others = f.loc[f["opleiding"] == "Other", "opleiding[other]"]
    assert "GERMAN UNI" in set(others)
    assert f.index.name == "source_row" and f.index[0] == 2 and f.index[-1] == 66
    assert (f["Score"].fillna("") == "").all()


def test_results_csv_is_not_an_lei_export(mini):
    with pytest.raises(ExportError) as e:
        read_export(REAL_LS / "results.csv", mini)
    msg = str(e.value)
    assert "results.csv" in msg and "no JLS column" in msg and "this is not an LEI export" in msg
    assert "found columns id, submitdate, lastpage" in msg


def test_lsr_xml_responses():
    f = read_lsr(REAL_LS / "survey_293446_responses.lsr")
    assert len(f) == 4
    assert f["submitdate"].isna().sum() == 1 and f.loc[f["submitdate"].isna(), "lastpage"].item() == "1"
    assert f["293446X22X250other"].iloc[0] == "lala"


needs_shared = pytest.mark.skipif(not (SHARED_LS / "survey_998192_R_data_file.csv").exists(),
                                  reason="GPL fixture lives only in /work/shared (not copied)")


@needs_shared
def test_r_data_file_full_headings():
    f, problems = read_limesurvey_csv(SHARED_LS / "survey_998192_R_data_file.csv")
    assert f.shape == (7, 71) and problems == []
    assert f.columns[0] == "Response ID"                 # BOM stripped
    assert (f["Date submitted"].fillna("") == "").sum() == 5
    assert any("&gt;" in c for c in f.columns)           # HTML-escaped equation header kept as written


@needs_shared
def test_r_data_file_is_not_an_lei_export(mini):
    with pytest.raises(ExportError, match="no JLS column.*Response ID"):
        read_export(SHARED_LS / "survey_998192_R_data_file.csv", mini)
