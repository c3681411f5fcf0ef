"""The catalog is an index of the published folders, rebuilt from their manifests.

`reconcile_wave` runs under the wave's lock at every publish (identical or not): a version folder
that a failed catalog write left unrecorded gets its row, a row that disagrees with its folder's
manifest is replaced. `reindex` (`lei snapshots reindex`) does the same for every wave and also
drops rows whose folder is gone."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from lei_pipeline.publish import layout, scan
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.storage import storage_for
from lei_pipeline.settings import Settings

log = logging.getLogger("lei_pipeline.publish")


def catalog_row(snap: scan.Snapshot) -> dict:
    m = snap.manifest
    export = m.get("export") or {}
    return {
        "wave": snap.wave,
        "version": snap.version,
        "path": layout.relative_path(snap.wave, snap.version),
        "created_at": pd.Timestamp(m["created_at"]).to_pydatetime(),
        "manifest_sha256": snap.manifest_sha256,
        "methodology_version": (m.get("methodology") or {}).get("version"),
        "methodology_sha256": (m.get("methodology") or {}).get("sha256"),
        "questionnaire_version": m.get("questionnaire_version"),
        "code_version": m.get("code_version"),
        "run_id": m.get("run_id"),
        "row_counts": {name: entry.get("rows") for name, entry in m["tables"].items()},
        "checks_passed": len(m.get("checks_passed", [])),
        "checks_failed": len(m.get("checks_failed", [])),
        "notice": m.get("notice"),
        "export_file": export.get("file"),
        "export_sha256": export.get("sha256"),
        "export_format": export.get("format"),
        "export_rows_read": export.get("rows_read"),
    }


def record(settings: Settings, snap: scan.Snapshot) -> None:
    repository.record_snapshot(settings.catalog_url, catalog_row(snap), snap.manifest["tables"])


@dataclass
class ReindexResult:
    added: list[tuple[str, int]] = field(default_factory=list)
    replaced: list[tuple[str, int]] = field(default_factory=list)
    removed: list[tuple[str, int]] = field(default_factory=list)
    kept: int = 0
    warnings: list[str] = field(default_factory=list)


def _sync(settings: Settings, snapshots: list[scan.Snapshot], rows: dict[tuple[str, int], str],
          result: ReindexResult) -> None:
    for snap in snapshots:
        key = (snap.wave, snap.version)
        known = rows.get(key)
        if known == snap.manifest_sha256:
            result.kept += 1
            continue
        if known is not None:
            repository.delete_snapshot(settings.catalog_url, *key)
            result.replaced.append(key)
        else:
            result.added.append(key)
        try:
            record(settings, snap)
        except sa.exc.IntegrityError:
            # on a bucket there is no wave lock around this: the version's own publisher (or
            # another healer) recorded it meanwhile, from the same manifest
            pass


def reconcile_wave(settings: Settings, wave: str, snapshots: list[scan.Snapshot],
                   warnings: list[str]) -> ReindexResult:
    """Catalog rows for every valid folder of wave, and LATEST = its highest valid version.
    Rows without a folder are left (their numbers stay taken) with a warning."""
    result = ReindexResult(warnings=warnings)
    rows = repository.manifest_hashes(settings.catalog_url, wave)
    _sync(settings, snapshots, rows, result)
    store = storage_for(settings)
    on_disk = {s.version for s in snapshots}
    present = set(scan.version_folders(store, wave))
    for (w, v) in sorted(set(rows) - {(wave, n) for n in on_disk}):
        if v not in present:
            msg = (f"catalog row wave {w} version {v} has no folder {layout.relative_path(w, v)}: ignored "
                   f"(lei snapshots reindex removes it)")
            log.warning(msg)
            warnings.append(msg)
    top = scan.latest(snapshots)
    if top is not None and store.local:
        # on a bucket only a publisher holding the wave's catalog claim moves LATEST (publish.commit)
        try:
            current = store.read_bytes(f"{layout.wave_rel(wave)}/{layout.LATEST_FILE}").decode("ascii").strip()
        except (OSError, UnicodeDecodeError):
            current = ""
        if current != str(top.version):
            layout.write_latest(settings.published_dir, wave, top.version)
    return result


def reindex(settings: Settings) -> ReindexResult:
    """Make the catalog agree with the published folders: add missing rows, replace rows whose
    manifest hash differs, remove rows without a valid folder. Takes each wave's lock."""
    from lei_pipeline.publish.staging import exclusive_lock

    from lei_pipeline.publish.claims import wave_claim

    ensure_catalog(settings.catalog_url)
    result = ReindexResult()
    pub = storage_for(settings)
    rows = repository.manifest_hashes(settings.catalog_url)
    present = set(scan.wave_names(pub))
    waves = sorted(present | {w for w, _ in rows})
    for wave in waves:
        if wave not in present:
            snaps = []
        elif pub.local:
            with exclusive_lock(layout.wave_dir(settings.published_dir, wave) / layout.WAVE_LOCK):
                snaps = scan.wave_snapshots(pub, wave, result.warnings)
                _sync(settings, snaps, rows, result)
                top = scan.latest(snaps)
                if top is not None:
                    layout.write_latest(pub, wave, top.version)
        else:
            snaps = scan.wave_snapshots(pub, wave, result.warnings)
            _sync(settings, snaps, rows, result)
            with wave_claim(settings.catalog_url, wave):  # LATEST moves only under the wave's claim
                snaps = scan.wave_snapshots(pub, wave)
                top = scan.latest(snaps)
                if top is not None:
                    layout.write_latest(pub, wave, top.version)
        valid = {s.version for s in snaps}
        for (w, v) in sorted(k for k in rows if k[0] == wave and k[1] not in valid):
            repository.delete_snapshot(settings.catalog_url, w, v)
            result.removed.append((w, v))
    return result
