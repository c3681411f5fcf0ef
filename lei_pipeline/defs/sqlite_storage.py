"""Dagster's SQLite storage, same files and tables, with its database engines kept open.

Why: the stock SQLite storages build a new SQLAlchemy engine, open a new connection and throw both
away for every statement. A `lei run` of the three sample waves makes about 1,300 such connections
to the event log alone (each step, output, input and asset check is an event), which cost 8.3 s of
its 42 s; kept open they cost 2.5 s. Nothing else changes: the same run-sharded files under
$DAGSTER_HOME, the same schema and migrations, so the UI and daemon (Dagster's own class, from
dagster.yaml) read what the CLI wrote and the other way round. defs/instance.py swaps it in for the
CLI's instance when the home uses the default SQLite storage.

The run-sharded event log keeps its index engine and at most KEEP_RUN_SHARDS per-run engines (a
process that reads many runs holds no more), and closes them before Dagster deletes shard files.

A new shard (a run's, or a new home's index) gets Dagster's tables, WAL journal and alembic stamp
as the stock class gives it, with the head revision looked up once per process: the stock class
reads Dagster's 90 migration scripts twice for every new shard and SQLAlchemy compiles its DDL
(0.13 s a run; 0.03 s this way), and reads them again to find an existing shard stamped.

Dagster asks the index, for every event, whether tables, asset-key columns and secondary-index
migrations exist (a query or an inspection each). Once there they stay until a wipe or upgrade,
so a yes is kept (as Dagster's PostgreSQL storage keeps its secondary-index answers). Each step
also asks whether its wave's partition exists, 327 times in a `lei run` of three waves: a yes is
kept for this storage's life (one CLI command) unless this process deletes that partition (a wave
deleted elsewhere while `lei run` runs it is then still seen by that run's later steps, as by the
steps that asked before the deletion). The partition look-ups alone took 0.17 s a run (0.5 ms
each, timed directly); all 941 look-ups 1.1 s -> 0.03 s under cProfile, which inflates many small
calls: `lei run` itself showed no difference beyond its noise."""
from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import get_alembic_config
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)

KEEP_RUN_SHARDS = 8


