"""DuckDB over the published snapshots: a view per table over the latest version of every wave
(`scores`, `indicators`, ...) and `<table>_all_versions` over every version, each with `wave` and
`version` columns. Only valid snapshots are read, each file verified against its manifest first:
a stray folder or a modified file never reaches a query. Tables are read through the storage's
pyarrow filesystem (a local folder or a bucket) and handed to DuckDB as Arrow data, so no DuckDB
extension is needed for a bucket."""
from __future__ import annotations

from collections import defaultdict

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import scan
from lei_pipeline.publish.integrity import read_verified
from lei_pipeline.publish.names import TABLE_PATTERN
from lei_pipeline.publish.storage import storage_for
from lei_pipeline.settings import Settings


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select(snap: scan.Snapshot, table: str, sources: dict) -> str:
    """A SELECT over the verified table, registered under a generated name in sources."""
    name = f"_lei_{table}_{len(sources)}"
    sources[name] = read_verified(snap, table)
    columns = {c["name"] for c in snap.manifest["tables"][table].get("schema", [])}
    wave = "" if "wave" in columns else f"{_literal(snap.wave)} AS wave, "
    return f"SELECT {wave}*, {int(snap.version)} AS version FROM {name}"


def view_statements(settings: Settings, sources: dict | None = None) -> dict[str, str]:
    """View name -> CREATE VIEW statement; sources receives the Arrow tables the views read."""
    sources = {} if sources is None else sources
    latest: dict[str, list[str]] = defaultdict(list)
    every: dict[str, list[str]] = defaultdict(list)
    pub = storage_for(settings)
    for wave in scan.wave_names(pub):
        snapshots = scan.wave_snapshots(pub, wave)
        top = scan.latest(snapshots)
        for snap in snapshots:
            for table in sorted(snap.manifest["tables"]):
                if not TABLE_PATTERN.fullmatch(table):
                    continue  # becomes a SQL identifier: only plain names
                select = _select(snap, table, sources)
                every[table].append(select)
                if snap is top:
                    latest[table].append(select)
    views = {}
    for table, selects in latest.items():
        # BY NAME: waves asked different questions, so responses differ in columns
        views[table] = f"CREATE VIEW {table} AS " + " UNION ALL BY NAME ".join(selects)
    for table, selects in every.items():
        views[f"{table}_all_versions"] = f"CREATE VIEW {table}_all_versions AS " + " UNION ALL BY NAME ".join(selects)
    return views


def _duckdb():
    """DuckDB is an extra (`pip install 'lei-pipeline[analysis]'`): the pipeline does not need it."""
    try:
        import duckdb
    except ImportError:
        raise LeiError("lei sql needs DuckDB: pip install 'lei-pipeline[analysis]' (or make venv)") from None
    return duckdb


def connect(settings: Settings):
    """An in-memory DuckDB connection with the views (LeiError when nothing is published)."""
    duckdb = _duckdb()

    sources: dict = {}
    views = view_statements(settings, sources)
    if not views:
        raise LeiError(f"nothing published yet in {storage_for(settings).url}")
    con = duckdb.connect(":memory:")
    for name, data in sources.items():
        con.register(name, data)
    for statement in views.values():
        con.execute(statement)
    return con


def query(settings: Settings, sql: str):
    """The result of sql over the views as a pandas DataFrame (LeiError with DuckDB's message)."""
    duckdb = _duckdb()

    con = connect(settings)
    try:
        return con.execute(sql).df()
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LeiError(f"query failed: {first}") from None
    finally:
        con.close()
