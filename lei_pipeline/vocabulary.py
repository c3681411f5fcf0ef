"""The words every part of the pipeline shares, defined once: wave names, types of local
government, languages, export and table formats, indicator statuses. Pure data (no imports from
the rest of the package), so the readers, the registry, the contracts, the publisher and the CLI
can all depend on it."""
from __future__ import annotations

import re

# A wave name becomes a folder name (data/raw/<wave>, wave=<wave>) and a Dagster partition key:
# letters, digits, '_' and '-', no dots or slashes, so it can never climb out of data/.
WAVE_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}"
WAVE_PATTERN = re.compile(WAVE_NAME)
WAVE_NAME_RULE = "1-40 letters, digits, '_' or '-', starting with a letter or digit"

# Types of local government, as the registry writes them; the capital ranks with the cities.
UNIT_TYPES = ("capital_city", "city", "municipality", "city_municipality")
CITY_TYPES = frozenset({"capital_city", "city"})
TYPE_GROUPS = ("city", "municipality", "city_municipality")

# Languages of the questionnaire and the methodology: Serbian Latin, Serbian Cyrillic, English.
LANGUAGES = ("sr_latn", "sr_cyrl", "en")

# Export formats a reader accepts (`lei validate --format`, reading.yaml); "auto" detects.
EXPORT_FORMATS = ("auto", "limesurvey", "xlsx", "excel-csv", "lsr")

# Formats a published table can be pulled to (`lei pull --out`), by file suffix.
TABLE_FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}

# How an indicator's answer was read (lei_pipeline.methodology.scoring): the first five count in
# coverage, the rest are missing by design (not_reached counts too).
INDICATOR_STATUSES = ("answered", "dont_know", "blank", "not_applicable", "invalid", "not_reached", "not_shown",
                      "not_asked", "not_in_force", "no_population")
