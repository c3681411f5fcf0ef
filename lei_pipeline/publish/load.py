"""Reading published snapshots: for analysts (load), the CLI and the pipeline (previous wave).
Readers trust the folders and their manifests (verified on read); the catalog is an index of
them, rebuilt by `lei snapshots reindex`."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import scan
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.integrity import read_verified, verified_rel, verify_file
from lei_pipeline.publish.reindex import catalog_row
from lei_pipeline.publish.names import LATEST, validate_table_name, validate_version, validate_wave_name
from lei_pipeline.publish.storage import storage_for
from lei_pipeline.settings import Settings

LIST_COLUMNS = ["wave", "version", "latest", "created_at", "row_counts", "checks_passed", "checks_failed",
                "methodology_version", "methodology_sha256", "questionnaire_version", "code_version", "run_id",
                "manifest_sha256", "notice", "export_file", "export_sha256", "export_format", "export_rows_read",
                "path"]


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else Settings.from_env()


def _wave_name(wave: object) -> str:
    """A wave given as an int (load("scores", wave=2024)) means the wave named "2024"."""
    if isinstance(wave, int) and not isinstance(wave, bool):
        wave = str(wave)
    validate_wave_name(wave)
    return wave


def known_waves(settings: Settings | None = None) -> list[str]:
    pub = storage_for(_settings(settings))
    return [w for w in scan.wave_names(pub) if scan.wave_snapshots(pub, w)]


def _resolve(settings: Settings | None, wave: object, version: int | str = LATEST) -> scan.Snapshot:
    s = _settings(settings)
    wave = _wave_name(wave)
    wanted = validate_version(version)
    pub = storage_for(s)
    snapshots = scan.wave_snapshots(pub, wave)
    if not snapshots:
        waves = known_waves(s)
        known = f"known waves: {', '.join(waves)}" if waves else f"nothing published yet in {pub.url}"
        raise LeiError(f"unknown wave {wave!r}: {known}")
    if wanted == LATEST:
        return scan.latest(snapshots)
    for snap in snapshots:
        if snap.version == wanted:
            return snap
    raise LeiError(f"wave {wave} has no version {wanted}: versions {', '.join(str(x.version) for x in snapshots)}")


def resolve_snapshot(settings: Settings | None, wave: object, version: int | str = LATEST) -> tuple[int, Path | str]:
    """(version number, folder) of a published snapshot (a folder with a valid manifest; latest =
    the highest such version); LeiError naming what exists otherwise. The folder is a local Path,
    or the version's s3:// URL when the storage is a bucket."""
    snap = _resolve(settings, wave, version)
    return snap.version, snap.folder


def snapshot_manifest(wave: object, version: int | str = LATEST, settings: Settings | None = None) -> dict:
    return _resolve(settings, wave, version).manifest


def _table_entry(snap: scan.Snapshot, table: str) -> None:
    validate_table_name(table)
    if table not in snap.manifest["tables"]:
        raise LeiError(f"wave {snap.wave} version {snap.version} has no table {table!r}: tables "
                       f"{', '.join(sorted(snap.manifest['tables']))}")


def table_path(table: str, wave: object, version: int | str = LATEST, settings: Settings | None = None) -> Path | str:
    """The table's file after checking it against the manifest (confined to the snapshot folder,
    sha256 equal): IntegrityError naming the file otherwise. An s3:// URL on a bucket."""
    snap = _resolve(settings, wave, version)
    _table_entry(snap, table)
    return snap.store.location(verified_rel(snap, table))


def load_arrow(table: str, wave: object, version: int | str = LATEST, settings: Settings | None = None):
    """A published table as an Arrow table, verified against its manifest's sha256."""
    snap = _resolve(settings, wave, version)
    _table_entry(snap, table)
    return read_verified(snap, table)


@contextmanager
def fetch_table(table: str, wave: object, version: int | str = LATEST, settings: Settings | None = None):
    """A local file holding the published table's exact bytes, checked against its manifest:
    the file itself on disk, a temporary download from a bucket (removed after the block)."""
    snap = _resolve(settings, wave, version)
    _table_entry(snap, table)
    rel = verified_rel(snap, table)
    if snap.store.local:
        yield Path(snap.store.path(rel))
        return
    with tempfile.TemporaryDirectory(prefix="lei-pull-") as tmp:
        local = Path(tmp) / f"{table}.parquet"
        local.write_bytes(snap.store.read_bytes(rel))
        verify_file(local, snap.manifest["tables"][table].get("sha256", ""))  # the bytes we got
        yield local


def load(table: str, wave: object, version: int | str = LATEST, settings: Settings | None = None) -> pd.DataFrame:
    """A published table as a DataFrame, verified against its manifest's sha256.
    Example: load("scores", wave="2024") (or wave=2024), version=2 to pin one."""
    return load_arrow(table, wave, version, settings).to_pandas()


def load_all(table: str, settings: Settings | None = None, all_versions: bool = False) -> pd.DataFrame:
    """The table's latest version of every published wave, one frame with `wave` and `version`
    columns (all_versions=True: every version). Each file verified against its manifest.
    Example: load_all("scores").groupby("wave")["lei"].mean()"""
    validate_table_name(table)
    s = _settings(settings)
    pub = storage_for(s)
    frames = []
    for wave in scan.wave_names(pub):
        snapshots = scan.wave_snapshots(pub, wave)
        chosen = snapshots if all_versions else [scan.latest(snapshots)] if snapshots else []
        for snap in chosen:
            if table not in snap.manifest["tables"]:
                continue
            frame = read_verified(snap, table).to_pandas()
            if "wave" not in frame.columns:
                frame.insert(0, "wave", pd.Series([wave] * len(frame), dtype="str"))
            frame.insert(list(frame.columns).index("wave") + 1, "version",
                         pd.Series([snap.version] * len(frame), dtype="int64"))
            frames.append(frame)
    if not frames:
        raise LeiError(f"no published wave has a table {table!r}" if known_waves(s)
                       else f"nothing published yet in {pub.url}")
    return pd.concat(frames, ignore_index=True)


def list_snapshots(settings: Settings | None = None, wave: object | None = None,
                   warnings: list[str] | None = None) -> pd.DataFrame:
    """One row per published snapshot (wave, version, latest, created_at, row counts, checks, ...),
    read from the folders and their manifests: the catalog is only their index. Folders without
    a valid manifest are skipped (named in warnings). Empty (with the columns) when nothing
    was published yet."""
    s = _settings(settings)
    pub = storage_for(s)
    waves = [_wave_name(wave)] if wave is not None else scan.wave_names(pub)
    rows = []
    for w in waves:
        snapshots = scan.wave_snapshots(pub, w, warnings)
        top = scan.latest(snapshots)
        for snap in snapshots:
            row = catalog_row(snap)
            row["created_at"] = repository.as_utc(row["created_at"])
            row["latest"] = snap is top
            row["path"] = str(snap.folder)
            rows.append(row)
    if not rows:
        return pd.DataFrame(columns=LIST_COLUMNS)
    frame = pd.DataFrame(rows)
    frame["version"] = frame["version"].astype("int64")
    return frame[LIST_COLUMNS].reset_index(drop=True)
