"""Registry facts the methodology reads instead of asking the respondent: which local governments
have a national-minority language in official use (data/reference/official-languages.csv, keyed
by the registry's Latin name). Added to the registry frame as the column minority_languages."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.settings import REPO_ROOT

LANGUAGES_FILE = "official-languages.csv"


def languages_path(reference_dir: Path) -> Path:
    path = Path(reference_dir) / LANGUAGES_FILE
    # Reference data ships with the code: a data directory made for one run need not carry it.
    return path if path.exists() else REPO_ROOT / "data" / "reference" / LANGUAGES_FILE


def with_official_languages(registry: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The registry with a minority_languages column (space-separated ISO 639 codes; missing =
    Serbian only). A name the registry does not know is an error naming the line."""
    langs = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(langs.columns) != ["name_latin", "minority_languages"]:
        raise LeiError(f"{Path(path).name}: expected the columns name_latin,minority_languages")
    known = set(registry["name_latin"].astype(str).tolist())   # a list: iterating Arrow text converts cell by cell
    for line, name in enumerate(langs["name_latin"], start=2):
        if name not in known:
            raise LeiError(f"{Path(path).name}, line {line}: {name!r} is not a name in the registry")
    # A name can stand for more than one unit (the City of Novi Sad and its city municipality Novi
    # Sad): the languages apply to every unit of that name. A name-to-one-code map once gave them
    # to whichever row came last, so the responding city lost its minority languages.
    by_name = dict(zip(langs["name_latin"], langs["minority_languages"]))
    out = registry.copy()
    out["minority_languages"] = out["name_latin"].astype(str).map(by_name).astype("str")
    return out
