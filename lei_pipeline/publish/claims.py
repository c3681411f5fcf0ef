"""Claiming a version number in the catalog, so publishers on different hosts (which share no
file lock) never publish one number twice and two publishers of identical tables end with one
new version.

Every publisher of a wave first updates that wave's sentinel row (version 0) in version_claims
and keeps the transaction open until its version is visible and LATEST has moved: PostgreSQL
holds the row lock, SQLite its write lock, until commit, so the publishers of a wave take turns.
A publisher that dies loses its connection and the database rolls its claim back; the objects
it left are orphans for `lei snapshots gc`. Inside the claim the publisher re-reads what is
published, then inserts (wave, version): the unique key refuses a number taken before."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import sqlalchemy as sa

from lei_pipeline.publish.catalog import repository
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.catalog.tables import version_claims

SENTINEL = 0


class WaveClaim:
    def __init__(self, conn: sa.Connection, wave: str):
        self._conn = conn
        self.wave = wave

    def claimed_versions(self) -> set[int]:
        """Numbers claimed earlier (committed), published or not: never reused."""
        rows = self._conn.execute(sa.select(version_claims.c.version).where(
            version_claims.c.wave == self.wave, version_claims.c.version > SENTINEL))
        return {int(r[0]) for r in rows}

    def take(self, version: int) -> None:
        self._conn.execute(sa.insert(version_claims).values(wave=self.wave, version=version,
                                                            claimed_at=datetime.now(timezone.utc)))


@contextmanager
def wave_claim(catalog_url: str, wave: str) -> Iterator[WaveClaim]:
    """Hold the wave's claim for the block (waits for another holder); commits on success,
    rolls back (freeing any number taken) on an exception."""
    ensure_catalog(catalog_url)
    eng = repository.engine(catalog_url)
    now = datetime.now(timezone.utc)
    try:
        with eng.begin() as conn:
            conn.execute(sa.insert(version_claims).values(wave=wave, version=SENTINEL, claimed_at=now))
    except sa.exc.IntegrityError:
        pass  # the wave's sentinel exists already
    with eng.connect() as conn:
        tx = conn.begin()
        try:
            conn.execute(sa.update(version_claims).where(version_claims.c.wave == wave,
                                                         version_claims.c.version == SENTINEL)
                         .values(claimed_at=now))
            yield WaveClaim(conn, wave)
        except BaseException:
            tx.rollback()
            raise
        tx.commit()
