"""What is published, read from the folders and their manifests (the source of truth; the catalog
is an index rebuilt from this). A version folder whose manifest is missing, truncated, not
JSON, or names another wave/version is skipped with a warning naming it: it never blocks a
reader or a publish. Everything is read through a Storage (a local folder or a bucket); a
local Path is accepted wherever a Storage is."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.fs as pafs

from lei_pipeline.publish import layout
from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.publish.storage import Storage, as_storage
from lei_pipeline.vocabulary import WAVE_NAME

log = logging.getLogger("lei_pipeline.publish")
_VERSION_DIR = re.compile(r"version=([1-9][0-9]{0,8})")


@dataclass
class Snapshot:
    wave: str
    version: int
    folder: Path | str   # a local Path, or the version's s3:// URL
    manifest: dict = field(repr=False)
    store: Storage | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.store is None:  # built from a local folder: wave=W/version=N inside its published dir
            self.store = as_storage(Path(self.folder).parent.parent)

    @property
    def rel(self) -> str:
        """The version's folder relative to its storage root: wave=W/version=N."""
        return layout.relative_path(self.wave, self.version)

    @property
    def manifest_sha256(self) -> str:
        return self.store.sha256(f"{self.rel}/{MANIFEST}")


def version_folders(published, wave: str) -> dict[int, Path | str]:
    """Every version=N entry of a wave, complete or not, even a stray file of that name (their
    numbers are never reused: a new version is renamed onto a name nothing holds)."""
    store = as_storage(published)
    out = {}
    for info in store.entries(layout.wave_rel(wave)):
        m = _VERSION_DIR.fullmatch(info.base_name)
        if m:
            out[int(m.group(1))] = store.location(layout.relative_path(wave, int(m.group(1))))
    return out


def _manifest_problem(store: Storage, wave: str, version: int) -> tuple[dict | None, str | None]:
    rel = f"{layout.relative_path(wave, version)}/{MANIFEST}"
    folder = store.location(layout.relative_path(wave, version))
    path = store.location(rel)
    if not store.is_file(rel):
        return None, f"{folder}: no {MANIFEST} (not a complete snapshot): skipped"
    try:
        manifest = json.loads(store.read_bytes(rel).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"{path}: unreadable or truncated ({type(e).__name__}): skipped"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        return None, f"{path}: not a snapshot manifest (no tables): skipped"
    if (manifest.get("wave"), manifest.get("version")) != (wave, version):
        return None, (f"{folder}: holds the manifest of wave {manifest.get('wave')} version {manifest.get('version')}; "
                      f"not written by publish_snapshot: skipped (move it away)")
    return manifest, None


def wave_snapshots(published, wave: str, warnings: list[str] | None = None) -> list[Snapshot]:
    """The wave's valid snapshots, oldest first. Problems go to warnings (and the log)."""
    store = as_storage(published)
    found = []
    for version, folder in sorted(version_folders(store, wave).items()):
        manifest, problem = _manifest_problem(store, wave, version)
        if problem:
            log.warning(problem)
            if warnings is not None:
                warnings.append(problem)
            continue
        found.append(Snapshot(wave, version, folder, manifest, store))
    return found


def wave_names(published) -> list[str]:
    names = []
    for info in as_storage(published).entries():
        m = re.fullmatch(rf"wave=({WAVE_NAME})", info.base_name)
        if m and info.type == pafs.FileType.Directory:
            names.append(m.group(1))
    return sorted(names)


def latest(snapshots: list[Snapshot]) -> Snapshot | None:
    """The highest valid version: what LATEST points to once a publish has finished."""
    return max(snapshots, key=lambda s: s.version) if snapshots else None
