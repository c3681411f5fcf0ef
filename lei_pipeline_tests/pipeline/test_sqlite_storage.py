"""The CLI instance's SQLite storage with open engines (defs/sqlite_storage.py) against Dagster's own:
same files, so a home written by one is read by the other; asset events (which look up a table
while an index connection is open) do not deadlock; run-shard engines stay bounded; a wipe leaves
no engine writing into a deleted file."""
from __future__ import annotations

import threading

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from lei_pipeline.defs import sqlite_storage
from lei_pipeline.defs.instance import DAGSTER_YAML, get_instance, with_open_sqlite


@dg.asset
def tally() -> int:
    return 3


@dg.asset_check(asset=tally)
def tally_is_positive(tally: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=tally > 0)


def _instance(home, kind) -> dg.DagsterInstance:
    """kind "stock": what the webserver and daemon open; "open": what the CLI opens."""
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    ref = InstanceRef.from_dir(str(home))
    return dg.DagsterInstance.from_ref(with_open_sqlite(ref) if kind == "open" else ref)


def _materialise(instance) -> str:
    # In a thread with a deadline: a lock taken twice would hang here, not the whole suite.
    out = {}
    t = threading.Thread(target=lambda: out.update(r=dg.materialize([tally, tally_is_positive], instance=instance)), daemon=True)
    t.start()
    t.join(timeout=120)
    assert not t.is_alive(), "materialising one asset with a check did not finish in 120 s (a lock taken twice?)"
    assert out["r"].success
    return out["r"].run_id


def _materialisations(instance) -> int:
    return len(instance.fetch_materializations(dg.AssetKey("tally"), limit=100).records)


def test_the_cli_instance_uses_the_open_storage_and_the_yaml_stays_dagsters(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = get_instance()
    assert isinstance(instance.event_log_storage, sqlite_storage.OpenSqliteEventLogStorage)
    assert isinstance(instance.run_storage, sqlite_storage.OpenSqliteRunStorage)
    assert "storage" not in (tmp_path / "dagster.yaml").read_text()
    instance.dispose()
    stock = dg.DagsterInstance.from_config(str(tmp_path))
    assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
    stock.dispose()


def test_a_configured_storage_is_left_as_it_is(tmp_path):
    (tmp_path / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: postgresql://u:p@localhost:5432/db\n")
    ref = InstanceRef.from_dir(str(tmp_path))
    assert with_open_sqlite(ref) == ref
    assert ref.storage_data.class_name == "DagsterPostgresStorage"


def test_a_home_reads_the_same_with_either_storage(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    stock = _instance(home, "stock")
    before = _materialise(stock)                       # history written by Dagster's own storage
    stock.dispose()

    opened = _instance(home, "open")
    assert opened.get_run_by_id(before) is not None   # ... is read by the open one
    after = _materialise(opened)
    assert _materialisations(opened) == 2
    check = opened.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("tally"), "tally_is_positive")])
    assert next(iter(check.values())).run_id == after
    opened.dispose()

    again = _instance(home, "stock")   # and what the open one wrote, by Dagster's
    assert {r.run_id for r in again.get_runs()} == {before, after}
    assert _materialisations(again) == 2
    assert len(again.all_logs(after)) == len(opened.all_logs(after)) > 5
    again.dispose()


def test_run_shard_engines_stay_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_storage, "KEEP_RUN_SHARDS", 2)
    instance = _instance(tmp_path, "open")
    runs = [_materialise(instance) for _ in range(4)]
    storage = instance.event_log_storage
    assert len(storage._engines) == 2
    assert list(storage._engines) == runs[-2:]          # the most recently used
    assert all(len(instance.all_logs(r)) > 5 for r in runs)   # evicted shards reopen
    instance.dispose()


def test_a_wipe_closes_engines_before_deleting_their_files(tmp_path):
    instance = _instance(tmp_path, "open")
    run = _materialise(instance)
    shard = tmp_path / "history" / "runs" / f"{run}.db"
    assert shard.exists()
    instance.event_log_storage.wipe()
    assert not shard.exists() and not instance.event_log_storage._engines
    assert instance.all_logs(run) == []
    again = _materialise(instance)                      # written to a new file, readable again
    assert (tmp_path / "history" / "runs" / f"{again}.db").exists()
    assert len(instance.all_logs(again)) > 5
    assert _materialisations(instance) == 1
    instance.dispose()


def test_both_storages_record_the_same_events(tmp_path):
    kinds = {}
    for name in ("stock", "open"):
        (tmp_path / name).mkdir()
        instance = _instance(tmp_path / name, name)
        run = _materialise(instance)
        kinds[name] = sorted(e.dagster_event.event_type_value for e in instance.all_logs(run) if e.dagster_event)
        instance.dispose()
    assert kinds["open"] == kinds["stock"]
    assert kinds["open"].count("ASSET_MATERIALIZATION") == 1 and kinds["open"].count("ASSET_CHECK_EVALUATION") == 1


def _shard_layout(path) -> dict:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return {"schema": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
                                 key=repr),
                "stamp": conn.execute("SELECT version_num FROM alembic_version").fetchall(),
                "journal": conn.execute("PRAGMA journal_mode").fetchone()}


