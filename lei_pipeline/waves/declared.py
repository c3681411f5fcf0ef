"""Where a wave's export lives, which waves exist and in which order (data/waves.yaml).
Pure core: the Dagster assets and the CLI both call these."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.files import load_yaml
from lei_pipeline.settings import Settings
from lei_pipeline.vocabulary import WAVE_NAME_RULE, WAVE_PATTERN

# Notes that sit next to an export (README, the synthetic-data label) are not exports, nor is
# how to read it (reading.yaml, written by `lei wave add --sheet/--header-row`).
NOTE_PREFIXES = ("readme", "synthetic", "notes")
NOT_EXPORTS = ("reading.yaml",)


def check_wave_name(wave: str) -> str:
    """A wave name becomes a folder name and a partition key: it must not escape data/."""
    if not isinstance(wave, str) or not WAVE_PATTERN.fullmatch(wave):
        raise UsageError(
            f"invalid wave name {wave!r}: use {WAVE_NAME_RULE}"
        )
    return wave


@dataclass(frozen=True)
class WaveDeclaration:
    """One entry of data/waves.yaml."""
    id: str
    reference_date: dt.date | None
    question_set: str
    label: str | None = None


def declared_waves(settings: Settings) -> list[WaveDeclaration]:
    """The waves declared in data/waves.yaml, in their declared order (an absent file declares none)."""
    import yaml

    path = settings.waves_path
    if not path.is_file():
        return []
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LeiError(f"{path.name}: not valid YAML ({getattr(exc, 'problem', None) or 'syntax error'})") from None
    out: list[WaveDeclaration] = []
    for i, entry in enumerate(raw.get("waves") or [], start=1):
        if not isinstance(entry, dict) or "id" not in entry:
            raise LeiError(f"{path.name}: wave entry {i} has no id")
        wave = check_wave_name(str(entry["id"]))
        ref = entry.get("reference_date")
        if ref is not None and not isinstance(ref, dt.date):
            try:
                ref = dt.date.fromisoformat(str(ref))
            except ValueError:
                raise LeiError(f"{path.name}: wave {wave}: reference_date {ref!r} is not a date (YYYY-MM-DD)") from None
        if any(w.id == wave for w in out):
            raise LeiError(f"{path.name}: wave {wave} is declared twice")
        out.append(WaveDeclaration(id=wave, reference_date=ref,
                                   question_set=str(entry.get("question_set") or wave),
                                   label=entry.get("label")))
    return out


def reference_dates(settings: Settings) -> dict:
    """Each declared wave's reference date (data/waves.yaml): the date its answers describe."""
    return {w.id: w.reference_date for w in declared_waves(settings) if w.reference_date}


def wave_declaration(settings: Settings, wave: str) -> WaveDeclaration | None:
    return next((w for w in declared_waves(settings) if w.id == str(wave)), None)


def export_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().startswith(NOTE_PREFIXES)
        and p.name.lower() not in NOT_EXPORTS
    )


def find_export(settings: Settings, wave: str) -> Path:
    check_wave_name(wave)
    folder = settings.raw_dir / wave
    files = export_files(folder)
    if not files:
        raise LeiError(f"wave {wave}: no export file in {folder}")
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise LeiError(f"wave {wave}: {folder} holds {len(files)} exports ({names}); keep exactly one")
    return files[0]


def discover_waves(settings: Settings) -> list[str]:
    """The declared waves (data/waves.yaml) that have an export folder, in declared order: the
    order `lei run`, the sensor and the schedule run them in. Folders holding an export but not
    declared are left out; undeclared_waves() names them so callers can warn."""
    return [w.id for w in declared_waves(settings) if export_files(settings.raw_dir / w.id)]


def wave_folders(settings: Settings) -> list[str]:
    """Wave folders under data/raw/ that hold at least one file, sorted by name."""
    if not settings.raw_dir.is_dir():
        return []
    return sorted(
        p.name for p in settings.raw_dir.iterdir()
        if p.is_dir() and WAVE_PATTERN.fullmatch(p.name) and export_files(p)
    )


