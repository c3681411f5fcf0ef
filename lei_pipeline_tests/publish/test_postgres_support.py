"""The PostgreSQL test helper (skip locally, fail under CI, when no server can be had: the rule is
tested in lei_pipeline_tests/test_real_components.py)."""
from __future__ import annotations

import pytest

from lei_pipeline_tests.support import postgres


def test_not_root_without_binaries_is_unavailable(monkeypatch):
    monkeypatch.setattr(postgres, "pg_bin_dir", lambda: None)
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)
    with pytest.raises(postgres.PostgresUnavailable, match="not root"):
        postgres.ensure_installed()


@pytest.mark.postgres
def test_temporary_databases_are_separate_and_dropped(pg_url):
    import sqlalchemy as sa

    with postgres.temporary_database(pg_url) as a, postgres.temporary_database(pg_url) as b:
        assert a != b
        name = sa.make_url(a).database
    eng = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        assert left == 0
    finally:
        eng.dispose()
