"""The readers against the project's real questionnaire (and SURVEY's sample waves when present)."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from lei_pipeline.problems import ERROR
from lei_pipeline.schemas import CleanResponses, RawResponses, validate_table
from lei_pipeline.settings import Settings
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.questionnaire import load_questionnaire
from lei_pipeline.survey.readers import read_export

from lei_pipeline_tests.support.lime_exports import lime_csv

SETTINGS = Settings.from_env(data_dir=Path(__file__).resolve().parents[2] / "data")
QPATH = SETTINGS.questionnaire_path
pytestmark = pytest.mark.skipif(not QPATH.exists(), reason="real questionnaire not written yet")
UNITS = ["Čačak", "Kraljevo", "Subotica", "Niš", "Beograd"]


def valid_answer(q, col, i):
    t = q.type
    if t == "yes_no":
        return ["Y", "N", "DK"][i % 3]
    if t == "single_choice":   # NA only where the questionnaire allows it (never for these cities)
        options = [o for o in q.options if o.code != "NA" or q.na_allowed is None]
        return options[i % len(options)].code
    if t == "multiple_choice":   # never the exclusive "none of these" together with another box
        if any(col == f"{q.code}[{s.code}]" for s in q.exclusive_subquestions):
            return ""
        return "Y" if (i + len(col)) % 2 else ""
    if t in ("number", "percentage"):
        lo = q.min if q.min is not None else 0
        hi = q.max if q.max is not None else lo + 10
        return f"{lo + (hi - lo) / 2:g}"
    if t == "date":
        return "2024-01-15"
    return "napomena"


@pytest.fixture(scope="module")
def real_q():
    return load_questionnaire(QPATH)


@pytest.mark.parametrize("wave", ["2022", "2024", "2025"])
def test_code_headed_export_of_every_wave(write, real_q, registry, wave):
    if wave not in real_q.waves:
        pytest.skip(f"wave {wave} not in questionnaire")
    cols = real_q.export_columns(wave)
    header = ["id", "submitdate", "lastpage", "startlanguage", "JLS", *cols]
    rows = [[str(i + 1), "2024-03-01 10:00:00", "5", "sr", u,
             *[valid_answer(real_q.column_question(c)[0], c, i) for c in cols]] for i, u in enumerate(UNITS)]
    raw = read_export(write(f"lei-{wave}.csv", lime_csv(header=header, rows=rows)), real_q, wave=wave)
    assert [p.describe() for p in raw.problems if p.severity == ERROR] == []
    assert validate_table(RawResponses, raw.frame) == []
    c = clean_responses(raw.frame, real_q, registry, wave)
    assert [p.describe() for p in c.errors] == []
    assert len(c.frame) == len(UNITS) and validate_table(CleanResponses, c.frame) == []
    assert set(cols) <= set(c.frame.columns)


def test_xlsx_with_serbian_headers(tmp_path, real_q, registry):
    wave = real_q.waves[-1]
    cols = real_q.export_columns(wave)
    texts = real_q.header_texts("sr_latn", wave)
    wb = Workbook()
    ws = wb.active
    ws.append(["Naziv jedinice lokalne samouprave", *[texts[c] for c in cols]])
    for i, u in enumerate(UNITS):
        ws.append([u, *[valid_answer(real_q.column_question(c)[0], c, i) for c in cols]])
    wb.save(tmp_path / "lei.xlsx")
    raw = read_export(tmp_path / "lei.xlsx", real_q, wave=wave)
    assert [p.describe() for p in raw.problems if p.severity == ERROR] == []
    assert [c for c in cols if c not in raw.frame.columns] == []
    c = clean_responses(raw.frame, real_q, registry, wave)
    assert [p.describe() for p in c.errors] == []


SAMPLES = sorted(p for w in ("2022", "2024", "2025") for p in (SETTINGS.raw_dir / w).glob("*")
                 if p.suffix.lower() in (".csv", ".xlsx")) if SETTINGS.raw_dir.exists() else []


@pytest.mark.skipif(not SAMPLES, reason="sample waves not generated yet (data/raw/<wave>/)")
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_wave_reads_and_cleans(path, real_q, registry):
    wave = path.parent.name
    raw = read_export(path, real_q, wave=wave)
    assert [p.describe() for p in raw.problems if p.severity == ERROR] == []
    c = clean_responses(raw.frame, real_q, registry, wave)
    assert [p.describe() for p in c.errors] == []
    assert 130 <= len(c.frame) <= 145
    assert validate_table(CleanResponses, c.frame) == []
