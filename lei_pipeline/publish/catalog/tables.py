"""The snapshot catalog's tables (SQLAlchemy Core). Alembic migrations create them; keep the
two in step (a test compares the migrated schema with this metadata)."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("wave", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("path", sa.String(255), nullable=False),  # relative to published_dir: wave=W/version=N
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("manifest_sha256", sa.String(64), nullable=False),
    sa.Column("methodology_version", sa.String(64)),
    sa.Column("methodology_sha256", sa.String(64)),
    sa.Column("questionnaire_version", sa.String(64)),
    sa.Column("code_version", sa.String(128)),
    sa.Column("run_id", sa.String(128)),
    sa.Column("row_counts", sa.JSON, nullable=False),
    sa.Column("checks_passed", sa.Integer, nullable=False),
    sa.Column("checks_failed", sa.Integer, nullable=False),
    sa.Column("notice", sa.Text),
    # the export the snapshot was built from (migration 0002): name within data/raw/<wave>/
    sa.Column("export_file", sa.String(255)),
    sa.Column("export_sha256", sa.String(64)),
    sa.Column("export_format", sa.String(32)),
    sa.Column("export_rows_read", sa.Integer),
    sa.UniqueConstraint("wave", "version", name="uq_snapshots_wave_version"),
)

snapshot_tables = sa.Table(
    "snapshot_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("wave", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("table_name", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["wave", "version"], ["snapshots.wave", "snapshots.version"],
                            name="fk_snapshot_tables_snapshot", ondelete="CASCADE"),
    sa.UniqueConstraint("wave", "version", "table_name", name="uq_snapshot_tables_wave_version_table"),
)

# A publisher inserts (wave, version) here, in a transaction it keeps open until the version is
# visible (migration 0003): a second publisher of the same number waits on the unique key and
# then fails, so two hosts never publish one number twice. Rows are never deleted.
version_claims = sa.Table(
    "version_claims",
    metadata,
    sa.Column("wave", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("wave", "version", name="pk_version_claims"),
)
