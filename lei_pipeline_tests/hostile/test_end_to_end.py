"""Broken exports through the whole pipeline (`lei wave add ... --replace`, `lei run`): the run
fails naming the check and the file/row/column, and the published snapshots, LATEST pointers
and catalog rows stay byte-for-byte as they were; nothing is written outside the private data/
and Dagster home. The other cases go through `lei validate` only (the same core code path)."""
from __future__ import annotations

import shutil
import time

import pytest

from lei_pipeline.settings import REPO_ROOT

from .base import base_export, first_column_of
from .cases import BY_ID, SCRIPT_NAME
from lei_pipeline_tests.support.hostile_harness import WAVE
from lei_pipeline_tests.support.hostile_harness import assert_no_traceback, lei, output, published_state, tree_digest

SCRIPT_BYTES = SCRIPT_NAME.encode()

E2E = {
    # case id -> the blocking check that must fail
    "truncated_inside_quote": "raw_responses:export_readable",
    "cp1250_latin": "raw_responses:export_readable",
    "answer_outside_options": "clean_responses:answers_valid",
    "script_injection_name": "clean_responses:units_matched",
    "xlsx_formula": "raw_responses:export_readable",   # the reader sets formula cells aside
    "every_answer_blank": "clean_responses:answers_valid",
}
def _e2e_params():
    for case_id in E2E:
        yield pytest.param(case_id, id=case_id)


def leaked_into_repo(root, since_ns: int) -> list[str]:
    """Files of the developer's own data/ written since the test began that mention the test's
    private folder. (Other processes may publish into the repo meanwhile: comparing hashes of
    data/published would blame them on us.)"""
    needle = str(root).encode()
    out = []
    for p in (REPO_ROOT / "data").rglob("*"):
        if p.is_file() and p.stat().st_mtime_ns >= since_ns and p.stat().st_size < 50_000_000 \
                and needle in p.read_bytes():
            out.append(str(p))
    return out


def outside(root) -> dict:
    return tree_digest(root, skip=("data", "dagster_home"))


def html_files_holding(root, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.suffix.lower() in (".html", ".htm")
            and p.is_file() and needle in p.read_bytes()]


@pytest.mark.parametrize("case_id", list(_e2e_params()))
def test_broken_export_never_reaches_the_published_snapshot(case_id, published_project):
    case = BY_ID[case_id]
    root, data, env = published_project
    cwd = root / "cwd"
    broken = root / "incoming" / case.filename
    broken.parent.mkdir()
    broken.write_bytes(case.build())
    before, start = published_state(data), time.time_ns()

    # an unreadable file is refused by `wave add` (exit 2) unless forced: here the run must cope with it
    force = ["--force"] if case.exit_code == 2 else []
    add = lei("wave", "add", WAVE, str(broken), "--replace", *force, env=env, cwd=cwd)
    assert_no_traceback(add)
    assert add.returncode == 0, output(add)
    outside_before = outside(root)
    r = lei("run", "--wave", WAVE, env=env, cwd=cwd)

    assert_no_traceback(r)
    text = output(r)
    assert r.returncode != 0, text[-3000:]
    assert f"FAIL check {E2E[case_id]}" in text, text[-3000:]
    exp = case.expect[0]
    assert case.filename in text and exp.reason in text, text[-3000:]
    if exp.row is not None:
        assert f"row {exp.row}" in text
    if exp.column is not None:
        assert f"column {exp.column}" in text
    assert "nothing published for this wave" in text
    assert published_state(data) == before, "a failed run changed the published snapshots or the catalog"
    assert outside(root) == outside_before, "the run wrote outside data/ and DAGSTER_HOME"
    assert not leaked_into_repo(root, start)
    assert not html_files_holding(root, SCRIPT_BYTES)