def test_a_new_run_shard_is_made_as_dagster_makes_it(tmp_path):
    # the open storage creates new shards itself (defs/sqlite_storage.py: _create_shard), the
    # first (a new home's index) from SQLAlchemy's DDL and the next from the statements SQLite recorded
    sqlite_storage._SHARD_SCHEMA.clear()
    layouts = {}
    for name in ("stock", "open"):
        (tmp_path / name).mkdir()
        instance = _instance(tmp_path / name, name)
        runs = [_materialise(instance) for _ in range(2)]
        layouts[name] = [_shard_layout(tmp_path / name / "history" / "runs" / f"{r}.db") for r in runs]
        layouts[name].append(_shard_layout(tmp_path / name / "history" / "runs" / "index.db"))
        instance.dispose()
    assert sqlite_storage._SHARD_SCHEMA, "the open storage did not make the shards itself"
    stock = layouts["stock"][0]
    assert stock["journal"] == ("wal",) and len(stock["stamp"]) == 1 and len(stock["schema"]) > 10
    assert layouts["stock"][1] == stock
    assert layouts["open"] == layouts["stock"]     # the new home's index shard too


def test_a_shard_made_elsewhere_is_left_to_dagster(tmp_path):
    # a shard with tables but no stamp (another process half-way, an old version) goes through
    # the stock class, which stamps it; a stamped one is not touched
    import sqlite3

    import sqlalchemy as sa

    storage = sqlite_storage.OpenSqliteEventLogStorage(str(tmp_path / "events"))
    half = tmp_path / "half.db"
    with sqlite3.connect(half) as conn:
        conn.execute("CREATE TABLE event_logs (id INTEGER PRIMARY KEY)")
    engine = sa.create_engine(f"sqlite:///{half}")
    assert sqlite_storage._shard_state(engine) == "other"
    storage._initdb(engine)
    assert sqlite_storage._shard_state(engine) == "stamped"
    assert _shard_layout(half)["stamp"] == [(sqlite_storage._event_log_head(),)]
    before = half.read_bytes()
    storage._initdb(engine)
    assert half.read_bytes() == before
    engine.dispose()


def test_schema_answers_are_kept_once_yes_and_asked_again_while_no(tmp_path):
    import sqlite3

    instance = _instance(tmp_path, "open")
    _materialise(instance)
    storage = instance.event_log_storage
    kept = set(storage._present)
    assert {("table", "asset_check_executions"), ("table", "asset_event_tags")} <= kept
    assert any(kind == "index" for kind, _ in kept) and any(kind == "column" for kind, _ in kept)
    # a no is asked again: the table made meanwhile (by a migration, another process) is found
    assert not storage.has_table("lei_later")
    with sqlite3.connect(tmp_path / "history" / "runs" / "index.db") as conn:
        conn.execute("CREATE TABLE lei_later (id INTEGER)")
    assert storage.has_table("lei_later") and ("table", "lei_later") in storage._present
    # a yes is not asked again (answered without a connection), until a wipe
    engine = storage._index
    storage._index = None
    try:
        storage._index_engine.dispose()
        with sqlite3.connect(tmp_path / "history" / "runs" / "index.db") as conn:
            conn.execute("DROP TABLE lei_later")
        assert storage.has_table("lei_later")
    finally:
        storage._index = engine
    storage.wipe()
    assert ("table", "lei_later") not in storage._present and not storage.has_table("lei_later")
    assert len(instance.all_logs(_materialise(instance))) > 5   # and events are written as before
    instance.dispose()


def test_a_partition_seen_is_kept_until_this_process_deletes_it(tmp_path):
    instance = _instance(tmp_path, "open")
    storage = instance.event_log_storage
    assert not instance.has_dynamic_partition("waves", "2024")        # a no is asked again:
    instance.add_dynamic_partitions("waves", ["2024"])
    assert instance.has_dynamic_partition("waves", "2024")            # ... and found once added
    assert ("partition", "waves\x1f2024") in storage._present
    instance.delete_dynamic_partition("waves", "2024")                 # deleted here: forgotten
    assert not instance.has_dynamic_partition("waves", "2024")
    assert not instance.has_dynamic_partition("other", "2024")
    instance.dispose()


def _synchronous(engine) -> tuple[str, int]:
    with engine.connect() as conn:
        return (str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower(),
                int(conn.exec_driver_sql("PRAGMA synchronous").scalar()))


def test_databases_in_wal_mode_sync_at_checkpoints_only(tmp_path):
    import sqlalchemy as sa

    instance = _instance(tmp_path, "open")
    run_id = _materialise(instance)                  # a new run shard, made in this process
    storage = instance.event_log_storage
    NORMAL, FULL = 1, 2                              # SQLite's PRAGMA synchronous values
    assert _synchronous(storage._shard_engine(run_id)) == ("wal", NORMAL)
    assert _synchronous(storage._index_engine) == ("wal", NORMAL)
    assert _synchronous(instance.run_storage._engine) == ("wal", NORMAL)
    instance.dispose()
    # a database in another journal mode keeps SQLite's default
    other = tmp_path / "rollback.db"
    sa.create_engine(f"sqlite:///{other}").dispose()
    assert _synchronous(sqlite_storage._engine(f"sqlite:///{other}")) == ("delete", FULL)
