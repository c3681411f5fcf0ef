"""Alembic migrations of the snapshot catalog (a package so they ship in the wheel)."""
