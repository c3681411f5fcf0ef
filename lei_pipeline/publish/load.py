"""Reading published snapshots: for analysts (load), the CLI and the pipeline (previous wave).
Readers go by the folders and the LATEST pointer; the catalog is the index for listings."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import layout
from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.manifest import read_manifest
from lei_pipeline.publish.names import LATEST, validate_table_name, validate_version, validate_wave_name
from lei_pipeline.settings import Settings

LIST_COLUMNS = ["wave", "version", "latest", "created_at", "row_counts", "checks_passed", "checks_failed",
                "methodology_version", "methodology_sha256", "questionnaire_version", "code_version", "run_id",
                "manifest_sha256", "notice", "path"]


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else Settings.from_env()


def known_waves(settings: Settings | None = None) -> list[str]:
    return layout.published_waves(_settings(settings).published_dir)


def resolve_snapshot(settings: Settings | None, wave: str, version: int | str = LATEST) -> tuple[int, Path]:
    """(version number, folder) of a published snapshot; LeiError naming what exists otherwise."""
    s = _settings(settings)
    validate_wave_name(wave)
    wanted = validate_version(version)
    pub = s.published_dir
    versions = layout.complete_versions(pub, wave)
    if not versions:
        waves = layout.published_waves(pub)
        known = f"known waves: {', '.join(waves)}" if waves else f"nothing published yet in {pub}"
        raise LeiError(f"unknown wave {wave!r}: {known}")
    number = layout.read_latest(pub, wave) if wanted == LATEST else wanted
    if number not in versions:
        raise LeiError(f"wave {wave} has no version {number}: versions {', '.join(map(str, versions))}")
    return number, layout.version_dir(pub, wave, number)


def snapshot_manifest(wave: str, version: int | str = LATEST, settings: Settings | None = None) -> dict:
    return read_manifest(resolve_snapshot(settings, wave, version)[1])


def table_path(table: str, wave: str, version: int | str = LATEST, settings: Settings | None = None) -> Path:
    validate_table_name(table)
    number, folder = resolve_snapshot(settings, wave, version)
    manifest = read_manifest(folder)
    if table not in manifest["tables"]:
        raise LeiError(f"wave {wave} version {number} has no table {table!r}: tables "
                       f"{', '.join(sorted(manifest['tables']))}")
    return folder / manifest["tables"][table]["file"]


def load(table: str, wave: str, version: int | str = LATEST, settings: Settings | None = None) -> pd.DataFrame:
    """A published table as a DataFrame. Example: load("scores", wave="2024") or version=2 to pin one."""
    return pq.read_table(table_path(table, wave, version, settings)).to_pandas()


def list_snapshots(settings: Settings | None = None, wave: str | None = None) -> pd.DataFrame:
    """One row per catalogued snapshot (wave, version, latest, created_at, row counts, checks, ...).
    Empty (with the columns) when nothing was published yet."""
    s = _settings(settings)
    if wave is not None:
        validate_wave_name(wave)
    if s.catalog_url.startswith("sqlite") and not _sqlite_exists(s.catalog_url):
        return pd.DataFrame(columns=LIST_COLUMNS)
    ensure_catalog(s.catalog_url)
    rows = repository.snapshot_rows(s.catalog_url, wave)
    if rows.empty:
        return pd.DataFrame(columns=LIST_COLUMNS)
    rows["created_at"] = [repository.as_utc(t) for t in rows["created_at"]]
    rows["latest"] = [layout.read_latest(s.published_dir, w) == v for w, v in zip(rows["wave"], rows["version"])]
    rows["path"] = [str(s.published_dir / p) for p in rows["path"]]
    rows["version"] = rows["version"].astype("int64")
    return rows[LIST_COLUMNS].reset_index(drop=True)


def _sqlite_exists(url: str) -> bool:
    import sqlalchemy as sa

    db = sa.make_url(url).database
    return not db or db == ":memory:" or Path(db).is_file()
