"""The next wave's export read ahead in `lei run`'s worker (waves/read_ahead.py): the step takes it
only when it is what reading the file here gives."""
from __future__ import annotations

from pandas.testing import assert_frame_equal

from lei_pipeline import worker
from lei_pipeline.waves import read_ahead
from lei_pipeline.files import file_sha256
from lei_pipeline.schemas import step_checks
from lei_pipeline.settings import Settings
from lei_pipeline.survey.questionnaire import load_questionnaire
from lei_pipeline.survey.readers import read_export
from lei_pipeline.survey.readers.reading import load_reading
from lei_pipeline.waves.declared import find_export


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


def test_a_large_first_export_is_read_as_the_worker_starts(data_dir, monkeypatch):
    settings, path, q, options = _wave(data_dir, "2024")
    assert read_ahead.first_job(settings, "2024") is None      # 90 KB: read in its step
    monkeypatch.setattr(read_ahead, "FIRST_READ_BYTES", path.stat().st_size)
    worker.start(first=read_ahead.first_job(settings, "2024"))
    try:
        there = read_ahead.take(path, file_sha256(path), q, "2024", options)
    finally:
        worker.stop()
    here = read_export(path, q, wave="2024", **options)
    assert there is not None
    assert_frame_equal(there.value.frame, here.frame, check_exact=True)
    assert read_ahead.first_job(settings, "2031") is None     # no such wave: its step says so
    worker.start(first=("raw export 2031", read_ahead._read_wave, (settings, "2031")))
    try:
        assert worker.take_ahead("raw export 2031").result() is None
    finally:
        worker.stop()
