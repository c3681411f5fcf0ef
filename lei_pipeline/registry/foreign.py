"""Names of places in neighbouring countries that look like a Serbian unit's (Negotino in North
Macedonia, Negotin in Serbia). Kept as data (data/reference/lookalikes.csv) so that fuzzy
matching can refuse them: a foreign municipality must never take a Serbian unit's answers."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from lei_pipeline.errors import LeiError
from lei_pipeline.registry.load import default_registry_path
from lei_pipeline.registry.normalise import name_key

COUNTRIES = {"ME": "Montenegro", "MK": "North Macedonia", "BA": "Bosnia and Herzegovina", "HR": "Croatia",
             "HU": "Hungary", "RO": "Romania", "BG": "Bulgaria", "AL": "Albania"}


@dataclass(frozen=True)
class ForeignPlace:
    name: str
    country: str
    place_type: str
    code: str
    lookalike_of: str

    def describe(self) -> str:
        country = COUNTRIES.get(self.country, self.country)
        code = f" {self.code}" if self.code else ""
        return f"{self.name} ({self.place_type} in {country}{code})"


def default_lookalikes_path() -> Path:
    return default_registry_path().parent / "lookalikes.csv"


def load_foreign_names(path: str | Path | None = None) -> dict[str, ForeignPlace]:
    """Normalised name -> the foreign place (the first row wins when a name is listed twice)."""
    path = Path(path) if path is not None else default_lookalikes_path()
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise LeiError(f"{path}: look-alike names table not found") from None
    if records and not {"lookalike_name", "country"} <= set(records[0]):
        raise LeiError(f"{path}: look-alike names table needs the columns lookalike_name, country")
    out: dict[str, ForeignPlace] = {}
    for rec in records:
        name = (rec.get("lookalike_name") or "").strip()
        if name:
            out.setdefault(name_key(name), ForeignPlace(
                name, (rec.get("country") or "").strip(), (rec.get("place_type") or "place").strip(),
                (rec.get("lookalike_code") or "").strip(), (rec.get("serbian_name_latin") or "").strip()))
    return out