def undeclared_waves(settings: Settings) -> list[str]:
    """Folders under data/raw/ holding an export whose wave data/waves.yaml does not declare."""
    declared = {w.id for w in declared_waves(settings)}
    return [w for w in wave_folders(settings) if w not in declared]


def undeclared_message(settings: Settings, wave: str) -> str:
    return (f"wave {wave}: not declared in {settings.waves_path.name}, so its place in the order of waves "
            f"(and its previous wave) is unknown; declare it with `lei wave add {wave} EXPORT` "
            f"(it goes after the last declared wave) or add it to {settings.waves_path.name} in its place")


def require_declared(settings: Settings, wave: str) -> WaveDeclaration:
    decl = wave_declaration(settings, wave)
    if decl is None:
        raise UsageError(undeclared_message(settings, wave))
    return decl


def in_declared_order(settings: Settings, waves: list[str]) -> list[str]:
    """`waves` sorted by their place in data/waves.yaml; undeclared waves keep their given order, last."""
    pos = {w.id: i for i, w in enumerate(declared_waves(settings))}
    return sorted(dict.fromkeys(waves), key=lambda w: (w not in pos, pos.get(w, 0)))


def earlier_declared_waves(settings: Settings, wave: str) -> list[str]:
    """The declared waves before `wave`, closest first (empty if `wave` is not declared)."""
    ids = [w.id for w in declared_waves(settings)]
    return list(reversed(ids[:ids.index(wave)])) if wave in ids else []


def declare_wave(settings: Settings, wave: str, reference_date: dt.date | str | None = None,
                 question_set: str | None = None, label: str | None = None) -> WaveDeclaration:
    """Append `wave` to data/waves.yaml, after the last declared wave. Refuses a wave already declared.
    The question set defaults to the latest declared wave's. Written under a lock to a temporary file
    renamed into place, so two `lei wave add` at once both land and a reader never sees half a file."""
    import fcntl
    import os
    import tempfile

    check_wave_name(wave)
    if reference_date is not None and not isinstance(reference_date, dt.date):
        try:
            reference_date = dt.date.fromisoformat(str(reference_date))
        except ValueError:
            raise UsageError(f"reference date {reference_date!r} is not a date (YYYY-MM-DD)") from None
    if question_set is not None:
        check_wave_name(str(question_set))
    path = settings.waves_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = declared_waves(settings)
        if any(w.id == wave for w in current):
            raise LeiError(f"wave {wave} is already declared in {path.name}")
        if question_set is None:
            question_set = current[-1].question_set if current else wave
        text = path.read_text(encoding="utf-8") if path.is_file() else _WAVES_HEADER
        if not text.endswith("\n"):
            text += "\n"
        if re.search(r"^waves:\s*\[\]\s*$", text, re.M):
            text = re.sub(r"^waves:\s*\[\]\s*$", "waves:", text, flags=re.M)
        elif not re.search(r"^waves:\s*$", text, re.M):
            text += "waves:\n"
        entry = [f"  - id: {_quoted(wave)}"]
        if reference_date is not None:
            entry.append(f"    reference_date: {reference_date.isoformat()}")
        entry.append(f"    question_set: {_quoted(str(question_set))}")
        if label:
            entry.append(f"    label: {_quoted(str(label))}")
        text += "\n".join(entry) + "\n"
        if [str(w.get("id")) for w in (load_yaml(text) or {}).get("waves") or []][-1:] != [wave]:
            raise LeiError(f"{path.name}: cannot append wave {wave} (write its entry under `waves:` by hand)")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        declared = wave_declaration(settings, wave)
    assert declared is not None
    return declared


_WAVES_HEADER = """# The survey waves, declared in order: "previous wave" always means the entry above.
# `lei wave add` appends to this file.
version: 1
waves:
"""


def _quoted(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)   # a JSON string is a valid YAML scalar
