"""`lei wave add | list | remove`: the waves a data engineer manages from the terminal."""
from __future__ import annotations

import os
from pathlib import Path

import typer

from lei_pipeline.cli.output import echo, print_json
from lei_pipeline.errors import LeiError, UsageError
from lei_pipeline.problems import ExportError, visible

wave_app = typer.Typer(help="Manage survey waves.\n\nExample: lei wave add 2026 ~/Downloads/results-survey.csv",
                       no_args_is_help=True)

IN_PROGRESS = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


@wave_app.command("add")
def add(
    wave: str = typer.Argument(..., help="Wave name, e.g. 2026 (letters, digits, '_', '-')."),
    export: Path = typer.Argument(..., help="The export file to copy into data/raw/<wave>/."),
    replace: bool = typer.Option(False, "--replace", help="Replace the wave's existing export."),
    reference_date: str = typer.Option(None, "--reference-date", help="Date the answers describe (YYYY-MM-DD)."),
    label: str = typer.Option(None, "--label", help="A name for people, e.g. 'LEI 2026'."),
    force: bool = typer.Option(False, "--force", help="Add the file even if it cannot be read as an export."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX: the sheet to read (name or position); stored for the "
                                                    "pipeline in data/raw/<wave>/reading.yaml."),
    header_row: int = typer.Option(None, "--header-row", help="XLSX: the row holding the headers; stored like "
                                                              "--sheet."),
) -> None:
    """Check an export, copy it into data/raw/WAVE/ and register the wave's partition in Dagster.

    The file is read first (as `lei validate` reads it); an unreadable one is refused unless
    --force. Safe to run twice at once: the second waits for the first.

    Example: lei wave add 2026 ~/Downloads/results-survey123.csv
    """
    from lei_pipeline.defs.instance import get_instance
    from lei_pipeline.defs.partitions import wave_partitions
    from lei_pipeline.settings import Settings
    from lei_pipeline.survey.readers.reading import ReadingOptions
    from lei_pipeline.waves.exports import check_export_name, place_export
    from lei_pipeline.waves.declared import check_wave_name, declare_wave, wave_declaration

    check_wave_name(wave)  # before any file is touched
    if not export.is_file():
        raise UsageError(f"{visible(export)}: no such file")
    check_export_name(export)
    reading = ReadingOptions(sheet=sheet, header_row=header_row)
    settings = Settings.from_env()
    rows = _check_readable(export, wave, reading, settings, force)
    # Declared first (appended after the last declared wave: its previous wave), so a watching sensor
    # never sees the export of an undeclared wave.
    if wave_declaration(settings, wave) is None:
        declare_wave(settings, wave, reference_date=reference_date, label=label)
        echo(f"wave {wave}: declared in {visible(settings.waves_path)} after the waves before it")
    instance = get_instance()

    def register() -> bool:
        # under the wave's lock: two adds of one wave must not both insert the partition
        if instance.has_dynamic_partition(wave_partitions.name, wave):
            return False
        instance.add_dynamic_partitions(wave_partitions.name, [wave])
        return True

    placed = place_export(settings.raw_dir, wave, export, reading, replace, then=register)
    added = placed.registered
    target = visible(placed.target)
    echo(f"wave {wave}: export {target}" + (f" ({rows} rows read)" if rows is not None else " (not readable: --force)"))
    for old in placed.replaced:
        echo(f"wave {wave}: replaced {visible(old.name)}")
    if not reading.is_default:
        echo(f"wave {wave}: reading options {reading.to_dict()} stored in {visible(placed.target.parent / 'reading.yaml')}")
    echo(f"wave {wave}: partition {'added' if added else 'already registered'} in {os.environ['DAGSTER_HOME']}")
    echo(f"next: lei validate {target} --wave {wave}   then   lei run --wave {wave}")


def _check_readable(export: Path, wave: str, reading, settings, force: bool) -> int | None:
    from lei_pipeline.survey.questionnaire import load_questionnaire
    from lei_pipeline.survey.readers import read_export

    try:
        raw = read_export(export, load_questionnaire(settings.questionnaire_path), wave=wave, **reading.as_kwargs())
    except ExportError as e:
        if force:
            echo(f"warning: {e} (added anyway: --force)")
            return None
        raise UsageError(f"{e}; nothing added (use --force to add it anyway)") from None
    return len(raw.frame)


