"""The next wave's export read ahead in `lei run`'s worker (waves/read_ahead.py): the step takes it
only when it is what reading the file here gives."""
from __future__ import annotations

from pandas.testing import assert_frame_equal

from lei_pipeline import worker
from lei_pipeline.files import file_sha256
from lei_pipeline.methodology import compose_index, score_matrix
from lei_pipeline.schemas import step_checks
from lei_pipeline.settings import Settings
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.questionnaire import load_questionnaire
from lei_pipeline.survey.readers import read_export
from lei_pipeline.survey.readers.reading import load_reading
from lei_pipeline.waves import read_ahead
from lei_pipeline.waves.declared import find_export, reference_dates
from lei_pipeline.waves.inputs import load_inputs


def _wave(data_dir, wave):
    settings = Settings.from_env(data_dir=data_dir)
    path = find_export(settings, wave)
    return settings, path, load_questionnaire(settings.questionnaire_path), load_reading(path.parent).as_kwargs()


def test_the_worker_reads_the_export_the_step_would_read(data_dir):
    for wave in ("2024", "2025"):           # the sample workbook and a LimeSurvey CSV
        settings, path, q, options = _wave(data_dir, wave)
        worker.start()
        try:
            read_ahead.start(settings, wave)
            ahead = read_ahead.take(path, file_sha256(path), q, wave, options)
        finally:
            worker.stop()
        here = read_export(path, q, wave=wave, **options)
        assert ahead is not None, wave
        there = ahead.value
        assert_frame_equal(there.frame, here.frame, check_exact=True)
        assert (there.problems, there.fmt, there.headers, there.encoding) == \
               (here.problems, here.fmt, here.headers, here.encoding)
        # with the failures raw_responses' schema check finds on it (none: the sample exports are valid)
        assert (ahead.check, ahead.failures) == ("raw_schema", step_checks.raw_schema(here.frame))


def test_other_bytes_than_the_step_sees_are_not_taken(data_dir):
    settings, path, q, options = _wave(data_dir, "2025")
    worker.start()
    try:
        read_ahead.start(settings, "2025")
        assert read_ahead.take(path, "0" * 64, q, "2025", options) is None   # the file changed since
        assert read_ahead.take(path, file_sha256(path), q, "2025", options) is None   # taken once only
        read_ahead.start(settings, "2025")
        assert read_ahead.take(path, file_sha256(path), q, "2024", options) is None   # another wave
    finally:
        worker.stop()


def test_without_a_worker_the_step_reads_the_file_itself(data_dir):
    settings, path, q, options = _wave(data_dir, "2025")
    assert not worker.running()
    read_ahead.start(settings, "2025")
    assert read_ahead.take(path, file_sha256(path), q, "2025", options) is None


def test_a_read_that_fails_there_is_left_to_the_step(data_dir, tmp_path):
    _, _, q, _ = _wave(data_dir, "2025")
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage")
    assert read_ahead._read(tmp_path / "missing.csv", q, "2025", {}) is None
    assert read_ahead._read(broken, q, "2025", {}) is None


def test_a_wave_whose_export_cannot_be_found_is_not_read_ahead(data_dir):
    settings = Settings.from_env(data_dir=data_dir)
    worker.start()
    try:
        read_ahead.start(settings, "2031")          # no such wave: nothing raised, nothing read there
        assert worker.take_ahead("raw export 2031").result() is None
        assert worker.take_ahead("scores 2031").result() is None
    finally:
        worker.stop()


def _ge_imported():
    import sys

    return "great_expectations" in sys.modules


def test_the_first_wave_is_read_and_scored_before_the_ge_import(data_dir):
    settings, path, q, options = _wave(data_dir, "2024")
    worker.start(first=[*read_ahead.first_jobs(settings, "2024"), ("ge before?", _ge_imported, ())])
    try:
        there = read_ahead.take(path, file_sha256(path), q, "2024", options)
        scored = worker.take_ahead("scores 2024").result()
        ge_before = worker.take_ahead("ge before?").result()
        ge_after = worker.submit(_ge_imported).result()
    finally:
        worker.stop()
    assert (ge_before, ge_after) == (False, True)
    here = read_export(path, q, wave="2024", **options)
    assert there is not None
    assert_frame_equal(there.value.frame, here.frame, check_exact=True)
    inputs = load_inputs(settings)
    clean = clean_responses(here.frame, q, inputs.registry, "2024", matcher=inputs.matcher, headers=here.headers)
    matrix = score_matrix(clean.frame, q, inputs.methodology, registry=inputs.registry,
                          reference_dates=reference_dates(settings))
    assert_frame_equal(scored.clean.frame, clean.frame, check_exact=True)
    assert scored.matrix.same_as(matrix)
    assert_frame_equal(scored.scores, compose_index(matrix, inputs.registry, inputs.methodology), check_exact=True)
    worker.start(first=[*read_ahead.first_jobs(settings, "2031")])    # no such wave: its steps say so
    try:
        assert worker.take_ahead("raw export 2031").result() is None
        assert worker.take_ahead("scores 2031").result() is None
    finally:
        worker.stop()


def test_a_large_first_export_is_left_to_its_step(data_dir, monkeypatch):
    settings, path, q, options = _wave(data_dir, "2025")
    size = path.stat().st_size
    monkeypatch.setattr(read_ahead, "FIRST_READ_MAX_BYTES", size)       # at the limit: read ahead
    assert [name for name, *_ in read_ahead.first_jobs(settings, "2025")] == ["raw export 2025", "scores 2025"]
    monkeypatch.setattr(read_ahead, "FIRST_READ_MAX_BYTES", size - 1)   # above it: nothing ahead
    assert read_ahead.first_jobs(settings, "2025") == []
    worker.start(first=read_ahead.first_jobs(settings, "2025"))
    try:
        assert worker.take_ahead("raw export 2025") is None   # the step reads it, as without a worker
    finally:
        worker.stop()
