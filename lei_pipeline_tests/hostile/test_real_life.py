"""Issue 16 beyond `lei validate`'s report: the values read from every notation, personal data
kept out of the tables, LimeSurvey .lsr files, file names that try to forge output, Markdown in
answers, and the limits of the workbook reader."""
from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from lei_pipeline.registry import Matcher, load_registry
from lei_pipeline.settings import REPO_ROOT
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export

from .base import questionnaire
from .cases import BY_ID
from .cases_real_life import DATA_SHEET, NUMBER_CELLS, PERCENT_CELLS, PERSONAL, TIMING
from lei_pipeline_tests.support.hostile_harness import assert_no_traceback, lei, make_project, output

REAL_LS = REPO_ROOT / "lei_pipeline_tests" / "fixtures" / "limesurvey_real"


@pytest.fixture(scope="module")
def registry():
    reg = load_registry()
    return reg, Matcher(reg, respondents_only=True)


def _read(case_id, tmp_path, registry, **options):
    case = BY_ID[case_id]
    path = tmp_path / case.filename
    path.write_bytes(case.build())
    reg, matcher = registry
    raw = read_export(path, questionnaire(), wave=case.wave, **options)
    clean = clean_responses(raw.frame, questionnaire(), reg, case.wave, matcher=matcher)
    return raw, clean.frame.set_index("source_row")


def test_every_number_notation_is_read_exactly(tmp_path, registry):
    _, f = _read("numbers_every_notation", tmp_path, registry)
    assert {r: f.loc[r, "STR04"] for r in NUMBER_CELLS} == {r: v for r, (_, v) in NUMBER_CELLS.items()}
    assert {r: f.loc[r, "ICT03"] for r in PERCENT_CELLS} == {r: v for r, (_, v) in PERCENT_CELLS.items()}
    assert pd.isna(f.loc[4, "HR01"]) and pd.isna(f.loc[6, "STR04"])   # refused, not guessed


def test_workbook_with_notes_titles_and_hidden_copy_reads_the_visible_data(tmp_path, registry):
    raw, f = _read("xlsx_notes_first_titles_hidden_copy", tmp_path, registry)
    assert list(f.index) == [4, 5, 6, 7, 8, 9]              # sheet rows below the header in row 3
    assert f.loc[4, "STR04"] == 1_500_000.0                  # a number cell shown as 1.5E+06
    assert f.loc[4, "REG07"] == pd.Timestamp(dt.date(2022, 1, 1))   # an Excel date cell
    assert len(raw.frame) == 6                               # the hidden sheet's copy of row 2 is not read


def test_participant_columns_never_reach_a_table(tmp_path, registry):
    raw, f = _read("limesurvey_participant_columns", tmp_path, registry)
    for frame in (raw.frame, f.reset_index()):
        assert not set(PERSONAL) & set(frame.columns) and not set(TIMING) & set(frame.columns)
        text = frame.astype(str).to_csv()
        assert not [v for v in PERSONAL.values() if v in text]


def test_lsr_is_read_through_its_lss_and_refused_without_it(tmp_path):
    data, home, env = make_project(tmp_path)
    alone = tmp_path / "alone" / "survey_293446_responses.lsr"
    alone.parent.mkdir()
    shutil.copy(REAL_LS / alone.name, alone)
    r = lei("validate", str(alone), "--wave", "2022", env=env, cwd=tmp_path)
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert (f"lei: error: {alone}: a LimeSurvey .lsr response file names its columns by database ids (SGQA), which "
            "only the survey structure maps to question codes: put the survey's .lss next to it") in r.stderr

    pair = tmp_path / "pair"
    pair.mkdir()
    for name in ("survey_293446_responses.lsr", "survey_293446.lss"):
        shutil.copy(REAL_LS / name, pair / name)
    r = lei("validate", str(pair / "survey_293446_responses.lsr"), "--wave", "2022", env=env, cwd=tmp_path)
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    # read through the .lss: SGQA names became the survey's question codes, then refused as not an LEI export
    assert ("no JLS column (respondent name): this is not an LEI export; expected a column 'JLS'; found columns "
            "id, submitdate, lastpage, startlanguage, engagementArt[anwesenheit]") in r.stderr

    r = lei("wave", "add", "2030", str(pair / "survey_293446_responses.lsr"), env=env, cwd=tmp_path)
    assert r.returncode == 2, output(r)
    assert ("survey_293446_responses.lsr: a wave's export must be one table; a LimeSurvey .lsr file is read only "
            "together with the survey structure: export the responses from LimeSurvey as CSV") in r.stderr
    assert not (data / "raw" / "2030").exists()


def test_real_limesurvey_csv_is_refused_clearly(tmp_path):
    data, home, env = make_project(tmp_path)
    r = lei("validate", str(REAL_LS / "results.csv"), "--wave", "2022", env=env, cwd=tmp_path)
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert "results.csv, row 1, column JLS: no JLS column (respondent name): this is not an LEI export" in r.stderr


def test_file_names_cannot_forge_output_or_become_emoji(tmp_path):
    data, home, env = make_project(tmp_path)
    evil = tmp_path / "in" / "x\nPASS: forged :v: [bold]b.csv"
    evil.parent.mkdir()
    evil.write_bytes(BY_ID["answer_outside_options"].build())
    r = lei("validate", str(evil), "--wave", "2022", env=env, cwd=tmp_path)
    assert_no_traceback(r)
    assert r.returncode == 1, output(r)
    assert "x\\nPASS: forged :v: [bold]b.csv" in r.stdout
    assert "\u270c" not in r.stdout and not any(line.startswith("PASS: forged") for line in r.stdout.splitlines())


def test_markdown_in_an_answer_does_not_render_in_the_preview():
    from markdown_it import MarkdownIt

    from lei_pipeline.defs.metadata import markdown_table

    answer = "**bold** _it_ [link](http://evil.example) ![img](x.png) <b>html</b> `code` a|b\nnext"
    html = MarkdownIt("commonmark").enable("table").render(markdown_table(pd.DataFrame({"INF05": [answer]})))
    for tag in ("<strong>", "<em>", "<a ", "<img", "<b>", "<code>"):
        assert tag not in html, html
    assert html.count("<td") == 1   # the '|' did not split the cell


def test_cell_limit_refuses_a_huge_sheet(tmp_path, monkeypatch):
    from lei_pipeline.problems import ExportError
    from lei_pipeline.survey.readers import xlsx

    path = tmp_path / "big.xlsx"
    path.write_bytes(BY_ID["xlsx_notes_first_titles_hidden_copy"].build())
    monkeypatch.setattr(xlsx, "MAX_CELLS", 500)
    with pytest.raises(ExportError) as e:
        read_export(path, questionnaire(), wave="2022")
    assert f"too large: sheet '{DATA_SHEET}' has more than 500 cells" in str(e.value)
