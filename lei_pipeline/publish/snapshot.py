"""publish_snapshot: write a wave's tables as an immutable, versioned snapshot.

Order of effects (each later step depends on the earlier ones having completed):
1. validate names, clean stale staging folders, write tables + methodology + quality docs into a
   hidden staging folder (slow part, outside the lock);
2. under the wave's flock: reconcile with any earlier half-finished publish, compare table hashes
   with the latest version (identical -> publish nothing), pick version = max + 1, write
   manifest.json, rename staging -> wave=W/version=N (the atomic step that makes it visible),
   replace the LATEST pointer, insert the catalog row. A failure after the rename leaves a
   published version (the result says so, with a warning); the next publish of the wave, identical
   or not, writes the missing pointer and catalog row (publish.reindex).

Storage (publish.storage) may be a local folder or a bucket. The version number is claimed in
the catalog (publish.claims: held from the re-check to LATEST), which is what serialises
publishers on different hosts; on disk the wave's flock is kept as well. On a bucket the staging
folder is local (work/staging) and publish.commit uploads it, manifest last."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from lei_pipeline.errors import LeiError
from contextlib import nullcontext

from lei_pipeline.publish import layout, reindex, scan
from lei_pipeline.publish.claims import wave_claim
from lei_pipeline.publish.commit import make_visible
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.integrity import snapshot_problems
from lei_pipeline.publish.manifest import METHODOLOGY_COPY, build_manifest, table_hashes, utc_now, write_manifest
from lei_pipeline.publish.names import validate_table_name, validate_wave_name
from lei_pipeline.files import file_sha256
from lei_pipeline.publish.parquet_io import RowBatches, write_table
from lei_pipeline.publish.staging import Staging, clean_stale_staging, exclusive_lock
from lei_pipeline.publish.storage import Storage, storage_for
from lei_pipeline.settings import Settings

if TYPE_CHECKING:
    from lei_pipeline.publish.quality_report import QualityReport

# Test seam: the crash test replaces "before_rename" to kill the process at the worst moment.
HOOKS: dict[str, Callable[[], None]] = {"before_rename": lambda: None}


@dataclass
class PublishResult:
    wave: str
    version: int
    path: Path | str   # the version's folder, or its s3:// URL on a bucket
    unchanged: bool
    manifest: dict = field(repr=False)
    # what the publish skipped or could not finish (stray folders, a catalog write that failed);
    # the version above is published and readable even when the catalog could not record it
    warnings: list[str] = field(default_factory=list)
    catalog_recorded: bool = True


def _check_tables(tables: dict[str, pd.DataFrame]) -> None:
    if not tables:
        raise LeiError("nothing to publish: no tables given")
    for name, frame in tables.items():
        validate_table_name(name)
        if not isinstance(frame, (pd.DataFrame, RowBatches)):
            raise LeiError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
        _refuse_local_paths(name, frame)


_ABSOLUTE = re.compile(r"^(/|\\\\|[A-Za-z]:[\\/])")


def _refuse_local_paths(name: str, frame: pd.DataFrame | RowBatches) -> None:
    """Published data holds no local path: columns that name a file or path must be relative
    (a responses table once carried the export's absolute path, so every checkout published anew)."""
    cols = [c for c in frame.columns if str(c).endswith(("file", "path"))]
    if not cols:
        return
    for part in frame.batches() if isinstance(frame, RowBatches) else [frame]:
        for col in cols:
            values = [v for v in part[col].dropna().unique() if isinstance(v, str)]
            bad = next((v for v in values if _ABSOLUTE.match(v)), None)
            if bad is not None:
                raise LeiError(f"table {name!r} column {col!r} holds a local path ({bad!r}): published tables "
                               f"hold file names relative to their wave folder")


def _write_tables(tables: dict[str, pd.DataFrame | RowBatches], folder: Path, described: dict) -> dict[str, dict]:
    """Each table's Parquet file, two at a time: pyarrow encodes and compresses without holding
    the GIL, and at 100,000 units the indicator table takes 2.3 s to write, the responses 1 s."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(tables, key=lambda n: -len(tables[n]))   # the largest first
    with ThreadPoolExecutor(max_workers=2) as pool:
        written = {n: pool.submit(write_table, tables[n], folder / f"{n}.parquet", described[n]) for n in names}
        return {n: written[n].result() for n in sorted(tables)}


def _methodology_file(settings: Settings, provenance: dict) -> Path:
    path = Path(provenance.get("methodology_path") or settings.methodology_path)
    if not path.is_file():
        raise LeiError(f"methodology file not found: {path} (every snapshot records its methodology)")
    return path


def _export_sha(manifest_or_provenance: dict) -> str | None:
    return (manifest_or_provenance.get("export") or {}).get("sha256")


def _unchanged(snapshots: list[scan.Snapshot], entries: dict[str, dict], methodology_sha: str,
               provenance: dict, warnings: list[str] | None = None) -> PublishResult | None:
    """The latest snapshot when it already holds exactly these table bytes, made with this
    methodology from this export, and its files still match its manifest (a modified file is
    replaced by a new version rather than vouched for)."""
    top = scan.latest(snapshots)
    if top is None:
        return None
    manifest = top.manifest
    if (table_hashes(manifest) != {n: e["sha256"] for n, e in entries.items()}
            or manifest["methodology"].get("sha256") != methodology_sha
            or _export_sha(manifest) != _export_sha(provenance)):
        return None
    problems = snapshot_problems(top)
    if problems:
        if warnings is not None:
            warnings.extend(f"{p}: publishing a new version" for p in problems)
        return None
    return PublishResult(top.wave, top.version, top.folder, True, manifest)


def _reconciled(settings: Settings, store: Storage, wave: str) -> tuple[list[scan.Snapshot], list[str]]:
    """Under the wave lock: the wave's valid snapshots, with the catalog and LATEST brought in
    line with them (what a publish that failed after its rename left undone)."""
    warnings: list[str] = []
    snapshots = scan.wave_snapshots(store, wave, warnings)
    reindex.reconcile_wave(settings, wave, snapshots, warnings)
    return snapshots, warnings


def _wave_lock(settings: Settings, store: Storage, wave: str):
    """On disk the wave's flock (one host); on a bucket the catalog claim alone serialises."""
    if not store.local:
        return nullcontext()
    wdir = layout.wave_dir(settings.published_dir, wave)
    wdir.mkdir(exist_ok=True)
    return exclusive_lock(wdir / layout.WAVE_LOCK)


def _heal_latest(store: Storage, wave: str, top: scan.Snapshot | None) -> None:
    """On a bucket, under the claim: LATEST names the highest visible version (a publisher that
    died between its manifest and its pointer left it behind)."""
    if store.local or top is None:
        return
    try:
        current = store.read_bytes(f"{layout.wave_rel(wave)}/{layout.LATEST_FILE}").decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        current = ""
    if current != str(top.version):
        layout.write_latest(store, wave, top.version)


def _unrecorded(result: PublishResult, e: Exception) -> None:
    result.catalog_recorded = False
    msg = (f"wave {result.wave} version {result.version} is published ({result.path}) but its catalog row or "
           f"LATEST pointer could not be written ({type(e).__name__}: {e}); the next run of the wave or "
           f"`lei snapshots reindex` records it")
    scan.log.warning(msg)
    result.warnings.append(msg)


def publish_snapshot(settings: Settings, wave: str, tables: dict[str, pd.DataFrame | RowBatches], provenance: dict, *,
                     quality: bool = True, weights: dict | None = None,
                     report: QualityReport | None = None) -> PublishResult:
    """Publish tables as the next version of wave (a large one may come as RowBatches, written a
    row group at a time). quality=False skips the GE suites (benchmarks only).
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

    store = storage_for(settings)
    # staging: hidden in the published folder on disk (renamed into place), local work dir for a bucket
    stage_root = settings.published_dir if store.local else settings.work_dir / "staging"
    stage_root.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(stage_root)
    staging = Staging(stage_root)
    try:
        # Every field described from the table contracts (imported here: pandera is not cheap).
        from lei_pipeline.schemas.describe import published_descriptions

        described = published_descriptions(tables, methodology, provenance.get("questionnaire_path")
                                           or settings.questionnaire_path)
        entries = _write_tables(tables, staging.path, described)
        early = _unchanged(scan.wave_snapshots(store, wave), entries, methodology_sha, provenance)
        if early is not None:  # no quality run; re-checked (and the catalog healed) under the lock
            with _wave_lock(settings, store, wave):
                snapshots, warnings = _reconciled(settings, store, wave)
                same = _unchanged(snapshots, entries, methodology_sha, provenance, warnings)
                if same is not None:
                    same.warnings = warnings
                    if not store.local:
                        with wave_claim(settings.catalog_url, wave):
                            _heal_latest(store, wave, scan.latest(scan.wave_snapshots(store, wave)))
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
                whole = {n: t.whole() if isinstance(t, RowBatches) else t for n, t in tables.items()}
                results = run_quality_suites(whole, weights=weights if weights is not None else provenance.get("weights"))
            if not all(r.passed for r in results):
                raise LeiError(f"wave {wave}: not published, quality suites failed: {failed_summary(results)}")
            suites = [r.to_dict() for r in results]

        with _wave_lock(settings, store, wave):
            snapshots, warnings = _reconciled(settings, store, wave)
            same = _unchanged(snapshots, entries, methodology_sha, provenance, warnings)
            if same is not None:
                same.warnings = warnings
                return same
            published = None
            with wave_claim(settings.catalog_url, wave) as claim:
                # another host may have published while we waited for the claim: look again
                snapshots = scan.wave_snapshots(store, wave)
                same = _unchanged(snapshots, entries, methodology_sha, provenance, warnings)
                if same is not None:
                    _heal_latest(store, wave, scan.latest(snapshots))
                    same.warnings = warnings
                    return same
                # numbers of stray folders, of catalog rows whose folder is gone and of claims are never reused
                taken = (set(scan.version_folders(store, wave)) | set(repository.versions(settings.catalog_url, wave))
                         | claim.claimed_versions())
                version = max(taken, default=0) + 1
                claim.take(version)
                manifest = build_manifest(wave=wave, version=version, created_at=utc_now(), tables=entries,
                                          provenance=provenance, methodology_sha256=methodology_sha,
                                          quality=suites, data_docs=data_docs)
                # Report, workbook, datapackage and questionnaire copy, listed with their hashes.
                from lei_pipeline.report.artifacts import write_reading_artifacts
                manifest = write_reading_artifacts(staging.path, manifest, Path(provenance.get("questionnaire_path")
                                                                                or settings.questionnaire_path),
                                                   settings.registry_path, published=store)
                write_manifest(staging.path, manifest)
                rel = layout.relative_path(wave, version)
                make_visible(store, staging.path, wave, version, HOOKS["before_rename"])
                # From here the version is published: readers trust the folder and its manifest. What
                # follows (pointer, catalog row) is derived from it and healed by the next publish.
                published = scan.Snapshot(wave, version, store.location(rel), manifest, store)
                result = PublishResult(wave, version, published.folder, False, manifest, warnings)
                try:
                    if store.local:
                        layout.fsync_dir(layout.wave_dir(settings.published_dir, wave))
                    layout.write_latest(store, wave, version)   # LATEST moves last, under the claim
                except Exception as e:  # noqa: BLE001 - any failure here must not hide the published version
                    _unrecorded(result, e)
            # the catalog row after the claim commits (SQLite: one writer at a time)
            if result.catalog_recorded:
                try:
                    reindex.record(settings, published)
                except Exception as e:  # noqa: BLE001
                    _unrecorded(result, e)
            return result
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
