"""Putting a wave's export in place and taking it away, safely: the core of `lei wave add` and
`lei wave remove` (no Dagster here). One flock per wave serialises concurrent commands; a new
export is renamed into place before an old one is removed, so the wave never lacks a file the
pipeline reads; copies get ordinary permissions."""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.problems import visible
from lei_pipeline.survey.readers.reading import READING_FILE, ReadingOptions, reading_text
from lei_pipeline.waves.declared import NOT_EXPORTS, NOTE_PREFIXES, export_files


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def wave_lock(raw_dir: Path, wave: str):
    """Exclusive while adding or removing one wave's export (data/raw/.<wave>.lock; a dot file
    is never an export, and the lock outlives the wave's folder)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(raw_dir / f".{wave}.lock", os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def check_export_name(export: Path) -> None:
    """A file the pipeline would skip (README*, notes*, synthetic*, dot files, reading.yaml) must not
    become a wave's only export: refuse it before anything is touched."""
    name = export.name
    if name.startswith(".") or name.lower().startswith(NOTE_PREFIXES) or name.lower() in NOT_EXPORTS:
        raise UsageError(f"{visible(name)}: the pipeline ignores files whose names start with README, notes, "
                         f"synthetic or a dot (and {', '.join(NOT_EXPORTS)}); rename the export, e.g. to "
                         f"lei-export{export.suffix or '.csv'}, and add it again")
    if export.suffix.lower() in (".lsr", ".lss", ".lsa"):
        raise UsageError(f"{visible(name)}: a wave's export must be one table; a LimeSurvey {export.suffix} file "
                         "is read only together with the survey structure: export the responses from LimeSurvey "
                         "as CSV (Export responses > CSV, question codes) and add that file")


@dataclass
class Placed:
    target: Path
    replaced: list[Path]
    registered: object = None   # what `then` returned


def place_export(raw_dir: Path, wave: str, export: Path, reading: ReadingOptions, replace: bool,
                 then=None) -> Placed:
    """Copy export into raw_dir/wave/ (under the wave's lock) and store its reading options.
    then(): run still under the lock once the export is in place (registering the partition)."""
    folder = raw_dir / wave
    with wave_lock(raw_dir, wave):
        existing = export_files(folder)
        if existing and not replace:
            names = ", ".join(visible(p.name) for p in existing)
            raise LeiError(f"wave {wave} already has an export ({names}); use --replace to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / export.name
        _copy_in(export, target)
        reading_path = folder / READING_FILE
        if reading.is_default:
            reading_path.unlink(missing_ok=True)
        else:
            _write_in(reading_path, reading_text(reading, export.name).encode("utf-8"))
        replaced = [old for old in existing if old != target]
        for old in replaced:   # only now: the new export is already in place
            old.unlink(missing_ok=True)
        registered = then() if then is not None else None
    return Placed(target, replaced, registered)


def remove_export_folder(raw_dir: Path, wave: str) -> Path:
    folder = raw_dir / wave
    with wave_lock(raw_dir, wave):
        if not folder.is_dir():
            raise LeiError(f"wave {wave}: no folder {visible(folder)}")
        shutil.rmtree(folder)
    return folder


def _copy_in(source: Path, target: Path) -> None:
    # Copy aside and rename in, so a watching sensor never sees half a file.
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_in(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
