"""`lei snapshots gc`: find and remove what publishes that died half-way left behind.

An orphan is a version=N entry with no manifest.json at all: on a bucket the objects a killed
publisher uploaded before its manifest, on disk a folder nothing made visible. Each wave is
examined under its catalog claim (publish.claims), so no publisher of that wave is half-way
while gc looks: an orphan then cannot be a version about to appear. A version with a manifest
is never touched (a damaged one is reported by `lei snapshots verify`, not deleted). On disk the
stale staging folders of killed publishers are removed too."""
from __future__ import annotations

from dataclasses import dataclass, field

from lei_pipeline.publish import layout, scan
from lei_pipeline.publish.claims import wave_claim
from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.publish.staging import clean_stale_staging
from lei_pipeline.publish.storage import storage_for
from lei_pipeline.settings import Settings


@dataclass
class Orphan:
    wave: str
    version: int
    location: str
    objects: list[str] = field(default_factory=list)   # relative to the storage root


@dataclass
class GcResult:
    orphans: list[Orphan] = field(default_factory=list)
    staging_removed: list[str] = field(default_factory=list)
    removed: bool = False


def _orphans(store, wave: str) -> list[Orphan]:
    found = []
    for version in sorted(scan.version_folders(store, wave)):
        rel = layout.relative_path(wave, version)
        if store.is_file(f"{rel}/{MANIFEST}"):
            continue
        objects = store.files(rel) or ([rel] if store.is_file(rel) else [])
        found.append(Orphan(wave, version, str(store.location(rel)), objects))
    return found


def collect_garbage(settings: Settings, dry_run: bool = False) -> GcResult:
    """List (dry_run) or remove orphaned version entries of every wave."""
    store = storage_for(settings)
    result = GcResult(removed=not dry_run)
    for wave in scan.wave_names(store):
        with wave_claim(settings.catalog_url, wave):
            orphans = _orphans(store, wave)
            if not dry_run:
                for orphan in orphans:
                    rel = layout.relative_path(wave, orphan.version)
                    if store.is_file(rel):
                        store.delete_file(rel)
                    else:
                        store.delete_dir(rel)
        result.orphans.extend(orphans)
    if not dry_run:
        staging_root = settings.published_dir if store.local else settings.work_dir / "staging"
        result.staging_removed = clean_stale_staging(staging_root)
    return result
