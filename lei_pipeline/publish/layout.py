"""Where snapshots live (in a Storage: a local folder or a bucket, publish.storage):

    <published_dir>/wave=<wave>/version=<n>/<table>.parquet, manifest.json, methodology.yaml, data_docs/
    <published_dir>/wave=<wave>/LATEST      the latest version number (text), replaced atomically
    <published_dir>/wave=<wave>/.lock       publishers of one wave serialise on it (flock)
    <published_dir>/.staging-<uuid>/        a publish in progress (hidden; readers never look here)

On disk a version folder only ever appears by rename of a complete staging folder. A bucket has
no rename: the version's objects are uploaded first and its manifest.json last, so there too a
version with a manifest.json is a complete snapshot (publish.commit). Staging for a bucket is a
local folder under the work directory. Readers and publishing go by publish.scan, which also
checks that the manifest parses and names its own wave and version (a restored or stray folder is
skipped with a warning); LATEST is derived from the folders (the highest valid version)."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.vocabulary import WAVE_NAME

LATEST_FILE = "LATEST"
WAVE_LOCK = ".lock"
STAGING_PREFIX = ".staging-"
_VERSION_DIR = re.compile(r"version=([1-9][0-9]{0,8})")
_WAVE_DIR = re.compile(rf"wave=({WAVE_NAME})")


def wave_dir(published_dir: Path, wave: str) -> Path:
    return published_dir / f"wave={wave}"


def version_dir(published_dir: Path, wave: str, version: int) -> Path:
    return wave_dir(published_dir, wave) / f"version={version}"


def relative_path(wave: str, version: int) -> str:
    return f"wave={wave}/version={version}"


def wave_rel(wave: str) -> str:
    return f"wave={wave}"


def complete_versions(published_dir: Path, wave: str) -> list[int]:
    folder = wave_dir(published_dir, wave)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _VERSION_DIR.fullmatch(p.name)
        if m and (p / MANIFEST).is_file():
            found.append(int(m.group(1)))
    return sorted(found)


def published_waves(published_dir: Path) -> list[str]:
    if not published_dir.is_dir():
        return []
    waves = []
    for p in published_dir.iterdir():
        m = _WAVE_DIR.fullmatch(p.name)
        if m and p.is_dir() and complete_versions(published_dir, m.group(1)):
            waves.append(m.group(1))
    return sorted(waves)


def write_latest(published, wave: str, version: int) -> None:
    """Replace the wave's LATEST pointer (published: a local folder or a Storage)."""
    from lei_pipeline.publish.storage import Storage

    if isinstance(published, Storage):
        if not published.local:
            published.write_bytes(f"{wave_rel(wave)}/{LATEST_FILE}", f"{version}\n".encode("ascii"))
            return
        published = Path(published.root)
    folder = wave_dir(published, wave)
    tmp = folder / f".{LATEST_FILE}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{version}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / LATEST_FILE)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
