"""The catalog schema comes from Alembic migrations and matches the SQLAlchemy tables."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from lei_pipeline.publish.catalog.migrate import alembic_config, ensure_catalog, forget
from lei_pipeline.publish.catalog.tables import metadata


def test_migrations_create_the_declared_schema(catalog_url):
    ensure_catalog(catalog_url)
    eng = sa.create_engine(catalog_url, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config(catalog_url)).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head == "0003"
            insp = sa.inspect(conn)
            for table in metadata.sorted_tables:
                assert {c["name"] for c in insp.get_columns(table.name)} == {c.name for c in table.columns}
            uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("snapshots")}
            assert ("wave", "version") in uniques
            # unique(wave, version) is enforced by the database itself
            row = dict(wave="2024", version=1, path="wave=2024/version=1", created_at=sa.func.now(),
                       manifest_sha256="0" * 64, row_counts={}, checks_passed=0, checks_failed=0)
            conn.execute(sa.insert(metadata.tables["snapshots"]).values(**row))
            try:
                conn.execute(sa.insert(metadata.tables["snapshots"]).values(**row))
                raise AssertionError("duplicate (wave, version) accepted")
            except sa.exc.IntegrityError:
                conn.rollback()
    finally:
        eng.dispose()


def test_downgrade_and_upgrade_again(catalog_url):
    ensure_catalog(catalog_url)
    command.downgrade(alembic_config(catalog_url), "base")
    eng = sa.create_engine(catalog_url, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            assert not sa.inspect(conn).has_table("snapshots")
        forget(catalog_url)
        ensure_catalog(catalog_url)
        with eng.connect() as conn:
            assert sa.inspect(conn).has_table("snapshot_tables")
    finally:
        eng.dispose()
