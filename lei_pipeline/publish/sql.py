"""DuckDB over the published snapshots: a view per table over the latest version of every wave
(`scores`, `indicators`, ...) and `<table>_all_versions` over every version, each with `wave` and
`version` columns. Only valid snapshots are read, each file verified against its manifest first:
a stray folder or a modified file never reaches a query."""
from __future__ import annotations

from collections import defaultdict

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import scan
from lei_pipeline.publish.integrity import verified_table
from lei_pipeline.publish.names import TABLE_PATTERN
from lei_pipeline.settings import Settings


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select(snap: scan.Snapshot, table: str) -> str:
    path = verified_table(snap.folder, snap.manifest, table)
    columns = {c["name"] for c in snap.manifest["tables"][table].get("schema", [])}
    wave = "" if "wave" in columns else f"{_literal(snap.wave)} AS wave, "
    return f"SELECT {wave}*, {int(snap.version)} AS version FROM read_parquet({_literal(str(path))}, hive_partitioning = false)"


def view_statements(settings: Settings) -> dict[str, str]:
    """View name -> CREATE VIEW statement."""
    latest: dict[str, list[str]] = defaultdict(list)
    every: dict[str, list[str]] = defaultdict(list)
    pub = settings.published_dir
    for wave in scan.wave_names(pub):
        snapshots = scan.wave_snapshots(pub, wave)
        top = scan.latest(snapshots)
        for snap in snapshots:
            for table in sorted(snap.manifest["tables"]):
                if not TABLE_PATTERN.fullmatch(table):
                    continue  # becomes a SQL identifier: only plain names
                select = _select(snap, table)
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


def connect(settings: Settings):
    """An in-memory DuckDB connection with the views (LeiError when nothing is published)."""
    import duckdb

    views = view_statements(settings)
    if not views:
        raise LeiError(f"nothing published yet in {settings.published_dir}")
    con = duckdb.connect(":memory:")
    for statement in views.values():
        con.execute(statement)
    return con


def query(settings: Settings, sql: str):
    """The result of sql over the views as a pandas DataFrame (LeiError with DuckDB's message)."""
    import duckdb

    con = connect(settings)
    try:
        return con.execute(sql).df()
    except duckdb.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LeiError(f"query failed: {first}") from None
    finally:
        con.close()
