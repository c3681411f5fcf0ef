from __future__ import annotations

import typer

from lei_pipeline.cli.output import echo, print_json


def status(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Where every wave stands: export and its sha256, last run, checks, latest published version.

    Example: lei status
    """
    from lei_pipeline.defs.instance import get_instance
    from lei_pipeline.settings import Settings
    from lei_pipeline.cli.wave_status import wave_statuses

    rows = wave_statuses(Settings.from_env(), get_instance())
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no waves: add one with `lei wave add WAVE EXPORT`")
        return
    echo(f"{'wave':<8} {'export':<24} {'sha256':<12} {'last run':<10} {'checks':<7} {'published':<9}")
    for r in rows:
        checks = f"{r['checks_passed']}/{r['checks_passed'] + r['checks_failed']}" if r["checks_run"] else "-"
        pub = f"v{r['latest_version']}" if r["latest_version"] else "-"
        run = (r["last_run_status"] or "-")[:10]
        echo(f"{r['wave']:<8} {(r['export'] or '-')[:24]:<24} {(r['export_sha256'] or '-')[:12]:<12} "
             f"{run:<10} {checks:<7} {pub:<9}")
        if r["published_at"]:
            echo(f"{'':<8} published {r['published_at']}; last run {r['last_run_at'] or '-'}")


def register(app: typer.Typer) -> None:
    app.command("status")(status)