def _engine(conn_string: str) -> sa.Engine:
    # SQLAlchemy's default pool for a file database: connections are reused, one per thread at a time.
    engine = sa.create_engine(conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    sa.event.listen(engine, "connect", _sync_at_checkpoints)
    return engine


def _sync_at_checkpoints(dbapi_conn, _record) -> None:
    """A database in WAL mode (Dagster's event-log shards) syncs its log to disk at checkpoints
    rather than at every commit (SQLite's synchronous=NORMAL; the default FULL syncs every event:
    1.5 ms each on these machines, a few hundred a wave). A commit is then atomic and the file
    consistent after any crash; only the last events before a power loss may be missing from the
    run's history, which is not what a snapshot's integrity rests on (its files and manifest).
    A database in another journal mode keeps SQLite's default."""
    cursor = dbapi_conn.cursor()
    try:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


@functools.cache
def _event_log_head() -> str:
    """The revision the stock class stamps a new run shard with ("head" of its alembic scripts)."""
    script = ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__))
    return str(script.as_revision_number("head"))


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._index: sa.Engine | None = None
        self._present: set[tuple[str, str]] = set()   # (table|column|index|partition, name) seen present
        super().__init__(base_dir, inst_data)   # may already write to the index (a new home)

    @property
    def _index_engine(self) -> sa.Engine:
        if self._index is None:
            self._index = _engine(self.conn_string_for_shard(INDEX_SHARD_NAME))
        return self._index

    def _shard_engine(self, shard: str) -> sa.Engine:
        if shard == INDEX_SHARD_NAME:
            return self._index_engine
        engine = self._engines.pop(shard, None) or _engine(self.conn_string_for_shard(shard))
        self._engines[shard] = engine
        while len(self._engines) > KEEP_RUN_SHARDS:
            _, old = self._engines.popitem(last=False)
            old.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        # Same locking and first-use schema creation as the stock class; only the engine outlives the call.
        with self._db_lock:
            engine = self._shard_engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _initdb(self, engine: sa.Engine, for_index_shard=False) -> None:
        # the index shard too: the same tables, and on a new home the stock class stamps it "head" as well
        state = _shard_state(engine)
        if state == "stamped":   # the stock class does nothing either, after reading the scripts
            return
        if state != "new":
            return super()._initdb(engine, for_index_shard)
        try:
            # what the stock class does for a database without tables (stamping "head"), in one transaction
            with engine.connect() as conn:   # WAL first: the tables are then written in one WAL commit
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                _sync_at_checkpoints(conn.connection.dbapi_connection, None)   # now in WAL mode
            with engine.connect() as conn, conn.begin():
                _create_shard(conn)
        except sa.exc.DatabaseError:   # another process created it meanwhile: the stock class settles that
            super()._initdb(engine, for_index_shard)

    def _kept_yes(self, kind: str, name: str, ask: Callable[[], bool]) -> bool:
        """ask()'s answer, asked only until it is yes."""
        if (kind, name) not in self._present and ask():
            self._present.add((kind, name))
        return (kind, name) in self._present

    def has_table(self, table_name: str) -> bool:
        return self._kept_yes("table", table_name, functools.partial(self._index_has_table, table_name))

    def _index_has_table(self, table_name: str) -> bool:
        # Called while an index connection is open (Dagster holds _db_lock then): no lock, a pooled connection.
        with self._index_engine.connect() as conn:
            return bool(conn.dialect.has_table(conn, table_name))

    def has_asset_key_col(self, column_name: str) -> bool:
        return self._kept_yes("column", column_name, functools.partial(super().has_asset_key_col, column_name))

    def _has_asset_key_col_on_connection(self, conn, column_name: str) -> bool:
        return self._kept_yes("column", column_name,
                              functools.partial(super()._has_asset_key_col_on_connection, conn, column_name))

    def has_secondary_index(self, name: str) -> bool:
        return self._kept_yes("index", name, functools.partial(super().has_secondary_index, name))

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return self._kept_yes("partition", _partition(partitions_def_name, partition_key),
                              functools.partial(super().has_dynamic_partition, partitions_def_name, partition_key))

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._present.discard(("partition", _partition(partitions_def_name, partition_key)))
        super().delete_dynamic_partition(partitions_def_name, partition_key)

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
            if self._index is not None:
                self._index.dispose()   # its connections reopen on next use

    def wipe(self) -> None:
        self._close_engines()   # before the shard files are deleted under open connections
        self._present.clear()
        super().wipe()

    def upgrade(self) -> None:
        self._close_engines()
        self._present.clear()
        super().upgrade()

    def dispose(self) -> None:
        super().dispose()
        self._close_engines()


def _partition(partitions_def_name: str, partition_key: str) -> str:
    return f"{partitions_def_name}\x1f{partition_key}"


_SHARD_SCHEMA: list[str] = []   # the CREATE statements of the first shard made in this process


def _create_shard(conn: sa.Connection) -> None:
    """Dagster's event-log tables and alembic's version table, stamped at head. SQLAlchemy's
    create_all looks up every table first and compiles its DDL (0.05 s): the first shard is made
    that way, the next ones from the statements SQLite recorded for it."""
    if _SHARD_SCHEMA:
        for statement in _SHARD_SCHEMA:
            conn.exec_driver_sql(statement)
    else:
        SqlEventLogStorageMetadata.create_all(conn)
        MigrationContext.configure(conn)._version.create(conn)
        _SHARD_SCHEMA[:] = [sql for (sql,) in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (_event_log_head(),))


def _shard_state(engine: sa.Engine) -> str:
    """"new" (no tables yet), "stamped" (an alembic revision recorded) or "other"."""
    with engine.connect() as conn:
        names = {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return "new"
        if "alembic_version" in names and conn.exec_driver_sql("SELECT version_num FROM alembic_version").first():
            return "stamped"
    return "other"


class OpenSqliteRunStorage(SqliteRunStorage):
    # from_local (inherited) creates and migrates runs.db, then builds the storage through __init__.
    def __init__(self, conn_string: str, inst_data=None):
        super().__init__(conn_string, inst_data)
        self._engine = _engine(conn_string)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        self._engine.dispose()


class OpenSqliteStorage(DagsterSqliteStorage):
    """DagsterSqliteStorage's layout and configuration (base_dir: the home), its engines kept open."""

    def __init__(self, base_dir: str, inst_data=None):
        self.base_dir = base_dir
        self._run_storage = OpenSqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = OpenSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # the stock one builds DagsterSqliteStorage by name; from_local (inherited) builds cls
        return cls.from_local(inst_data=inst_data, **config_value)
