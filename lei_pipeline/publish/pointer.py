"""A wave's latest version and its manifest, read through a Storage (a folder or a bucket): what
the change step reads of the previous wave, the same on disk and in a bucket."""
from __future__ import annotations

import json
from pathlib import Path

from lei_pipeline.publish import layout
from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.publish.scan import version_folders
from lei_pipeline.publish.storage import Storage, as_storage


def _has_manifest(store: Storage, wave: str, version: int) -> bool:
    return store.is_file(f"{layout.relative_path(wave, version)}/{MANIFEST}")


def latest_version(published: Storage | Path, wave: str) -> int | None:
    """The LATEST pointer when it names a version with a manifest; else the highest version with one
    (published: a Storage, or a local published folder)."""
    store = as_storage(published)
    rel = f"{layout.wave_rel(wave)}/{layout.LATEST_FILE}"
    try:
        text = store.read_bytes(rel).decode("ascii").strip() if store.is_file(rel) else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    if text.isdigit() and _has_manifest(store, wave, int(text)):
        return int(text)
    complete = [v for v in sorted(version_folders(store, wave)) if _has_manifest(store, wave, v)]
    return complete[-1] if complete else None


def read_version_manifest(store: Storage, wave: str, version: int) -> dict:
    """The version's manifest.json (OSError or ValueError when missing or not JSON)."""
    return json.loads(store.read_bytes(f"{layout.relative_path(wave, version)}/{MANIFEST}").decode("utf-8"))
