"""Shared fixtures: a PostgreSQL server per test session (per xdist worker) and a catalog URL
parametrised over SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from lei_pipeline_tests.support.postgres import PostgresUnavailable, server_url, temporary_database, unavailable


@pytest.fixture(scope="session")
def pg_url():
    """SQLAlchemy URL of a running PostgreSQL server (its `postgres` database)."""
    try:
        ctx = server_url()
        url = ctx.__enter__()
    except PostgresUnavailable as e:
        unavailable(str(e))
    try:
        yield url
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request, tmp_path):
    """An empty catalog: a SQLite file in tmp_path, or a fresh database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite'}"
        return
    with temporary_database(request.getfixturevalue("pg_url")) as url:
        yield url

# CI runs the property tests derandomised: the same examples every run, so a landing is never
# decided by a lucky draw. Locally they explore new examples each run.
import os as _os

from hypothesis import settings as _hsettings

_hsettings.register_profile("ci", derandomize=True, database=None)
if _os.environ.get("CI") == "true":
    _hsettings.load_profile("ci")
