"""publish_snapshot: write a wave's tables as an immutable, versioned snapshot.

Order of effects (each later step depends on the earlier ones having completed):
1. validate names, clean stale staging folders, write tables + methodology + quality docs into a
   hidden staging folder (slow part, outside the lock);
2. under the wave's flock: reconcile with any earlier half-finished publish, compare table hashes
   with the latest version (identical -> publish nothing), pick version = max + 1, write
   manifest.json, rename staging -> wave=W/version=N (the atomic step that makes it visible),
   replace the LATEST pointer, insert the catalog row."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import layout
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.manifest import (METHODOLOGY_COPY, build_manifest, read_manifest, table_hashes,
                                           utc_now, write_manifest)
from lei_pipeline.publish.names import validate_table_name, validate_wave_name
from lei_pipeline.files import file_sha256
from lei_pipeline.publish.parquet_io import write_table
from lei_pipeline.publish.staging import Staging, clean_stale_staging, exclusive_lock
from lei_pipeline.settings import Settings

if TYPE_CHECKING:
    from lei_pipeline.publish.quality_report import QualityReport

# Test seam: the crash test replaces "before_rename" to kill the process at the worst moment.
HOOKS: dict[str, Callable[[], None]] = {"before_rename": lambda: None}


@dataclass
class PublishResult:
    wave: str
    version: int
    path: Path
    unchanged: bool
    manifest: dict = field(repr=False)


def _check_tables(tables: dict[str, pd.DataFrame]) -> None:
    if not tables:
        raise LeiError("nothing to publish: no tables given")
    for name, frame in tables.items():
        validate_table_name(name)
        if not isinstance(frame, pd.DataFrame):
            raise LeiError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")


def _methodology_file(settings: Settings, provenance: dict) -> Path:
    path = Path(provenance.get("methodology_path") or settings.methodology_path)
    if not path.is_file():
        raise LeiError(f"methodology file not found: {path} (every snapshot records its methodology)")
    return path


def _catalog_row(manifest: dict, manifest_sha256: str) -> dict:
    return {
        "wave": manifest["wave"],
        "version": manifest["version"],
        "path": layout.relative_path(manifest["wave"], manifest["version"]),
        "created_at": pd.Timestamp(manifest["created_at"]).to_pydatetime(),
        "manifest_sha256": manifest_sha256,
        "methodology_version": manifest["methodology"].get("version"),
        "methodology_sha256": manifest["methodology"].get("sha256"),
        "questionnaire_version": manifest.get("questionnaire_version"),
        "code_version": manifest.get("code_version"),
        "run_id": manifest.get("run_id"),
        "row_counts": {name: entry["rows"] for name, entry in manifest["tables"].items()},
        "checks_passed": len(manifest.get("checks_passed", [])),
        "checks_failed": len(manifest.get("checks_failed", [])),
        "notice": manifest.get("notice"),
    }


def _record(settings: Settings, manifest: dict, folder: Path) -> None:
    repository.record_snapshot(settings.catalog_url, _catalog_row(manifest, file_sha256(folder / "manifest.json")),
                               manifest["tables"])


def _reconcile(settings: Settings, wave: str) -> tuple[list[int], list[int]]:
    """Finish what a publish that died after its rename left undone: catalog rows for complete
    version folders, and the LATEST pointer. Runs under the wave lock."""
    pub = settings.published_dir
    on_disk = layout.complete_versions(pub, wave)
    in_catalog = repository.versions(settings.catalog_url, wave)
    for v in sorted(set(on_disk) - set(in_catalog)):
        folder = layout.version_dir(pub, wave, v)
        manifest = read_manifest(folder)
        if (manifest.get("wave"), manifest.get("version")) != (wave, v):
            raise LeiError(f"{folder} holds the manifest of wave {manifest.get('wave')} version "
                           f"{manifest.get('version')}; it was not written by publish_snapshot: move it away")
        _record(settings, manifest, folder)
        in_catalog.append(v)
    if on_disk:
        pointer = (layout.wave_dir(pub, wave) / layout.LATEST_FILE)
        current = pointer.read_text(encoding="ascii").strip() if pointer.is_file() else ""
        if current != str(on_disk[-1]):
            layout.write_latest(pub, wave, on_disk[-1])
    return on_disk, sorted(in_catalog)


def _unchanged(pub: Path, wave: str, entries: dict[str, dict], methodology_sha: str) -> PublishResult | None:
    """The latest snapshot when it already holds exactly these table bytes (and this methodology)."""
    latest = layout.read_latest(pub, wave)
    if latest is None:
        return None
    folder = layout.version_dir(pub, wave, latest)
    manifest = read_manifest(folder)
    if (table_hashes(manifest) != {n: e["sha256"] for n, e in entries.items()}
            or manifest["methodology"].get("sha256") != methodology_sha):
        return None
    return PublishResult(wave, latest, folder, True, manifest)


def publish_snapshot(settings: Settings, wave: str, tables: dict[str, pd.DataFrame], provenance: dict, *,
                     quality: bool = True, weights: dict | None = None,
                     report: QualityReport | None = None) -> PublishResult:
    """Publish tables as the next version of wave. quality=False skips the GE suites (benchmarks only).
    weights: component weights for the sum-to-1 suite (default: provenance["weights"]).
    report: the suites already run on these tables by this run's quality check; taken (results and
    Data Docs) when its row counts match the tables, otherwise the suites run here."""
    validate_wave_name(wave)
    _check_tables(tables)
    methodology = _methodology_file(settings, provenance)
    methodology_sha = file_sha256(methodology)
    claimed = provenance.get("methodology_sha256")
    if claimed and claimed != methodology_sha:
        raise LeiError(f"methodology file {methodology} changed since the run (sha256 {methodology_sha[:12]}, "
                       f"run used {str(claimed)[:12]}); re-run the wave")
    ensure_catalog(settings.catalog_url)

    pub = settings.published_dir
    pub.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(pub)
    staging = Staging(pub)
    try:
        entries = {name: write_table(tables[name], staging.path / f"{name}.parquet") for name in sorted(tables)}
        same = _unchanged(pub, wave, entries, methodology_sha)  # early exit, no quality run; re-checked under the lock
        if same is not None:
            return same
        shutil.copyfile(methodology, staging.path / METHODOLOGY_COPY)
        suites = None
        data_docs = None
        if quality:
            from lei_pipeline.publish.quality import failed_summary, run_quality_suites

            # GE's Data Docs need seven CDNs and stay out of the snapshot: its results go in as JSON
            # (manifest checks, quality_results.json) and report.html is the page for readers.
            if report is not None and report.fits(tables):
                results = report.suites
            else:
                results = run_quality_suites(tables, weights=weights if weights is not None else provenance.get("weights"))
            if not all(r.passed for r in results):
                raise LeiError(f"wave {wave}: not published, quality suites failed: {failed_summary(results)}")
            suites = [r.to_dict() for r in results]

        wdir = layout.wave_dir(pub, wave)
        wdir.mkdir(exist_ok=True)
        with exclusive_lock(wdir / layout.WAVE_LOCK):
            on_disk, in_catalog = _reconcile(settings, wave)
            same = _unchanged(pub, wave, entries, methodology_sha)
            if same is not None:
                return same
            version = max(on_disk + in_catalog, default=0) + 1
            manifest = build_manifest(wave=wave, version=version, created_at=utc_now(), tables=entries,
                                      provenance=provenance, methodology_sha256=methodology_sha,
                                      quality=suites, data_docs=data_docs)
            # Report, workbook, datapackage and questionnaire copy, listed with their hashes.
            from lei_pipeline.report.artifacts import write_reading_artifacts
            manifest = write_reading_artifacts(staging.path, manifest, Path(provenance.get("questionnaire_path")
                                                                            or settings.questionnaire_path),
                                               settings.registry_path)
            write_manifest(staging.path, manifest)
            layout.fsync_dir(staging.path)
            target = layout.version_dir(pub, wave, version)
            HOOKS["before_rename"]()
            staging.path.rename(target)
            layout.fsync_dir(wdir)
            layout.write_latest(pub, wave, version)
            try:
                _record(settings, manifest, target)
            except Exception as e:
                raise LeiError(f"wave {wave} version {version} was published to {target} but the catalog "
                               f"could not record it ({type(e).__name__}: {e}); the next publish records it") from e
            return PublishResult(wave, version, target, False, manifest)
    finally:
        if staging.path.exists():
            staging.discard()
        staging.release()
        if report is not None:
            # Only this run's report: a concurrent run of the same wave may be about to take its own.
            shutil.rmtree(report.folder, ignore_errors=True)
            try:
                report.folder.parent.rmdir()  # the wave's folder, once no other run's report is in it
            except OSError:
                pass
