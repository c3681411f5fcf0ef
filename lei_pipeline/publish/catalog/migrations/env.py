"""Alembic environment for the snapshot catalog. Run programmatically by
lei_pipeline.publish.catalog.migrate.ensure_catalog (no alembic.ini needed)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from lei_pipeline.publish.catalog.tables import metadata

# Any fixed number: PostgreSQL sessions migrating the catalog at once queue on this lock, so
# two first publishes cannot both try to create the tables.
PG_MIGRATION_LOCK = 7_305_114_151


def run_migrations_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
            connection.commit()


if context.is_offline_mode():
    raise RuntimeError("the snapshot catalog is migrated online only (ensure_catalog)")
run_migrations_online()
