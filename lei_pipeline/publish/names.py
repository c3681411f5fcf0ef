"""Wave names and snapshot versions become folder names: validate them before any file is touched."""
from __future__ import annotations

import re

from lei_pipeline.errors import UsageError
# One rule for wave names everywhere (lei_pipeline.waves.declared): letters, digits, '_' and '-', no dots
# or slashes, so a wave name can never climb out of data/raw/ or data/published/.
from lei_pipeline.waves.declared import WAVE_PATTERN, check_wave_name as validate_wave_name  # noqa: F401

TABLE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
LATEST = "latest"


def validate_version(version: object) -> int | str:
    """A positive integer (int or digit string) or "latest"."""
    if isinstance(version, bool):
        raise UsageError(f"invalid version {version!r}: use a positive integer or 'latest'")
    if isinstance(version, int):
        if version >= 1:
            return version
    elif isinstance(version, str):
        v = version.strip()
        if v.lower() == LATEST:
            return LATEST
        if re.fullmatch(r"[0-9]{1,9}", v) and int(v) >= 1:
            return int(v)
    raise UsageError(f"invalid version {version!r}: use a positive integer or 'latest'")


def validate_table_name(table: object) -> str:
    if not isinstance(table, str) or not TABLE_PATTERN.fullmatch(table):
        raise UsageError(f"invalid table name {table!r}: use lower-case letters, digits and '_'")
    return table
