from __future__ import annotations

from pathlib import Path

import typer

from lei_pipeline.cli.output import echo, print_json
from lei_pipeline.errors import UsageError
from lei_pipeline.problems import ERROR, ExportError, visible
from lei_pipeline.vocabulary import EXPORT_FORMATS

FORMATS = EXPORT_FORMATS


def validate(
    export: Path = typer.Argument(..., help="The export file to check."),
    wave: str = typer.Option(None, "--wave", help="Wave the export belongs to (default: its folder name)."),
    fmt: str = typer.Option("auto", "--format", help="auto | limesurvey | xlsx | excel-csv | lsr"),
    sheet: str = typer.Option(None, "--sheet", help="XLSX: the sheet to read, by name or position (1 = first); "
                                                    "default: the visible sheet holding the responses."),
    header_row: int = typer.Option(None, "--header-row", help="XLSX: the row holding the headers (1 = first row); "
                                                              "default: found below any title rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Check an export before it enters the pipeline. Writes nothing.

    Exit 0: it would pass every blocking check; 1: it would not; 2: misuse or unreadable file.

    Example: lei validate data/raw/2022/lei-2022-limesurvey.csv --wave 2022
    """
    from lei_pipeline.waves.inputs import load_inputs
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.readers.reading import ReadingOptions
    from lei_pipeline.survey.validate import validate_export
    from lei_pipeline.waves.declared import check_wave_name

    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if not export.is_file():
        raise UsageError(f"{visible(export)}: no such file")
    if wave is not None:
        check_wave_name(wave)
    settings = Settings.from_env()
    reading = ReadingOptions(sheet=sheet, header_row=header_row)
    if reading.is_default:
        reading = stored_reading(export, settings)
    inputs = load_inputs(settings)
    try:
        report = validate_export(export, inputs, wave=wave, fmt=fmt, reading=reading)
    except ExportError as e:
        if as_json:
            print_json({"file": str(export), "passes_blocking_checks": False, "readable": False,
                        "problems": [e.problem.to_dict()]})
        raise UsageError(str(e)) from None
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    raise typer.Exit(0 if report.passes else 1)


def stored_reading(export: Path, settings):
    """An export already in data/raw/<wave>/ is read with the options stored beside it."""
    from lei_pipeline.survey.readers.reading import ReadingOptions, load_reading

    folder = export.resolve().parent
    if folder.parent == settings.raw_dir.resolve():
        return load_reading(folder)
    return ReadingOptions()


def _print_report(report) -> None:
    echo(f"{visible(report.file)} (wave {report.wave}, format {report.fmt})")
    echo(f"  rows read:       {report.rows_read}")
    echo(f"  units matched:   {report.units_matched}")
    echo(f"  errors:          {len(report.errors)}")
    echo(f"  warnings:        {len(report.problems) - len(report.errors)}")
    for d in report.duplicates:
        echo(f"  duplicate: unit {d.get('unit_code')}: row {d.get('kept_row')} kept, row(s) "
             f"{d.get('dropped_rows')} dropped ({d.get('reason')})")
    for p in report.problems:
        tag = "ERROR" if p.severity == ERROR else "warn "
        echo(f"  {tag} {p.describe()}")
    echo("PASS: would pass every blocking check" if report.passes else
         "FAIL: would fail a blocking check (see ERROR lines)")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
