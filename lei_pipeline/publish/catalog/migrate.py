"""Create or upgrade the snapshot catalog with Alembic, programmatically."""
from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from lei_pipeline.errors import LeiError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_done: set[str] = set()
_guard = threading.Lock()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: a '%' in a password must be doubled
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_file(url: sa.URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def ensure_catalog(url: str) -> None:
    """Run `alembic upgrade head` on the catalog at url (once per process and url)."""
    with _guard:
        if url in _done:
            return
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError as e:
            raise LeiError(f"invalid catalog URL (LEI_CATALOG_URL): {e}") from None
        db_file = _sqlite_file(parsed)
        try:
            if db_file is not None and db_file.is_file() and not _writable(db_file.parent) and _at_head(url):
                pass  # a read-only data directory (a mounted copy): reading needs no migration
            elif db_file is not None:
                db_file.parent.mkdir(parents=True, exist_ok=True)
                # SQLite has no advisory locks: two first publishes serialise on a file lock.
                with open(db_file.with_name(f".{db_file.name}.migrate.lock"), "a+") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    command.upgrade(alembic_config(url), "head")
            else:
                command.upgrade(alembic_config(url), "head")
        except sa.exc.OperationalError as e:
            raise LeiError(f"cannot open the snapshot catalog {parsed.render_as_string(hide_password=True)}: "
                           f"{str(e.orig).strip().splitlines()[0] if e.orig else e}") from None
        _done.add(url)


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK) and not os.statvfs(folder).f_flag & os.ST_RDONLY


def _at_head(url: str) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with eng.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads()) == heads
    finally:
        eng.dispose()


def forget(url: str | None = None) -> None:
    """Tests drop databases: let ensure_catalog run again for them."""
    with _guard:
        if url is None:
            _done.clear()
        else:
            _done.discard(url)
