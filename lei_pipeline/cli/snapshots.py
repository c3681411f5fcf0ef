"""`lei snapshots list|show|verify|reindex|diff`."""
from __future__ import annotations

import json

import typer


def _list() -> None:
    """List published snapshots (newest version of each wave marked with *).

    Example: lei snapshots list
    """
    from lei_pipeline.publish import list_snapshots

    warnings: list[str] = []
    snaps = list_snapshots(warnings=warnings)
    for w in warnings:
        typer.echo(f"warning: {w}", err=True)
    if snaps.empty:
        typer.echo("no snapshots published yet")
        return
    # One short line per snapshot so the list stays readable in 80 columns; row counts of every
    # table and the full manifest are one `lei snapshots show WAVE VERSION` away.
    typer.echo(f"{'wave':<12} {'version':>7}  {'created (UTC)':<19}  {'units':>6}  {'checks':<16}")
    for r in snaps.itertuples(index=False):
        mark = "*" if r.latest else " "
        created = r.created_at.strftime("%Y-%m-%d %H:%M:%S")
        units = (r.row_counts if isinstance(r.row_counts, dict) else {}).get("scores", "-")
        checks = f"{r.checks_passed} ok" + (f", {r.checks_failed} failed" if r.checks_failed else "")
        typer.echo(f"{r.wave:<12} {r.version:>6}{mark}  {created:<19}  {units:>6}  {checks:<16}")
    # a real wave has no notice (None/NaN next to the sample waves' text): only text counts
    notices = sorted({n for n in snaps["notice"] if isinstance(n, str) and n})
    for n in notices:
        typer.echo(f"note: {n}")
    typer.echo("* = latest version of the wave; details: lei snapshots show WAVE [VERSION]")


def _show(
    wave: str = typer.Argument(..., help="Wave name, e.g. 2024."),
    version: str = typer.Argument("latest", help="Version number or 'latest'."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole manifest.json."),
) -> None:
    """Show one snapshot's manifest: tables, hashes, methodology, checks.

    Example: lei snapshots show 2024 2
    """
    from lei_pipeline.publish import resolve_snapshot, snapshot_manifest

    number, folder = resolve_snapshot(None, wave, version)
    m = snapshot_manifest(wave, number)
    if as_json:
        typer.echo(json.dumps(m, indent=2, ensure_ascii=False))
        return
    typer.echo(f"wave {m['wave']} version {number}  ({folder})")
    typer.echo(f"created     {m['created_at']}  run {m.get('run_id') or '-'}")
    if m.get("notice"):
        typer.echo(f"notice      {m['notice']}")
    meth = m["methodology"]
    typer.echo(f"methodology {meth.get('version') or '-'}  sha256 {meth['sha256'][:16]}  ({meth['file']})")
    typer.echo(f"questionnaire {m.get('questionnaire_version') or '-'}  code {m.get('code_version') or '-'}")
    export = m.get("export") or {}
    if export:
        typer.echo(f"export      {export.get('file')}  sha256 {str(export.get('sha256'))[:16]}  "
                   f"{export.get('format')}  {export.get('rows_read')} rows read")
    typer.echo("tables:")
    for name, t in m["tables"].items():
        typer.echo(f"  {name:<12} {t['rows']:>7} rows  {len(t['schema']):>3} columns  sha256 {t['sha256'][:16]}")
    passed, failed = m.get("checks_passed", []), m.get("checks_failed", [])
    typer.echo(f"checks: {len(passed)} passed" + (f", {len(failed)} failed: {', '.join(failed)}" if failed else ""))
    if m.get("data_docs"):
        typer.echo(f"data docs: {folder}/{m['data_docs']}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Published snapshots.\n\nExample: lei snapshots list", no_args_is_help=True,
                        rich_markup_mode=None)
    group.command("list")(_list)
    group.command("show")(_show)
    from lei_pipeline.cli import snapshots_maintenance

    snapshots_maintenance.register(group)
    app.add_typer(group, name="snapshots")
