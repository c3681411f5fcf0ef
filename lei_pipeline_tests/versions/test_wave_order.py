"""Waves are ordered by data/waves.yaml, never by their names: `2026_autumn` comes after
`2026_spring` although it sorts before it."""
from __future__ import annotations

import dataclasses
import multiprocessing
import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from lei_pipeline.errors import LeiError
from lei_pipeline.files import file_sha256
from lei_pipeline.change.previous import previous_wave
from lei_pipeline.settings import REPO_ROOT, Settings
from lei_pipeline.survey.questionnaire import load_questionnaire
from lei_pipeline.waves.declared import (declare_wave, declared_waves, discover_waves, in_declared_order, undeclared_waves,
                                wave_declaration)
from lei_pipeline_tests.support.versions import add_export, add_snapshot, data_dir_with

SEASONS = ["2025", "2026_spring", "2026_autumn", "2027"]   # sorted by name: 2025, 2026_autumn, 2026_spring, 2027


def test_discovery_follows_the_declared_order_and_names_undeclared_folders(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    for w in [*SEASONS, "2030"]:
        add_export(s, w)
    assert discover_waves(s) == SEASONS
    assert undeclared_waves(s) == ["2030"]
    assert in_declared_order(s, ["2027", "2026_autumn", "2026_spring"]) == ["2026_spring", "2026_autumn", "2027"]


def test_previous_wave_is_the_previous_declared_one(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    for w in SEASONS[:3]:
        add_export(s, w, mtime=time.time() - 3600)
        add_snapshot(s, w)
    assert previous_wave(s, "2026_autumn").wave == "2026_spring"
    assert previous_wave(s, "2026_spring").wave == "2025"
    assert previous_wave(s, "2027").wave == "2026_autumn"
    assert previous_wave(s, "2025").wave is None and not previous_wave(s, "2025").blocked


def test_a_declared_wave_without_any_data_is_passed_over(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    add_export(s, "2025", mtime=time.time() - 3600)
    add_snapshot(s, "2025")
    prev = previous_wave(s, "2026_autumn")           # 2026_spring declared, but no export and no snapshot
    assert prev.wave == "2025" and not prev.blocked


def test_previous_wave_with_an_export_but_no_snapshot_blocks(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    for w in ("2025", "2026_spring"):
        add_export(s, w, mtime=time.time() - 3600)
    add_snapshot(s, "2025")
    prev = previous_wave(s, "2026_autumn")
    assert prev.blocked and "previous wave 2026_spring" in prev.blocked and "lei run --wave 2026_spring" in prev.blocked


def test_previous_snapshot_older_than_its_export_blocks(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    created = datetime.now(timezone.utc) - timedelta(hours=2)
    add_export(s, "2025", mtime=time.time())          # replaced after the snapshot was made
    add_snapshot(s, "2025", created_at=created)
    prev = previous_wave(s, "2026_spring")
    assert prev.blocked and "2025" in prev.blocked and "modified after" in prev.blocked


def test_the_exports_sha256_in_the_manifest_decides_over_times(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    created = datetime.now(timezone.utc) - timedelta(hours=2)
    export = add_export(s, "2025", mtime=time.time())
    add_snapshot(s, "2025", created_at=created, export_sha256=file_sha256(export))
    assert not previous_wave(s, "2026_spring").blocked        # same bytes: a touched file is not a new export
    add_snapshot(s, "2025", version=2, export_sha256="f" * 64)
    prev = previous_wave(s, "2026_spring")
    assert prev.blocked and "differs" in prev.blocked and prev.version == 2


def test_an_undeclared_wave_has_no_previous_wave(tmp_path):
    s = data_dir_with(tmp_path, SEASONS)
    prev = previous_wave(s, "2030")
    assert prev.blocked and "not declared" in prev.blocked and "lei wave add 2030" in prev.blocked


def test_declare_wave_appends_in_order_and_refuses_duplicates(tmp_path):
    s = data_dir_with(tmp_path, ["2025"])
    text = "# kept: a comment of the user's\n" + s.waves_path.read_text()
    s.waves_path.write_text(text)
    d = declare_wave(s, "2026_spring", reference_date="2026-03-31", label="Spring 2026")
    assert d.question_set == "2025" and d.reference_date.isoformat() == "2026-03-31" and d.label == "Spring 2026"
    declare_wave(s, "2026_autumn", question_set="2025")
    assert [w.id for w in declared_waves(s)] == ["2025", "2026_spring", "2026_autumn"]
    assert s.waves_path.read_text().startswith(text)
    with pytest.raises(LeiError, match="already declared"):
        declare_wave(s, "2026_spring")
    with pytest.raises(LeiError, match="not a date"):
        declare_wave(s, "2028", reference_date="31.12.2027")
    assert wave_declaration(s, "2028") is None


def test_declare_wave_creates_the_file(tmp_path):
    s = Settings.from_env(data_dir=tmp_path / "data")
    declare_wave(s, "2031")
    assert [(w.id, w.question_set) for w in declared_waves(s)] == [("2031", "2031")]


def _declare(args):
    data_dir, wave = args
    declare_wave(Settings.from_env(data_dir=data_dir), wave)


def test_concurrent_declarations_all_land(tmp_path):
    s = data_dir_with(tmp_path, ["2025"])
    waves = [f"w{i}" for i in range(8)]
    pool = multiprocessing.get_context("spawn").Pool(4)
    try:
        pool.map(_declare, [(str(s.data_dir), w) for w in waves])
    finally:
        # close and join, not the context manager's terminate(): terminate() may drain the stop
        # messages meant for the workers, and a worker whose SIGTERM is ignored (inherited: Dagster
        # maps SIGTERM to SIGINT's handler, ignored in a background shell) then waits forever
        pool.close()
        pool.join()
    ids = [w["id"] for w in yaml.safe_load(s.waves_path.read_text())["waves"]]
    assert ids[0] == "2025" and sorted(ids[1:]) == waves
    assert not [p for p in s.data_dir.iterdir() if p.name.endswith(".tmp")]


def test_questionnaire_wording_follows_the_questionnaires_wave_order():
    q = load_questionnaire(REPO_ROOT / "data" / "questionnaire" / "lei-questionnaire.yaml")
    seasons = ["2026_spring", "2026_autumn"]
    q = dataclasses.replace(q, waves=seasons)
    assert q.question_set_wave("2027") == "2026_autumn"        # the latest declared, not the largest name
    question = next(iter(q.questions.values()))
    before = {lang: f"old wording ({lang})" for lang in question.text}
    reworded = dataclasses.replace(question, waves=seasons, history=[
        {"wave": "2026_autumn", "change": "reworded", "note": "", "text_before": before}])
    lang = next(iter(question.text))
    assert reworded.text_in(lang, "2026_spring", order=seasons) == before[lang]
    assert reworded.text_in(lang, "2026_autumn", order=seasons) == question.text[lang]
