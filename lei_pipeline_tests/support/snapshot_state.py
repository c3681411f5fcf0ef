"""Fingerprints of everything a reader can see: visible files under published_dir (with their
hashes) and every catalog row. Equal fingerprints before/after = nothing visible changed."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from lei_pipeline.publish.catalog.tables import snapshot_tables, snapshots
from lei_pipeline.settings import Settings


def visible_files(settings: Settings) -> dict[str, str]:
    out = {}
    pub = settings.published_dir
    if not pub.exists():
        return out
    for p in sorted(pub.rglob("*")):
        rel = p.relative_to(pub)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def catalog_rows(settings: Settings) -> list[tuple]:
    eng = sa.create_engine(settings.catalog_url, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            insp = sa.inspect(conn)
            if not insp.has_table("snapshots"):
                return []
            a = conn.execute(sa.select(snapshots).order_by(snapshots.c.wave, snapshots.c.version)).fetchall()
            b = conn.execute(sa.select(snapshot_tables).order_by(snapshot_tables.c.id)).fetchall()
            return [tuple(map(str, r)) for r in a] + [tuple(map(str, r)) for r in b]
    finally:
        eng.dispose()


def fingerprint(settings: Settings) -> tuple[dict, list]:
    return visible_files(settings), catalog_rows(settings)


def staging_entries(settings: Settings) -> list[str]:
    pub = settings.published_dir
    return sorted(p.name for p in pub.iterdir() if p.name.startswith(".staging-")) if pub.exists() else []
