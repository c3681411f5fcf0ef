"""The alias table: known variant names that normalisation alone cannot map to the legal name
(other spellings, other languages, abbreviations). Kept as data so a reviewer can add a line
after reading a fuzzy-match warning."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.registry.load import default_registry_path
from lei_pipeline.registry.normalise import name_key, name_keys


def default_aliases_path() -> Path:
    return default_registry_path().parent / "aliases.csv"


def load_aliases(reg: pd.DataFrame, path: str | Path | None = None,
                 name_keys_of_reg: set[str] | None = None) -> dict[str, str]:
    """Normalised alias key -> unit_code. Raises LeiError for an alias that names no unit,
    repeats another alias, or merely restates a registry name (which needs no alias, and
    would otherwise let the table silently override the registry). name_keys_of_reg: the keys
    of reg's Latin and Cyrillic names when the caller has made them already (the matcher)."""
    path = Path(path) if path is not None else default_aliases_path()
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise LeiError(f"{path}: alias table not found") from None
    if records and not {"alias", "unit_code"} <= set(records[0]):
        raise LeiError(f"{path}: alias table needs the columns alias, unit_code")
    # as lists: iterating Arrow-backed columns converts cell by cell (0.6 s for 100,000 units)
    codes = set(reg["unit_code"].tolist())
    names = name_keys_of_reg
    if names is None:
        names = set(name_keys(reg["name_latin"].tolist() + reg["name_cyrillic"].tolist()))
    out: dict[str, str] = {}
    problems = []
    for line, rec in enumerate(records, start=2):
        alias, code = (rec.get("alias") or "").strip(), (rec.get("unit_code") or "").strip()
        key = name_key(alias)
        if not key:
            problems.append(f"line {line}: empty alias")
        elif code not in codes:
            problems.append(f"line {line}: {alias!r} points to unknown unit_code {code!r}")
        elif key in names:
            problems.append(f"line {line}: {alias!r} is already a registry name once normalised")
        elif key in out:
            problems.append(f"line {line}: {alias!r} repeats an earlier alias")
        else:
            out[key] = code
    if problems:
        raise LeiError(f"{path}: alias table is inconsistent: {'; '.join(problems)}")
    return out
