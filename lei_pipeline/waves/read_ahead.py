"""The next wave's export, read ahead in the worker while this wave's analysis runs.

`lei run` runs its waves one after the other in this process. Once GE is imported, its worker
(lei_pipeline/worker.py) idles for most of each wave. So when a wave's suites have been handed to
the worker (wave_change's step), `lei run` hands it the next wave's export to read as well. That
wave's raw_responses step then takes the export as read there instead of reading it again. The
2024 sample workbook, for one, takes 0.6 s to read through openpyxl.

The step takes it only if reading here would give the same: the same file (path, and the sha256
of its bytes, unchanged while the worker read them), questionnaire (its sha256), wave and reading
options. Anything else, no worker, or a read that failed there: the step reads the file here, as
it always did, and reports its own problems. Only `lei run` starts a worker, so the Dagster UI
and the tests always read in the step. The first wave's export is read the same way, and scored,
by the worker before it imports GE (first_jobs, for worker.start), while this process imports
Dagster and loads the registry, unless it is large (FIRST_READ_MAX_BYTES). The worker scores
every export it reads (waves/score_ahead.py)."""
from __future__ import annotations

from pathlib import Path

from lei_pipeline import worker
from lei_pipeline.waves import score_ahead
from lei_pipeline.waves.declared import find_export


# A large first export is read in its step. Its frame then need not cross the pipe, and GE's import
# (2 s of the worker's core) is over before the steps that would share the machine with it. A
# 100,000-unit CSV (67 MB): the Dagster path without the analysis 9.2-10.2 -> 7.8-8.0 s (two runs
# each), its peak memory 3.2 -> 2.8-2.9 GB; a 10,000-unit one (6.7 MB): 2.11-2.36 -> 2.07-2.24 s.
# Below this, about 6,000 units in a CSV and more in a workbook (slower to read: 0.6 s for the
# 140-unit sample one), the read and the scores ahead pay (waves/score_ahead.MAX_UNITS).
FIRST_READ_MAX_BYTES = 4_000_000


def _job_name(wave: str) -> str:
    return f"raw export {wave}"


def start(settings, wave: str) -> None:
    """Hand the worker wave's export to read, and then to score (waves/score_ahead.py), if a
    worker runs."""
    if not worker.running():
        return
    try:
        worker.submit_ahead(_job_name(wave), _read_wave, settings, wave, later=True)
        score_ahead.start(settings, wave)
    except Exception:   # noqa: BLE001  (an optimisation only: it never fails the wave running now)
        return


def first_jobs(settings, wave: str) -> list[tuple]:
    """(name, fn, args) of reading wave's export and then scoring it, for worker.start(first=...):
    `lei run`'s first wave is read and scored there while this process imports Dagster and loads
    the registry, and GE is imported after them. A sample wave's steps from raw_responses to
    wave_change: about 2.0 -> 1.0 s. No job for an export above FIRST_READ_MAX_BYTES: its step
    reads it, and the worker imports GE at once."""
    try:
        size = find_export(settings, wave).stat().st_size
    except Exception:   # noqa: BLE001  (no readable export: the worker's job and the step say why)
        size = 0
    if size > FIRST_READ_MAX_BYTES:
        return []
    return [(_job_name(wave), _read_wave, (settings, wave)), score_ahead.job(settings, wave)]


def take(path: Path, sha256: str, questionnaire, wave: str, options: dict):
    """The RawExport the worker read for wave, when it is what read_export here would return, with
    the failures of raw_responses' schema check on it (a score_ahead.Ahead); else None."""
    pending = worker.take_ahead(_job_name(wave))
    if pending is None:
        return None
    try:
        answer = pending.result()
    except Exception:   # noqa: BLE001  (the worker died or the job failed: read here instead)
        return None
    if answer is None:
        return None
    key, raw = answer
    return raw if key == _key(path, sha256, questionnaire, wave, options) else None


def _key(path: Path, sha256: str, questionnaire, wave: str, options: dict) -> tuple:
    return (str(path), sha256, questionnaire.sha256, str(wave), tuple(sorted(options.items())))


def _read_wave(settings, wave: str):
    """In the worker: _read of wave's export, found and read as raw_responses' step finds and
    reads it; None when its folder or the questionnaire cannot be read (the step says why)."""
    from lei_pipeline.survey.questionnaire import load_questionnaire
    from lei_pipeline.survey.readers.reading import load_reading

    try:
        path = find_export(settings, wave)
        options = load_reading(path.parent).as_kwargs()
        questionnaire = load_questionnaire(settings.questionnaire_path)
    except Exception:   # noqa: BLE001  (an optimisation only: the wave's own steps say why)
        score_ahead.read_here(wave, None)
        return None
    return _read(path, questionnaire, wave, options)


def _read(path: Path, questionnaire, wave: str, options: dict):
    """In the worker: (key, Ahead of the RawExport, validated by the step's schema check), or None
    when the file changed while it was read or could not be read (the step then reads it, and
    reports why). The read stays in the worker too, for score_ahead's jobs after this one."""
    from lei_pipeline.files import file_sha256
    from lei_pipeline.schemas import step_checks
    from lei_pipeline.survey.readers import read_export

    try:
        before = file_sha256(path)
        raw = read_export(path, questionnaire, wave=wave, **options)
        if file_sha256(path) != before:
            raw = None
    except Exception:   # noqa: BLE001  (whatever it was, the step meets it again and reports it)
        raw = None
    score_ahead.read_here(wave, raw)
    if raw is None:
        return None
    try:
        ahead = score_ahead.Ahead(raw, "raw_schema", step_checks.raw_schema(raw.frame))
    except Exception:   # noqa: BLE001  (the step validates it and reports what went wrong)
        ahead = score_ahead.Ahead(raw)
    return _key(path, before, questionnaire, wave, options), ahead
