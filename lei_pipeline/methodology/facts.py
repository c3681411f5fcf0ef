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
    by_name = dict(zip(registry["name_latin"].astype(str), registry["unit_code"].astype(str)))
    for line, name in enumerate(langs["name_latin"], start=2):
        if name not in by_name:
            raise LeiError(f"{Path(path).name}, line {line}: {name!r} is not a name in the registry")
    codes = langs["name_latin"].map(by_name)
    out = registry.copy()
    out["minority_languages"] = out["unit_code"].astype(str).map(dict(zip(codes, langs["minority_languages"]))).astype("str")
    return out
