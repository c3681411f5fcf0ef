"""Where a wave's export lives, which waves exist, and how a wave compares with the one before.
Pure core: the Dagster assets and the CLI both call these."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.settings import Settings

WAVE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
EXPORT_SUFFIXES = {".csv", ".xlsx", ".txt", ".tsv", ".xls", ".lsr"}
# Notes that sit next to an export (README, the synthetic-data label) are not exports, nor is
# how to read it (reading.yaml, written by `lei wave add --sheet/--header-row`).
NOTE_PREFIXES = ("readme", "synthetic", "notes")
NOT_EXPORTS = ("reading.yaml",)


def check_wave_name(wave: str) -> str:
    """A wave name becomes a folder name and a partition key: it must not escape data/."""
    if not isinstance(wave, str) or not WAVE_PATTERN.fullmatch(wave):
        raise UsageError(
            f"invalid wave name {wave!r}: use 1-40 letters, digits, '_' or '-', starting with a letter or digit"
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
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
    """Wave folders under data/raw/ that hold at least one file, sorted by name."""
    if not settings.raw_dir.is_dir():
        return []
    return sorted(
        p.name for p in settings.raw_dir.iterdir()
        if p.is_dir() and WAVE_PATTERN.fullmatch(p.name) and export_files(p)
    )


CHANGE_COLUMNS = ["wave", "previous_wave", "unit_code", "lei", "lei_previous", "lei_change",
                  "rank", "rank_previous", "rank_change"]


def wave_change(scores: pd.DataFrame, previous: pd.DataFrame | None, previous_wave: str | None) -> pd.DataFrame:
    """Score and rank change for every unit that answered both waves.
    rank_change > 0 means the unit moved up (a smaller rank number)."""
    if previous is None or previous.empty or previous_wave is None:
        return pd.DataFrame({
            "wave": pd.Series(dtype="str"), "previous_wave": pd.Series(dtype="str"),
            "unit_code": pd.Series(dtype="str"), "lei": pd.Series(dtype="float64"),
            "lei_previous": pd.Series(dtype="float64"), "lei_change": pd.Series(dtype="float64"),
            "rank": pd.Series(dtype="Int64"), "rank_previous": pd.Series(dtype="Int64"),
            "rank_change": pd.Series(dtype="Int64"),
        })
    cur = scores[["wave", "unit_code", "lei", "rank"]]
    prev = previous[["unit_code", "lei", "rank"]].rename(columns={"lei": "lei_previous", "rank": "rank_previous"})
    out = cur.merge(prev, on="unit_code", how="inner")
    out.insert(1, "previous_wave", str(previous_wave))
    out["lei_change"] = out["lei"] - out["lei_previous"]
    out["rank"] = out["rank"].astype("Int64")
    out["rank_previous"] = out["rank_previous"].astype("Int64")
    out["rank_change"] = out["rank_previous"] - out["rank"]
    out["wave"] = out["wave"].astype("str")
    out["unit_code"] = out["unit_code"].astype("str")
    return out[CHANGE_COLUMNS].sort_values("unit_code").reset_index(drop=True)