@wave_app.command("list")
def list_waves(as_json: bool = typer.Option(False, "--json", help="Print the waves as JSON.")) -> None:
    """The declared waves (data/waves.yaml) in order, with their export, its sha256 and published versions.

    Writes nothing. Example: lei wave list
    """
    from lei_pipeline.files import file_sha256
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves.declared import declared_waves, discover_waves, export_files

    settings = Settings.from_env()
    declared = declared_waves(settings)
    published = sorted(p.name.split("=", 1)[1] for p in settings.published_dir.glob("wave=*") if p.is_dir())
    ids = list(dict.fromkeys([w.id for w in declared] + discover_waves(settings) + published))
    by_id = {w.id: w for w in declared}
    rows = []
    for wave in ids:
        files = export_files(settings.raw_dir / wave)
        export = files[0] if len(files) == 1 else None
        versions = sorted(int(p.name.split("=", 1)[1]) for p in (settings.published_dir / f"wave={wave}").glob("version=*")
                          if p.is_dir() and p.name.split("=", 1)[1].isdigit())
        decl = by_id.get(wave)
        rows.append({
            "wave": wave, "declared": decl is not None,
            "reference_date": str(decl.reference_date) if decl and decl.reference_date else None,
            "question_set": decl.question_set if decl else None,
            "export": export.name if export else (f"{len(files)} files" if files else None),
            "export_sha256": file_sha256(export)[:12] if export else None,
            "published_versions": len(versions), "latest_version": versions[-1] if versions else None,
        })
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no waves: declare one in data/waves.yaml or add one with `lei wave add WAVE FILE`")
        return
    echo(f"{'wave':<12} {'reference':<10} {'export':<32} {'sha256':<12} snapshots")
    for r in rows:
        export = visible(r["export"]) if r["export"] else "(no export)"
        snap = f"{r['published_versions']} (latest v{r['latest_version']})" if r["latest_version"] else "none"
        ref = r["reference_date"] or ("-" if r["declared"] else "undeclared")
        echo(f"{r['wave']:<12} {ref:<10} {export[:32]:<32} {r['export_sha256'] or '-':<12} {snap}")


@wave_app.command("remove")
def remove(wave: str = typer.Argument(..., help="The wave whose export folder goes (data/raw/<wave>/).")) -> None:
    """Remove a wave's export folder. Published snapshots stay; refused while a run of the wave is in progress.

    Example: lei wave remove 2026
    """
    import dagster as dg

    from lei_pipeline.defs.instance import get_instance
    from lei_pipeline.defs.partitions import wave_partitions
    from lei_pipeline.settings import Settings
    from lei_pipeline.waves.exports import remove_export_folder
    from lei_pipeline.waves.declared import check_wave_name

    check_wave_name(wave)
    settings = Settings.from_env()
    if not (settings.raw_dir / wave).is_dir():
        raise LeiError(f"wave {wave}: no export folder {visible(settings.raw_dir / wave)}")
    instance = get_instance()
    running = instance.get_runs(filters=dg.RunsFilter(
        tags={"dagster/partition": wave}, statuses=[dg.DagsterRunStatus[s] for s in IN_PROGRESS]))
    if running:
        raise LeiError(f"wave {wave}: run {running[0].run_id} is {running[0].status.value.lower()}; "
                       "wait for it to end (or cancel it) before removing the wave")
    folder = remove_export_folder(settings.raw_dir, wave)
    registered = instance.has_dynamic_partition(wave_partitions.name, wave)
    if registered:
        instance.delete_dynamic_partition(wave_partitions.name, wave)
    kept = len(list((settings.published_dir / f"wave={wave}").glob("version=*")))
    echo(f"wave {wave}: removed {visible(folder)}" + ("; partition removed from Dagster" if registered else ""))
    echo(f"wave {wave}: {kept} published snapshot(s) kept" + ("" if not kept else " (lei snapshots list)"))


def register(app: typer.Typer) -> None:
    app.add_typer(wave_app, name="wave")
