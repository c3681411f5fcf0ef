"""`lei sql [QUERY]`: DuckDB over the latest version of every wave."""
from __future__ import annotations

import typer

EPILOG = ("Views: one per table (responses, indicators, scores, change) over the latest version of every "
          "wave, and <table>_all_versions over every version; each has wave and version columns.")


def _sql(
    query: str = typer.Argument(None, help="SQL to run (default: list the views and their row counts)."),
    csv: bool = typer.Option(False, "--csv", help="Print the result as CSV instead of a table."),
    limit: int = typer.Option(50, "--limit", help="Rows printed as a table (CSV prints every row)."),
) -> None:
    """Query the published snapshots with DuckDB.

    Example: lei sql "SELECT wave, count(*) AS units, round(avg(lei), 1) AS mean_lei FROM scores GROUP BY wave ORDER BY wave"
    """
    import sys

    from lei_pipeline.publish.sql import query as run_query, view_statements
    from lei_pipeline.settings import Settings

    settings = Settings.from_env()
    if not query:
        views = sorted(view_statements(settings))
        if not views:
            typer.echo("nothing published yet")
            return
        counts = " UNION ALL ".join(f"SELECT '{v}' AS view, count(*) AS rows FROM {v}" for v in views)
        query = counts + " ORDER BY view"
    frame = run_query(settings, query)
    if csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    shown = frame.head(limit) if limit > 0 else frame
    typer.echo(shown.to_string(index=False) if len(shown.columns) else "(no columns)")
    if len(frame) > len(shown):
        typer.echo(f"... {len(frame) - len(shown)} more rows ({len(frame)} in all; --limit 0 or --csv for all)")


def register(app: typer.Typer) -> None:
    app.command("sql", epilog=EPILOG)(_sql)
