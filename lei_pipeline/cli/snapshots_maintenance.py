"""`lei snapshots verify [WAVE [VERSION]]`, `lei snapshots reindex`, `lei snapshots diff WAVE V1 V2`
and `lei snapshots gc`."""
from __future__ import annotations

import json

import typer


def _verify(
    wave: str = typer.Argument(None, help="Only this wave (default: every wave)."),
    version: str = typer.Argument(None, help="Only this version of WAVE (a number or 'latest')."),
) -> None:
    """Check every published file against its manifest's sha256 (exit 1 on any mismatch).

    Example: lei snapshots verify 2024
    """
    from lei_pipeline.publish.verify import verify
    from lei_pipeline.settings import Settings

    result = verify(Settings.from_env(), wave, version)
    for w, v, files in result.checked:
        typer.echo(f"wave {w} version {v}: {files} files checked")
    for p in result.problems:
        typer.echo(f"MISMATCH {p}")
    if not result.checked and not result.problems:
        typer.echo("no snapshots published yet")
    if not result.ok:
        typer.echo(f"{len(result.problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(result.checked)} snapshot(s) intact")


def _reindex() -> None:
    """Rebuild the catalog from the published folders and their manifests.

    Adds missing rows, replaces rows that disagree with their manifest, removes rows whose folder
    is gone; folders without a valid manifest are skipped with a warning.

    Example: lei snapshots reindex
    """
    from lei_pipeline.publish.reindex import reindex
    from lei_pipeline.settings import Settings

    r = reindex(Settings.from_env())
    for w in r.warnings:
        typer.echo(f"warning: {w}", err=True)
    for label, keys in (("added", r.added), ("replaced", r.replaced), ("removed", r.removed)):
        for wave, version in keys:
            typer.echo(f"{label:<8} wave {wave} version {version}")
    typer.echo(f"catalog: {len(r.added)} added, {len(r.replaced)} replaced, {len(r.removed)} removed, "
               f"{r.kept} already right")


def _diff(
    wave: str = typer.Argument(..., help="Wave name, e.g. 2024."),
    v1: str = typer.Argument(..., help="The older version (number or 'latest')."),
    v2: str = typer.Argument(..., help="The newer version (number or 'latest')."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole comparison as JSON."),
) -> None:
    """What changed between two versions of a wave: methodology and export, rows added and
    removed, values changed per column (count, largest change), ranks that moved.

    Example: lei snapshots diff 2024 1 2
    """
    from lei_pipeline.publish.diff import diff_snapshots, render
    from lei_pipeline.settings import Settings

    d = diff_snapshots(Settings.from_env(), wave, v1, v2)
    if as_json:
        typer.echo(json.dumps(d, indent=2, ensure_ascii=False, default=str))
        return
    for line in render(d):
        typer.echo(line)


def _gc(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be removed."),
) -> None:
    """Remove what publishes that died half-way left behind: version entries without a
    manifest.json (never a visible version) and stale staging folders.

    Example: lei snapshots gc --dry-run
    """
    from lei_pipeline.publish.gc import collect_garbage
    from lei_pipeline.settings import Settings

    r = collect_garbage(Settings.from_env(), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for o in r.orphans:
        typer.echo(f"{verb} orphan wave {o.wave} version {o.version}: {len(o.objects)} object(s) at {o.location}")
    for name in r.staging_removed:
        typer.echo(f"removed stale staging folder {name}")
    typer.echo(f"gc: {len(r.orphans)} orphaned version(s) {verb}" if r.orphans else "gc: nothing to remove")


def register(group: typer.Typer) -> None:
    group.command("verify")(_verify)
    group.command("reindex")(_reindex)
    group.command("diff")(_diff)
    group.command("gc")(_gc)
