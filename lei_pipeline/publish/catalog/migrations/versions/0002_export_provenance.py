"""snapshots: the export a snapshot was built from (file, sha256, format, rows read)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = [
    ("export_file", sa.String(255)),
    ("export_sha256", sa.String(64)),
    ("export_format", sa.String(32)),
    ("export_rows_read", sa.Integer),
]


def upgrade() -> None:
    # batch mode: SQLite cannot alter tables in place (env.py sets render_as_batch for it)
    with op.batch_alter_table("snapshots") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
