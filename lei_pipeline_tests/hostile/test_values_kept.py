"""Cases that pass with warnings must not lose or misread data: the typed values the pipeline
keeps, read in-process through the same reader and cleaner `lei validate` uses."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lei_pipeline.registry import Matcher, load_registry
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export

from .base import questionnaire
from .cases import BY_ID


@pytest.fixture(scope="module")
def registry():
    reg = load_registry()
    return reg, Matcher(reg, respondents_only=True)


def _clean(case_id, tmp_path, registry):
    case = BY_ID[case_id]
    path = tmp_path / case.filename
    path.write_bytes(case.build())
    reg, matcher = registry
    raw = read_export(path, questionnaire(), wave=case.wave)
    c = clean_responses(raw.frame, questionnaire(), reg, case.wave, matcher=matcher)
    return c.frame.set_index("source_row"), c


def test_thousands_separators_are_read_as_numbers(tmp_path, registry):
    f, _ = _clean("thousands_separators", tmp_path, registry)
    assert f.loc[[2, 3, 4, 5], "STR04"].tolist() == [1234567.0, 1234567.0, 1234567.0, 1234567.5]
    assert pd.isna(f.loc[6, "STR04"])   # '1,234': thousands or decimals? refused, not guessed


def test_three_date_formats_are_the_same_day(tmp_path, registry):
    f, _ = _clean("dates_three_formats", tmp_path, registry)
    day = pd.Timestamp(dt.date(2022, 3, 15))
    assert f.loc[[2, 3, 4], "REG07"].tolist() == [day, day, day]
    assert f.loc[5, "REG07"] == pd.Timestamp(dt.date(2022, 4, 3))   # dd/mm/yyyy: day first
    assert pd.isna(f.loc[6, "REG07"])                                # 31.02. quarantined, not guessed


def test_out_of_range_values_are_quarantined_not_clipped(tmp_path, registry):
    f, _ = _clean("number_out_of_range", tmp_path, registry)
    assert pd.isna(f.loc[2, "ICT03"]) and pd.isna(f.loc[3, "STR06"])
    assert f.drop(index=[2])["ICT03"].notna().all()


def test_unit_named_twice_keeps_one_row_and_records_the_decision(tmp_path, registry):
    f, c = _clean("unit_named_twice", tmp_path, registry)
    assert f["unit_code"].is_unique and len(f) == 5 and 5 in f.index and 2 not in f.index
    (d,) = c.decisions.to_dict("records")
    assert d["kept_row"] == 5 and d["dropped_rows"] == "2" and d["reason"] == "later submit date"


def test_multiline_text_answer_is_kept_whole(tmp_path, registry):
    from .base import first_column_of

    f, _ = _clean("multiline_text_kept", tmp_path, registry)
    assert f.loc[3, first_column_of("2022", "text")] == "a\nb"
    assert list(f.index) == [2, 3, 4, 5, 6, 7]
