"""`lei report --wave W [--version V] [--out DIR] [--open]`: rebuild a snapshot's report,
workbook and datapackage and say whether they match the published bytes."""
from __future__ import annotations

from pathlib import Path

import typer


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _report(
    wave: str = typer.Option(..., "--wave", help="Wave name, e.g. 2024."),
    version: str = typer.Option("latest", "--version", help="Version number or 'latest'."),
    out: Path = typer.Option(None, "--out", help="Output folder (default ./reports/wave=W/version=N/)."),
    open_: bool = typer.Option(False, "--open", help="Open the report in the default browser."),
) -> None:
    """Rebuild report.html, workbook.xlsx and datapackage.json of a published snapshot into a
    folder outside data/published (a published version is never rewritten) and compare them
    with the files published in the snapshot: the same snapshot gives the same bytes.

    Example: lei report --wave 2024 --open
    """
    from lei_pipeline.errors import UsageError
    from lei_pipeline.publish import resolve_snapshot
    from lei_pipeline.report import rebuild
    from lei_pipeline.settings import Settings

    settings = Settings.from_env()
    number, _ = resolve_snapshot(settings, wave, version)
    target = out if out is not None else Path("reports") / f"wave={wave}" / f"version={number}"
    if _inside(target, settings.published_dir):
        raise UsageError(f"--out {target} is inside {settings.published_dir}: published snapshots are immutable; "
                         "choose another folder")
    from lei_pipeline.publish.mirror import local_snapshot

    with local_snapshot(settings, wave, number) as folder:   # a bucket's snapshot: a local copy
        records = rebuild(folder, target)
    differ = 0
    for r in records:
        if r["matches"] is None:
            state = "not in the published snapshot"
        elif r["matches"]:
            state = "same bytes as published"
        else:
            state = "DIFFERS from the published file"
            differ += 1
        typer.echo(f"{r['path']}  sha256 {r['sha256'][:12]}  {state}")
    if open_:
        import webbrowser

        webbrowser.open(Path(records[0]["path"]).resolve().as_uri())
    if differ:
        typer.echo(f"{differ} file(s) differ from wave {wave} version {number} as published "
                   "(built by another code version?)", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("report")(_report)
