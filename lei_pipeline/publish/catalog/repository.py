"""Reads and writes of catalog rows. Bound parameters only: wave names and paths never become SQL text."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from lei_pipeline.publish.catalog.tables import snapshot_tables, snapshots

_engines: dict[str, sa.Engine] = {}


def engine(url: str) -> sa.Engine:
    eng = _engines.get(url)
    if eng is None:
        kwargs = {"poolclass": sa.pool.NullPool}
        if url.startswith("sqlite"):
            # a concurrent writer holds the SQLite lock briefly; wait instead of failing at once
            kwargs["connect_args"] = {"timeout": 30}
        eng = _engines[url] = sa.create_engine(url, **kwargs)
    return eng


def record_snapshot(url: str, row: dict, tables: dict[str, dict]) -> None:
    with engine(url).begin() as conn:
        conn.execute(sa.insert(snapshots).values(**row))
        if tables:
            conn.execute(sa.insert(snapshot_tables), [
                {"wave": row["wave"], "version": row["version"], "table_name": name,
                 "sha256": entry["sha256"], "rows": entry["rows"]}
                for name, entry in sorted(tables.items())
            ])


def delete_snapshot(url: str, wave: str, version: int) -> None:
    with engine(url).begin() as conn:
        conn.execute(sa.delete(snapshot_tables).where(snapshot_tables.c.wave == wave,
                                                      snapshot_tables.c.version == version))
        conn.execute(sa.delete(snapshots).where(snapshots.c.wave == wave, snapshots.c.version == version))


def manifest_hashes(url: str, wave: str | None = None) -> dict[tuple[str, int], str]:
    """(wave, version) -> manifest_sha256 of every catalog row (of one wave when given)."""
    query = sa.select(snapshots.c.wave, snapshots.c.version, snapshots.c.manifest_sha256)
    if wave is not None:
        query = query.where(snapshots.c.wave == wave)
    with engine(url).connect() as conn:
        return {(str(w), int(v)): str(h) for w, v, h in conn.execute(query)}


def versions(url: str, wave: str) -> list[int]:
    with engine(url).connect() as conn:
        rows = conn.execute(sa.select(snapshots.c.version).where(snapshots.c.wave == wave))
        return sorted(int(r[0]) for r in rows)


def snapshot_rows(url: str, wave: str | None = None) -> pd.DataFrame:
    query = sa.select(snapshots).order_by(snapshots.c.wave, snapshots.c.version)
    if wave is not None:
        query = query.where(snapshots.c.wave == wave)
    with engine(url).connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return frame


def as_utc(ts: datetime) -> datetime:
    """SQLite returns naive datetimes; they were written as UTC."""
    from datetime import timezone
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