def test_two_exports_in_the_wave_folder(published_project):
    root, data, env = published_project
    before = published_state(data)
    folder = data / "raw" / WAVE
    (existing,) = [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx")]
    shutil.copyfile(existing, folder / "lei-2022-copy.csv")
    r = lei("run", "--wave", WAVE, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    text = output(r)
    assert r.returncode != 0, text[-3000:]
    assert "FAIL check raw_responses:export_readable" in text
    assert f"holds 2 exports ({existing.name}, lei-2022-copy.csv); keep exactly one" in text \
        or f"holds 2 exports (lei-2022-copy.csv, {existing.name}); keep exactly one" in text, text[-3000:]
    assert published_state(data) == before


@pytest.mark.parametrize("command", [("wave", "add", "../x", "EXPORT"), ("run", "--wave", "../x"),
                                     ("validate", "EXPORT", "--wave", "../x")])
def test_wave_named_dotdot_is_refused_before_any_write(command, published_project):
    root, data, env = published_project
    export = root / "incoming" / "lei.csv"
    export.parent.mkdir()
    export.write_bytes(base_export(WAVE).csv_bytes())
    before, start = tree_digest(root), time.time_ns()
    r = lei(*[str(export) if a == "EXPORT" else a for a in command], env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert "invalid wave name '../x'" in output(r)
    assert tree_digest(root) == before
    assert not (data / "x").exists() and not (root / "x").exists()
    assert not leaked_into_repo(root, start)


def test_script_in_a_text_answer_is_published_as_data_and_escaped_in_html(published_project):
    """A text answer is free text: it is published verbatim (no data lost) but every HTML page the
    snapshot carries (GE data docs, reports) must escape it."""
    from lei_pipeline.publish import load
    from lei_pipeline.settings import Settings

    root, data, env = published_project
    folder = data / "raw" / WAVE
    (existing,) = [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx")]
    text_col = first_column_of(WAVE, "text")
    import pandas as pd

    df = pd.read_csv(existing, dtype=str, keep_default_na=False)
    df.loc[0, text_col] = SCRIPT_NAME
    incoming = root / "incoming" / existing.name
    incoming.parent.mkdir()
    df.to_csv(incoming, index=False, quoting=1)
    assert lei("wave", "add", WAVE, str(incoming), "--replace", env=env, cwd=root / "cwd").returncode == 0
    r = lei("run", "--wave", WAVE, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 0, output(r)[-3000:]
    responses = load("responses", wave=WAVE, settings=Settings.from_env(data_dir=data))
    assert (responses[text_col] == SCRIPT_NAME).sum() == 1
    assert not html_files_holding(root, SCRIPT_BYTES)


def test_a_workbook_read_from_a_named_hidden_sheet_is_read_so_by_the_pipeline(published_project):
    """`lei wave add --sheet` stores the option beside the export; `lei run` reads the same sheet."""
    from .cases_real_life import DATA_SHEET, data_on_hidden_sheet

    root, data, env = published_project
    book = root / "incoming" / "lei-2022-hidden.xlsx"
    book.parent.mkdir()
    book.write_bytes(data_on_hidden_sheet())
    add = lei("wave", "add", WAVE, str(book), "--replace", "--sheet", DATA_SHEET, env=env, cwd=root / "cwd")
    assert add.returncode == 0, output(add)
    r = lei("run", "--wave", WAVE, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 0, output(r)[-3000:]
    assert "version 2" in output(r), output(r)[-3000:]   # 6 units instead of the baseline's: a new version


def test_pull_to_xlsx_with_a_control_character_in_a_text_answer(published_project):
    import pandas as pd
    from openpyxl import load_workbook

    root, data, env = published_project
    (existing,) = [p for p in (data / "raw" / WAVE).iterdir() if p.suffix in (".csv", ".xlsx")]
    text_col = first_column_of(WAVE, "text")
    df = pd.read_csv(existing, dtype=str, keep_default_na=False)
    df.loc[0, text_col] = "zvono\x07 kraj"
    incoming = root / "incoming" / existing.name
    incoming.parent.mkdir()
    df.to_csv(incoming, index=False, quoting=1)
    assert lei("wave", "add", WAVE, str(incoming), "--replace", env=env, cwd=root / "cwd").returncode == 0
    r = lei("run", "--wave", WAVE, env=env, cwd=root / "cwd")
    assert r.returncode == 0, output(r)[-3000:]
    out = root / "responses.xlsx"
    r = lei("pull", "responses", "--wave", WAVE, "--out", str(out), env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 0, output(r)
    rows = list(load_workbook(out)["data"].iter_rows(values_only=True))
    cells = [row[rows[0].index(text_col)] for row in rows[1:]]
    assert "zvono\\x07 kraj" in cells
