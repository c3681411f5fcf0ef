"""snapshot catalog: snapshots and snapshot_tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("wave", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
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
        sa.UniqueConstraint("wave", "version", name="uq_snapshots_wave_version"),
    )
    op.create_table(
        "snapshot_tables",
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


def downgrade() -> None:
    op.drop_table("snapshot_tables")
    op.drop_table("snapshots")
