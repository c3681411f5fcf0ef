"""The next wave scored ahead in `lei run`'s worker (waves/score_ahead.py): a step takes the worker's
result only when its own inputs and everything else the result depends on are the same, and the
result is then what computing it here gives, value for value, with the failures its schema check
finds here."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.testing import assert_frame_equal

from lei_pipeline import worker
from lei_pipeline.waves import read_ahead, score_ahead
from lei_pipeline.files import file_sha256
from lei_pipeline.methodology import compose_index, score_matrix
from lei_pipeline.change.previous import PreviousWave, compare_with_previous, previous_wave
from lei_pipeline.registry import Matcher
from lei_pipeline.schemas import step_checks
from lei_pipeline.settings import Settings
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export
from lei_pipeline.survey.readers.reading import load_reading
from lei_pipeline.uncertainty import analyse_wave, load_spec
from lei_pipeline.waves.declared import find_export, reference_dates
from lei_pipeline.waves.inputs import load_inputs

WAVE = "2025"   # a LimeSurvey CSV of 140 units


def _here(settings, wave):
    """The wave's steps computed in this process, as the Dagster steps call them."""
    inputs = load_inputs(settings)
    q, m, reg = inputs.questionnaire, inputs.methodology, inputs.registry
    path = find_export(settings, wave)
    raw = read_export(path, q, wave=wave, **load_reading(path.parent).as_kwargs())
    clean = clean_responses(raw.frame, q, reg, wave, matcher=inputs.matcher, headers=raw.headers)
    dates = reference_dates(settings)
    matrix = score_matrix(clean.frame, q, m, registry=reg, reference_dates=dates)
    scores = compose_index(matrix, reg, m)
    analysis = analyse_wave(wave, clean.frame, matrix, scores, q, m, load_spec(m.path)[0],
                            score_kwargs=dict(registry=reg, reference_dates=dates))
    return inputs, raw, clean, matrix, scores, analysis


def _ahead(settings, wave):
    """Start the worker's jobs for wave (as `lei run` does after the wave before changed and was
    published) and take the read, as raw_responses' step does."""
    inputs = load_inputs(settings)
    path = find_export(settings, wave)
    options = load_reading(path.parent).as_kwargs()
    read_ahead.start(settings, wave)
    score_ahead.start_analysis(settings, wave)
    return inputs, read_ahead.take(path, file_sha256(path), inputs.questionnaire, wave, options)


