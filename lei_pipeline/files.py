"""File fingerprints: the export a wave was read from and the tables a snapshot holds are
identified by the same sha256."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from lei_pipeline.errors import LeiError


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_input(path: str | Path, what: str) -> bytes:
    """The bytes of a versioned input (questionnaire, methodology): their hash is the version
    a snapshot records, so they are read once, as bytes."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise LeiError(f"{what} {path}: cannot read ({e.strerror})") from e


# Parsed methodology and questionnaire by content: a `lei run` of several waves parses the same two
# YAML files for the wave's inputs, for every snapshot's column descriptions and for every report
# (0.15-0.6 s a parse). The parsed objects are frozen dataclasses that no caller changes.
_PARSED: dict[tuple, object] = {}
_PARSED_KEPT = 8


def parsed_once(kind: str, data: bytes, parse, path: Path | None = None):
    """parse(data, path), or the object an earlier call with the same kind and bytes made. The path
    only names the file in parse errors (a failed parse is not kept) and in an object that records
    where it was read from (the questionnaire): that one is handed on with this call's path, so the
    snapshot's copy of a questionnaire is not parsed again."""
    key = (kind, hashlib.sha256(data).hexdigest())
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.clear()
        _PARSED[key] = parse(data, path)
    parsed = _PARSED[key]
    if dataclasses.is_dataclass(parsed) and getattr(parsed, "path", path) != path:
        parsed = dataclasses.replace(parsed, path=path)
    return parsed


def load_yaml(data: bytes | str):
    """Safe YAML through libyaml when PyYAML was built with it: the questionnaire and the
    methodology are read several times a run, and the pure-Python parser takes a second each."""
    import yaml

    return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
