"""Answer parsing rules: numbers, dates, yes/no synonyms."""
from __future__ import annotations

import datetime as dt

import pytest

from lei_pipeline.survey.readers.values import parse_date, parse_number, parse_yes_no


@pytest.mark.parametrize("text,value", [
    ("12", 12.0), ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
    ("1 234", 1234.0), ("1\u00a0234,25", 1234.25), ("1.234.567", 1234567.0), ("-3", -3.0), ("0,045", 0.045),
    ("1.5E+06", 1_500_000.0), ("1,5E+06", 1_500_000.0), ("2.5e-3", 0.0025), ("-4E2", -400.0),
    ("1'234.5", 1234.5), ("1\u202f234,5", 1234.5), ("1 234,567", 1234.567), ("1234,567", 1234.567),
])
def test_numbers(text, value):
    v, note = parse_number(text)
    assert v == pytest.approx(value) and note is None


@pytest.mark.parametrize("text", ["abc", "oko 12", "1 23", "1.23.4"])
def test_unparseable_numbers(text):
    v, note = parse_number(text)
    assert v is None and note[0] == "warning"


def test_number_with_unit_text_and_ambiguous_separator():
    assert parse_number("12 zaposlenih") == (12.0, ("warning", "text after the number ignored ('zaposlenih')"))
    for text in ("1,234", "12.500", "999,000"):
        v, note = parse_number(text)
        assert v is None and note[0] == "error" and note[1].startswith("ambiguous number"), text
    assert parse_number("45%", percentage=True) == (45.0, None)
    assert parse_number("45,5 %", percentage=True) == (45.5, None)
    assert parse_number("45%") == (None, ("warning", "a percentage where a number is asked: value set missing"))


@pytest.mark.parametrize("text,warn", [("2024-01-15", False), ("2024-01-15 00:00:00", False), ("15.01.2024", False),
                                       ("15.01.2024.", False), ("15. 1. 2024.", False), ("15/01/2024", False),
                                       ("45306", True)])
def test_dates(text, warn):
    v, note = parse_date(text)
    assert v == dt.datetime(2024, 1, 15)
    assert (note is not None) == warn


def test_ambiguous_and_invalid_dates():
    v, note = parse_date("03/04/2024")
    assert v == dt.datetime(2024, 4, 3) and "ambiguous" in note[1]
    assert parse_date("31.02.2024")[0] is None
    assert parse_date("sutra")[1][0] == "warning"


@pytest.mark.parametrize("text,code", [("Y", "Y"), ("da", "Y"), ("Да", "Y"), ("Yes", "Y"), ("1", "Y"),
                                       ("N", "N"), ("Ne", "N"), ("не", "N"), ("2", "N"), ("No", "N"),
                                       ("DK", "DK"), ("Ne znam", "DK"), ("не знам", "DK")])
def test_yes_no_synonyms(text, code):
    assert parse_yes_no(text) == (code, None)


def test_yes_no_unknown():
    v, note = parse_yes_no("možda")
    assert v is None and note[0] == "error" and "Y, N or DK" in note[1]