def test_the_steps_take_what_the_worker_computed_and_it_equals_computing_here(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, clean, matrix, scores, analysis = _here(settings, WAVE)
    worker.start()
    try:
        their_inputs, their_raw = _ahead(settings, WAVE)
        assert their_raw is not None
        ahead = score_ahead.cleaned(settings, inputs, WAVE, raw)
        assert ahead is not None
        taken = ahead.value
        assert_frame_equal(taken.frame, clean.frame, check_exact=True)
        assert taken.problems == clean.problems
        assert_frame_equal(taken.decisions, clean.decisions, check_exact=True)
        assert (ahead.check, ahead.failures) == ("clean_schema", step_checks.clean_schema(clean.frame))
        ahead = score_ahead.indicators(settings, inputs, WAVE, clean.frame)
        assert ahead is not None and ahead.value.same_as(matrix)
        assert (ahead.check, ahead.failures) == ("indicators_schema", step_checks.indicators_schema(matrix, inputs.methodology))
        ahead = score_ahead.composed(settings, inputs, WAVE, matrix)
        assert_frame_equal(ahead.value, scores, check_exact=True)
        assert (ahead.check, ahead.failures) == ("scores_schema", step_checks.scores_schema(scores))
        taken_analysis = score_ahead.analysed(settings, inputs, WAVE, clean.frame, matrix, scores)
    finally:
        worker.stop()
    assert taken_analysis is not None
    ours, theirs = analysis.tables(), taken_analysis.value.tables()
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert_frame_equal(theirs[name], ours[name], check_exact=True)
    assert (taken_analysis.check, taken_analysis.failures) == ("uncertainty_schema", step_checks.uncertainty_schema(ours))
    # taken once: the wave's entry is gone after its analysis
    assert score_ahead.composed(settings, inputs, WAVE, matrix) is None


def test_other_inputs_than_the_workers_are_computed_here(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, clean, matrix, scores, _ = _here(settings, WAVE)
    worker.start()
    try:
        _ahead(settings, WAVE)
        other_raw = type(raw)(frame=raw.frame.iloc[:-1], fmt=raw.fmt, headers=raw.headers, encoding=raw.encoding)
        assert score_ahead.cleaned(settings, inputs, WAVE, other_raw) is None
        assert score_ahead.indicators(settings, inputs, WAVE, clean.frame.iloc[1:]) is None
        changed = matrix.values.copy()
        changed[0, 0] = 0.0 if changed[0, 0] != 0.0 else 100.0
        other = type(matrix)(matrix.codes, matrix.components, matrix.waves, matrix.unit_codes, changed,
                             matrix.statuses, matrix.traces, matrix.reading)
        assert score_ahead.composed(settings, inputs, WAVE, other) is None
        assert score_ahead.analysed(settings, inputs, WAVE, clean.frame, matrix, scores.iloc[::-1]) is None
        # the entry went with the wave's analysis: the right inputs now find nothing either
        assert score_ahead.composed(settings, inputs, WAVE, matrix) is None
        # the same inputs for another wave's name are not that wave's results
        _ahead(settings, WAVE)
        assert score_ahead.cleaned(settings, inputs, "2024", raw) is None
        assert score_ahead.cleaned(settings, inputs, WAVE, raw) is not None
    finally:
        worker.stop()


def test_another_alias_table_or_reference_date_is_another_situation(data_dir, tmp_path):
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, *_ = _here(settings, WAVE)
    worker.start()
    try:
        _ahead(settings, WAVE)
        reg = inputs.registry
        other_matcher = Matcher(reg, respondents_only=True, aliases={"neko drugo ime": reg["unit_code"].iloc[0]})
        assert other_matcher.fingerprint() != inputs.matcher.fingerprint()
        assert score_ahead.cleaned(settings, type(inputs)(inputs.questionnaire, inputs.methodology, reg, other_matcher),
                                   WAVE, raw) is None
        assert score_ahead.cleaned(settings, inputs, WAVE, raw) is not None   # the same, still there

        # waves.yaml with another reference date: the worker's scores are not this wave's any more
        copy = tmp_path / "moved"
        shutil.copytree(data_dir, copy)
        moved = Settings.from_env(data_dir=copy)
        text = (copy / "waves.yaml").read_text(encoding="utf-8")
        assert "reference_date" in text
        (copy / "waves.yaml").write_text(text.replace("reference_date: 2023-12-31", "reference_date: 2024-06-30"),
                                         encoding="utf-8")
        assert reference_dates(moved) != reference_dates(settings)
        _ahead(settings, WAVE)
        assert score_ahead.cleaned(moved, load_inputs(moved), WAVE, raw) is None
    finally:
        worker.stop()


def test_without_a_worker_every_step_computes_itself(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, clean, matrix, scores, _ = _here(settings, "2024")
    assert not worker.running()
    read_ahead.start(settings, "2024")
    assert score_ahead.cleaned(settings, inputs, "2024", raw) is None
    assert score_ahead.indicators(settings, inputs, "2024", clean.frame) is None
    assert score_ahead.composed(settings, inputs, "2024", matrix) is None
    assert score_ahead.analysed(settings, inputs, "2024", clean.frame, matrix, scores) is None


def test_a_wave_above_the_limit_is_only_read_ahead(data_dir, monkeypatch):
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, *_ = _here(settings, WAVE)
    score_ahead.read_here(WAVE, raw)            # as the worker's read job hands it on
    assert score_ahead._score(settings, WAVE) is not None
    monkeypatch.setattr(score_ahead, "MAX_UNITS", len(raw.frame) - 1)
    score_ahead.read_here(WAVE, raw)
    assert score_ahead._score(settings, WAVE) is None
    assert score_ahead._analyse(settings, WAVE) is None
    score_ahead.read_here(WAVE, None)           # a read that failed there: nothing to score


def test_matrices_are_the_same_however_their_arrow_parts_are_chunked(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    _, _, _, matrix, _, _ = _here(settings, WAVE)
    chunked = type(matrix)(matrix.codes, matrix.components, pa.chunked_array([matrix.waves]),
                           matrix.unit_codes, matrix.values.copy(), matrix.statuses.copy(),
                           [pa.chunked_array([t[:3], t[3:]]) for t in matrix.traces], dict(matrix.reading))
    assert np.isnan(matrix.values).any()        # NaN equals NaN here
    assert chunked.same_as(matrix) and matrix.same_as(chunked)
    other = type(matrix)(matrix.codes, matrix.components, matrix.waves, matrix.unit_codes, matrix.values,
                         matrix.statuses, [*matrix.traces[:-1], matrix.traces[-1].take(
                             pa.array(np.arange(len(matrix.traces[-1]))[::-1]))], matrix.reading)
    assert not other.same_as(matrix)
    assert not matrix.same_as(matrix.rows(np.arange(matrix.units - 1)))
    assert not matrix.same_as(None)


def test_the_change_is_taken_only_against_the_same_previous_snapshot(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    wave = "2022"   # the first declared wave: compared with no wave, never blocked
    inputs, raw, clean, matrix, scores, _ = _here(settings, wave)
    prev = previous_wave(settings, wave)
    assert prev.wave is None and not prev.blocked
    here = compare_with_previous(settings, wave, prev, matrix, scores, inputs.methodology, inputs.questionnaire,
                                 inputs.registry)
    worker.start()
    try:
        _ahead(settings, wave)
        ahead = score_ahead.compared(settings, inputs, wave, prev, matrix, scores)
        assert ahead is not None
        assert_frame_equal(ahead.value.frame, here.frame, check_exact=True)
        assert ahead.value.metadata() == here.metadata()
        assert (ahead.check, ahead.failures) == ("change_schema", step_checks.change_schema(here.frame))
        # another previous snapshot than the worker compared with, or other scores: computed here
        _ahead(settings, wave)
        assert score_ahead.compared(settings, inputs, wave, PreviousWave(wave="2021", version=1), matrix, scores) is None
        _ahead(settings, wave)
        assert score_ahead.compared(settings, inputs, wave, prev, matrix, scores.iloc[::-1]) is None
    finally:
        worker.stop()


def test_the_worker_records_the_failures_its_checks_find(data_dir, monkeypatch):
    # in this process, as the worker runs it: a result its check fails keeps those failures
    settings = Settings.from_env(data_dir=data_dir)
    inputs, raw, clean, matrix, scores, _ = _here(settings, WAVE)
    broken = scores.assign(lei=scores["lei"] + 200.0)
    monkeypatch.setattr("lei_pipeline.methodology.compose_index", lambda *a, **k: broken.copy())
    score_ahead.read_here(WAVE, raw)
    scored = score_ahead._score(settings, WAVE)
    found = step_checks.scores_schema(broken)
    assert len(found) == len(broken) and scored.checked["scores_schema"] == found
    assert scored.checked["clean_schema"] == [] and scored.checked["indicators_schema"] == []


def test_a_checks_failures_are_taken_only_with_the_result_they_were_found_on():
    bad = pd.DataFrame({"unit_code": ["RS-X"]})
    here = step_checks.scores_schema(bad)
    assert here
    check = step_checks.scores_schema
    assert score_ahead.failures(None, check, bad) == here                                       # computed here
    assert score_ahead.failures(score_ahead.Ahead(bad), check, bad) == here                    # not checked there
    assert score_ahead.failures(score_ahead.Ahead(bad, "clean_schema", []), check, bad) == here   # another check
    assert score_ahead.failures(score_ahead.Ahead(bad, "scores_schema", here[:1]), check, bad) == here[:1]
