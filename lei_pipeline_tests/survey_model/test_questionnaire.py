"""The questionnaire YAML and its model: counts, codes, three languages, header texts, waves."""
from __future__ import annotations

import re

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.sample.translit import to_cyrillic, to_latin
from lei_pipeline.survey.questionnaire import (
    IDENTITY_HEADERS, LANGS, TYPES, YES_NO_OPTIONS, load_questionnaire, parse_questionnaire,
)

CYRILLIC = re.compile(r"[\u0400-\u04FF]")


@pytest.fixture(scope="module")
def q():
    return load_questionnaire()


def test_loads_with_version_hash_and_60_to_90_questions(q):
    assert q.version == "2.0.0"
    assert re.fullmatch(r"[0-9a-f]{64}", q.sha256)
    assert 60 <= len(q.questions) <= 95
    assert q.waves == ["2022", "2024", "2025"]


def test_codes_unique_and_limesurvey_safe(q):
    codes = [d["code"] for d in q.raw["questions"]]
    assert len(codes) == len(set(codes))
    for c in codes:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", c)
    for question in q.questions.values():
        assert question.type in TYPES
        assert len(question.option_codes) == len(set(question.option_codes))


def test_every_type_is_used(q):
    assert {x.type for x in q.questions.values()} == set(TYPES)


def test_every_label_in_three_languages_cyrillic_is_transliterated(q):
    for question in q.questions.values():
        labels = [question.text] + [o.label for o in question.options] + [s.label for s in question.subquestions]
        for lab in labels:
            assert set(lab) == set(LANGS)
            assert all(lab[lang].strip() for lang in LANGS)
            assert CYRILLIC.search(lab["sr_cyrl"]), lab
            assert not CYRILLIC.search(lab["sr_latn"]) and not CYRILLIC.search(lab["en"])
            assert to_latin(lab["sr_cyrl"]) == lab["sr_latn"]
            assert lab["sr_cyrl"] == to_cyrillic(lab["sr_latn"])


def test_transliteration_digraphs_and_kept_latin():
    assert to_cyrillic("Ljubovija i Njegoš, džep") == "Љубовија и Његош, џеп"
    assert to_cyrillic("NBS IPS QR kod na data.gov.rs") == "НБС ИПС QR код на data.gov.rs"


@pytest.mark.parametrize("lang", LANGS)
def test_header_texts_unique_per_language_and_wave(q, lang):
    for wave in [None, *q.waves]:
        texts = q.header_texts(lang, wave)
        assert list(texts) == q.export_columns(wave)
        assert len(set(t.casefold() for t in texts.values())) == len(texts)
        # identity headers must not collide with question headers
        assert not set(IDENTITY_HEADERS[lang].values()) & set(texts.values())


def test_multiple_choice_columns_and_subquestion_headers(q):
    hr04 = q.questions["HR04"]
    assert hr04.type == "multiple_choice"
    cols = hr04.export_columns()
    assert cols[0] == "HR04[SQ001]" and len(cols) == len(hr04.subquestions)
    text = q.header_texts("sr_latn")["HR04[SQ001]"]
    assert text == f"{hr04.text['sr_latn']} [{hr04.subquestions[0].label['sr_latn']}]"
    question, sub = q.column_question("HR04[SQ002]")
    assert question.code == "HR04" and sub.code == "SQ002"
    with pytest.raises(KeyError):
        q.column_question("HR04")


def test_ten_procedures_on_the_sophistication_scale(q):
    procs = [x for x in q.questions.values() if x.area == "services" and x.type == "single_choice"]
    assert len(procs) == 10
    for p in procs:
        assert p.option_codes[:5] == ["L0", "L1", "L2", "L3", "L4"]
        assert "NA" in p.option_codes
    assert len(q.questions["SRV11"].criteria_subquestions) == 10
    assert [s.code for s in q.questions["SRV11"].exclusive_subquestions] == ["NONE"]   # "none of these"


def test_real_systems_are_named(q):
    text = " ".join(x.text["sr_latn"] + " " + " ".join(s.label["sr_latn"] for s in x.subquestions)
                    for x in q.questions.values())
    for system in ("Portalu eUprava", "eZUP", "eSanduče", "eDostava", "SEF", "ePlati", "IPS QR", "CEOP",
                   "JIS LPA", "data.gov.rs", "Nacionalnom CERT"):
        assert system in text, system


def test_yes_no_implicit_options_and_percentage_bounds(q):
    assert [o.code for o in q.questions["STR01"].options] == [o.code for o in YES_NO_OPTIONS] == ["Y", "N", "DK"]
    pct = q.questions["ICT03"]
    assert (pct.min, pct.max) == (0.0, 100.0)


def test_waves_add_drop_and_reword(q):
    assert "REG06" in q.export_columns("2022") and "REG06" not in q.export_columns("2024")
    assert "PAY06" not in q.export_columns("2022") and "PAY06" in q.export_columns("2025")
    assert "HR09" in q.export_columns("2024") and "HR09" not in q.export_columns("2025")
    sec06 = q.questions["SEC06"]
    assert sec06.text_in("en", "2022") != sec06.text_in("en", "2024") == sec06.text["en"]
    assert q.header_texts("en", "2022")["SEC06"] == sec06.history[0]["text_before"]["en"]
    for x in q.questions.values():
        for h in x.history:
            assert h["change"] in ("added", "dropped", "reworded") and h["wave"] in q.waves


def test_parse_rejects_duplicate_header_texts():
    doc = """
questionnaire: lei
version: "0"
waves: ["2022"]
questions:
  - {code: A1, area: x, type: yes_no, text: {sr_latn: Isto, sr_cyrl: Исто, en: Same}}
  - {code: A2, area: x, type: yes_no, text: {sr_latn: Isto, sr_cyrl: Исто2, en: Same2}}
""".encode()
    with pytest.raises(LeiError, match="share the sr_latn header text"):
        parse_questionnaire(doc)


def test_parse_rejects_missing_language_and_bad_code():
    bad_lang = b'waves: ["2022"]\nquestions:\n  - {code: A1, area: x, type: yes_no, text: {sr_latn: A, en: B}}\n'
    with pytest.raises(LeiError, match="label in each"):
        parse_questionnaire(bad_lang)
    bad_code = 'waves: ["2022"]\nquestions:\n  - {code: "1A", area: x, type: yes_no, text: {sr_latn: A, sr_cyrl: А, en: B}}\n'.encode()
    with pytest.raises(LeiError, match="invalid question code"):
        parse_questionnaire(bad_code)
