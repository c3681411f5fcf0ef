"""What is published, read from the folders and their manifests (the source of truth; the catalog
is an index rebuilt from this). A version folder whose manifest is missing, truncated, not
JSON, or names another wave/version is skipped with a warning naming it: it never blocks a
reader or a publish."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from lei_pipeline.files import file_sha256
from lei_pipeline.publish import layout
from lei_pipeline.publish.manifest import MANIFEST

log = logging.getLogger("lei_pipeline.publish")
_VERSION_DIR = re.compile(r"version=([1-9][0-9]{0,8})")


@dataclass
class Snapshot:
    wave: str
    version: int
    folder: Path
    manifest: dict = field(repr=False)

    @property
    def manifest_sha256(self) -> str:
        return file_sha256(self.folder / MANIFEST)


def version_folders(published_dir: Path, wave: str) -> dict[int, Path]:
    """Every version=N entry of a wave, complete or not, even a stray file of that name (their
    numbers are never reused: a new version is renamed onto a name nothing holds)."""
    wdir = layout.wave_dir(published_dir, wave)
    if not wdir.is_dir():
        return {}
    out = {}
    for p in wdir.iterdir():
        m = _VERSION_DIR.fullmatch(p.name)
        if m:
            out[int(m.group(1))] = p
    return out


def _manifest_problem(folder: Path, wave: str, version: int) -> tuple[dict | None, str | None]:
    path = folder / MANIFEST
    if not path.is_file():
        return None, f"{folder}: no {MANIFEST} (not a complete snapshot): skipped"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"{path}: unreadable or truncated ({type(e).__name__}): skipped"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        return None, f"{path}: not a snapshot manifest (no tables): skipped"
    if (manifest.get("wave"), manifest.get("version")) != (wave, version):
        return None, (f"{folder}: holds the manifest of wave {manifest.get('wave')} version {manifest.get('version')}; "
                      f"not written by publish_snapshot: skipped (move it away)")
    return manifest, None


def wave_snapshots(published_dir: Path, wave: str, warnings: list[str] | None = None) -> list[Snapshot]:
    """The wave's valid snapshots, oldest first. Problems go to warnings (and the log)."""
    found = []
    for version, folder in sorted(version_folders(published_dir, wave).items()):
        manifest, problem = _manifest_problem(folder, wave, version)
        if problem:
            log.warning(problem)
            if warnings is not None:
                warnings.append(problem)
            continue
        found.append(Snapshot(wave, version, folder, manifest))
    return found


def wave_names(published_dir: Path) -> list[str]:
    if not published_dir.is_dir():
        return []
    names = []
    for p in published_dir.iterdir():
        m = re.fullmatch(r"wave=([A-Za-z0-9][A-Za-z0-9_-]{0,39})", p.name)
        if m and p.is_dir():
            names.append(m.group(1))
    return sorted(names)


def all_snapshots(published_dir: Path, warnings: list[str] | None = None) -> list[Snapshot]:
    return [s for w in wave_names(published_dir) for s in wave_snapshots(published_dir, w, warnings)]


def latest(snapshots: list[Snapshot]) -> Snapshot | None:
    """The highest valid version: what LATEST points to once a publish has finished."""
    return max(snapshots, key=lambda s: s.version) if snapshots else None
