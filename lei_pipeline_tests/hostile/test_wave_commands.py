"""`lei wave add | list | remove` and the CLI's hygiene, as a data engineer (or an adversary)
uses them: refused files leave the wave as it was, two adds at once leave one export, copies are
ordinary files, the reading options travel with the export, read-only commands work on a
read-only data directory, and misuse exits 2."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import shlex
from pathlib import Path

import pytest

from lei_pipeline.settings import REPO_ROOT

from .base import base_export
from .cases_real_life import DATA_SHEET, data_on_hidden_sheet
from lei_pipeline_tests.support.hostile_harness import assert_no_traceback, lei, make_project, output, tree_digest

WAVE = "2022"


@pytest.fixture
def project(tmp_path):
    data, home, env = make_project(tmp_path, waves=[WAVE])
    if not (data / "waves.yaml").exists():
        shutil.copy(REPO_ROOT / "data" / "waves.yaml", data / "waves.yaml")
    (tmp_path / "cwd").mkdir()
    return tmp_path, data, env


def _exports(data: Path, wave: str = WAVE) -> list[str]:
    from lei_pipeline.waves.declared import export_files

    return [p.name for p in export_files(data / "raw" / wave)]


def test_a_file_the_pipeline_ignores_never_replaces_the_export(project):
    root, data, env = project
    before = tree_digest(data / "raw")
    notes = root / "notes-x.csv"
    notes.write_bytes(base_export(WAVE).csv_bytes())
    r = lei("wave", "add", WAVE, str(notes), "--replace", env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert ("lei: error: notes-x.csv: the pipeline ignores files whose names start with README, notes, synthetic "
            "or a dot (and reading.yaml); rename the export") in r.stderr
    assert tree_digest(data / "raw") == before


def test_an_unreadable_file_is_refused_unless_forced(project):
    root, data, env = project
    before = tree_digest(data / "raw")
    bad = root / "lei-new.csv"
    bad.write_bytes("Poštovani,\nšaljemo upitnik.\n".encode())
    r = lei("wave", "add", WAVE, str(bad), "--replace", env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert "no JLS column (respondent name): this is not an LEI export" in r.stderr
    assert "nothing added (use --force to add it anyway)" in r.stderr
    assert tree_digest(data / "raw") == before

    r = lei("wave", "add", WAVE, str(bad), "--replace", "--force", env=env, cwd=root / "cwd")
    assert r.returncode == 0, output(r)
    assert _exports(data) == ["lei-new.csv"]


def test_two_adds_at_once_leave_one_export_with_ordinary_permissions(project):
    root, data, env = project
    files = []
    for name in ("lei-a.csv", "lei-b.csv"):
        files.append(root / name)
        files[-1].write_bytes(base_export(WAVE).csv_bytes())
    old_umask = os.umask(0o022)
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "lei_pipeline", "wave", "add", WAVE, str(f), "--replace"],
                                  env=env, cwd=root / "cwd", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for f in files]
        outs = [p.communicate(timeout=300)[0] for p in procs]
    finally:
        os.umask(old_umask)
    assert [p.returncode for p in procs] == [0, 0], outs
    (left,) = _exports(data)
    assert left in ("lei-a.csv", "lei-b.csv")
    assert stat.S_IMODE((data / "raw" / WAVE / left).stat().st_mode) == 0o644
    assert not [p.name for p in (data / "raw" / WAVE).iterdir() if p.name.startswith(".incoming")]


def test_reading_options_are_stored_beside_the_export_and_used_again(project):
    root, data, env = project
    book = root / "lei-2022-hidden.xlsx"
    book.write_bytes(data_on_hidden_sheet())
    r = lei("wave", "add", WAVE, str(book), "--replace", "--sheet", DATA_SHEET, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 0, output(r)
    folder = data / "raw" / WAVE
    assert _exports(data) == ["lei-2022-hidden.xlsx"]          # reading.yaml is not an export
    assert (folder / "reading.yaml").is_file()
    assert "sheet: Odgovori" in (folder / "reading.yaml").read_text(encoding="utf-8")

    # validate reads the stored copy as the pipeline will: from the named (hidden) sheet
    r = lei("validate", str(folder / book.name), "--wave", WAVE, env=env, cwd=root / "cwd")
    assert r.returncode == 0, output(r)
    assert f"sheet '{DATA_SHEET}' is hidden in the workbook: read because --sheet named it" in r.stdout

    # the pipeline's own reading of the wave
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.readers import read_export
    from lei_pipeline.survey.readers.reading import load_reading
    from lei_pipeline.waves.declared import find_export

    from .base import questionnaire

    path = find_export(Settings.from_env(data_dir=data), WAVE)
    raw = read_export(path, questionnaire(), wave=WAVE, **load_reading(path.parent).as_kwargs())
    assert len(raw.frame) == 6


def test_wave_list_and_remove(project):
    root, data, env = project
    r = lei("wave", "list", env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 0, output(r)
    export = _exports(data)[0]
    import hashlib

    digest = hashlib.sha256((data / "raw" / WAVE / export).read_bytes()).hexdigest()[:12]
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith(WAVE))
    assert export[:32] in line and digest in line and "2021-12-31" in line and line.endswith("none")
    assert re.search(r"^2024 +2023-12-31 +\(no export\)", r.stdout, re.M)   # declared, no export here

    published = data / "published" / f"wave={WAVE}" / "version=1"
    published.mkdir(parents=True)
    (published / "manifest.json").write_text("{}")
    r = lei("wave", "remove", WAVE, env=env, cwd=root / "cwd")
    assert r.returncode == 0, output(r)
    assert not (data / "raw" / WAVE).exists() and (published / "manifest.json").is_file()
    assert f"wave {WAVE}: 1 published snapshot(s) kept" in r.stdout


def test_wave_remove_is_refused_while_a_run_is_in_progress(project):
    root, data, env = project
    code = (
        "import dagster as dg\n"
        "from dagster._core.storage.dagster_run import DagsterRun\n"
        "i = dg.DagsterInstance.get()\n"
        f"i.add_run(DagsterRun(job_name='wave_job', run_id='run-in-progress', status=dg.DagsterRunStatus.STARTED, "
        f"tags={{'dagster/partition': '{WAVE}'}}))\n")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    r = lei("wave", "remove", WAVE, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 1, output(r)
    assert (f"lei: error: wave {WAVE}: run run-in-progress is started; wait for it to end (or cancel it) before "
            "removing the wave") in r.stderr
    assert _exports(data)


@pytest.mark.parametrize("args", [("validate",), ("validate", "x.csv", "--bogus"), ("wave", "add", WAVE),
                                  ("wave", "remove"), ("wave", "frobnicate")])
def test_misuse_exits_2(project, args):
    root, data, env = project
    r = lei(*args, env=env, cwd=root / "cwd")
    assert_no_traceback(r)
    assert r.returncode == 2, output(r)
    assert "Usage: lei" in r.stderr


def test_help_example_names_a_file_that_exists(project):
    root, data, env = project
    r = lei("validate", "--help", env=env, cwd=root / "cwd")
    (example,) = re.findall(r"Example: lei validate (\S+)", r.stdout)
    assert (REPO_ROOT / example).is_file(), example


def test_read_only_commands_work_on_a_read_only_data_directory(tmp_path):
    """The data directory mounted read-only (root ignores file permissions, so a read-only bind
    mount in a private mount namespace; without root, permissions suffice)."""
    data, home, env = make_project(tmp_path, waves=[WAVE])
    shutil.copy(REPO_ROOT / "data" / "waves.yaml", data / "waves.yaml")
    export = data / "raw" / WAVE / _exports(data)[0]
    from lei_pipeline.publish.catalog.migrate import ensure_catalog
    from lei_pipeline.settings import Settings

    ensure_catalog(Settings.from_env(data_dir=data).catalog_url)   # a catalog already there, as after a run
    before = tree_digest(data)
    for args in (["validate", str(export), "--wave", WAVE], ["wave", "list"], ["snapshots", "list"], ["status"]):
        command = " ".join(map(shlex.quote, [sys.executable, "-m", "lei_pipeline", *args]))
        if os.geteuid() == 0:
            shell = f"mount --bind -o ro {shlex.quote(str(data))} {shlex.quote(str(data))} && exec {command}"
            argv = ["unshare", "-m", "sh", "-c", shell]
        else:
            for p in [data, *data.rglob("*")]:
                p.chmod(0o555 if p.is_dir() else 0o444)
            argv = ["sh", "-c", command]
        r = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in r.stderr, r.stderr[-3000:]
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    assert tree_digest(data) == before
    for p in [data, *data.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_a_question_mark_or_percent_20_in_the_data_dir_keeps_the_catalog_inside_it(tmp_path):
    from lei_pipeline.publish.catalog.migrate import ensure_catalog
    from lei_pipeline.settings import Settings

    data = tmp_path / "odd?name%20here" / "data"
    data.mkdir(parents=True)
    settings = Settings.from_env(data_dir=data)
    ensure_catalog(settings.catalog_url)
    assert (data / "catalog.sqlite").is_file()
    assert [p.name for p in tmp_path.rglob("*.sqlite")] == ["catalog.sqlite"]


def test_pull_to_xlsx_keeps_a_control_character_visible(tmp_path):
    from openpyxl import load_workbook

    import pandas as pd

    from lei_pipeline.publish.export import write_frame

    out = tmp_path / "x.xlsx"
    write_frame(pd.DataFrame({"INF05": ["zvono\x07 i\x1b[31m crveno"]}), out)
    assert load_workbook(out)["data"]["A2"].value == "zvono\\x07 i\\x1b[31m crveno"
