from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import typer

from lei_pipeline.cli.output import echo
from lei_pipeline.errors import LeiError, UsageError

wave_app = typer.Typer(help="Manage survey waves.\n\nExample: lei wave add 2026 ~/Downloads/results-survey.csv",
                       no_args_is_help=True)


@wave_app.command("add")
def add(
    wave: str = typer.Argument(..., help="Wave name, e.g. 2026 (letters, digits, '_', '-')."),
    export: Path = typer.Argument(..., help="The export file to copy into data/raw/<wave>/."),
    replace: bool = typer.Option(False, "--replace", help="Replace the wave's existing export."),
    reference_date: str = typer.Option(None, "--reference-date", help="Date the answers describe (YYYY-MM-DD)."),
    label: str = typer.Option(None, "--label", help="A name for people, e.g. 'LEI 2026'."),
) -> None:
    """Copy an export into data/raw/WAVE/ and register the wave's partition in Dagster.

    Example: lei wave add 2026 ~/Downloads/results-survey123.csv
    """
    from lei_pipeline.defs.partitions import wave_partitions
    from lei_pipeline.defs.instance import get_instance
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves import check_wave_name, declare_wave, export_files, wave_declaration

    check_wave_name(wave)  # before any file is touched
    if not export.is_file():
        raise UsageError(f"{export}: no such file")
    settings = Settings.from_env()
    folder = settings.raw_dir / wave
    existing = export_files(folder)
    if existing and not replace:
        names = ", ".join(p.name for p in existing)
        raise LeiError(f"wave {wave} already has an export ({names}); use --replace to replace it")
    # Declared first (appended after the last declared wave: its previous wave), so a watching sensor
    # never sees the export of an undeclared wave.
    if wave_declaration(settings, wave) is None:
        declare_wave(settings, wave, reference_date=reference_date, label=label)
        echo(f"wave {wave}: declared in {settings.waves_path} after the waves before it")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / export.name
    # Copy aside and rename in, so a watching sensor never sees half a file.
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(export, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    for old in existing:
        if old != target:
            old.unlink()
    instance = get_instance()
    added = not instance.has_dynamic_partition(wave_partitions.name, wave)
    if added:
        instance.add_dynamic_partitions(wave_partitions.name, [wave])
    echo(f"wave {wave}: export {target}")
    echo(f"wave {wave}: partition {'added' if added else 'already registered'} in {os.environ['DAGSTER_HOME']}")
    echo(f"next: lei validate {target} --wave {wave}   then   lei run --wave {wave}")


def register(app: typer.Typer) -> None:
    app.add_typer(wave_app, name="wave")
