"""`lei pull TABLE --wave WAVE [--version V] --out FILE`."""
from __future__ import annotations

from pathlib import Path

import typer


def _pull(
    table: str = typer.Argument(..., help="Table: responses, indicators, scores or change."),
    wave: str = typer.Option(..., "--wave", help="Wave name, e.g. 2024."),
    version: str = typer.Option("latest", "--version", help="Version number or 'latest'."),
    out: Path = typer.Option(..., "--out", help="Output file: .parquet, .csv or .xlsx."),
) -> None:
    """Copy a published table into a Parquet, CSV or XLSX file (format from the extension).
    The table is checked against its manifest's sha256 first (exit 1 on a mismatch).
    Text that a spreadsheet would run as a formula is escaped with a leading '.

    Example: lei pull scores --wave 2024 --out scores-2024.xlsx
    """
    from lei_pipeline.publish import resolve_snapshot, snapshot_manifest
    from lei_pipeline.publish.export import output_format, write_frame

    from lei_pipeline.errors import UsageError
    from lei_pipeline.settings import Settings

    from lei_pipeline.publish.load import fetch_table

    output_format(out)
    settings = Settings.from_env()
    published = settings.published_dir.resolve()
    if settings.storage_url is None or not settings.storage_url.startswith("s3://"):
        if out.resolve().is_relative_to(published):
            raise UsageError(f"refusing to write {out}: it is inside the published folder {published}, "
                             f"which holds only immutable snapshots")
    number, _ = resolve_snapshot(None, wave, version)
    manifest = snapshot_manifest(wave, number)
    about = {"table": table, "wave": wave, "version": str(number),
             "created_at": str(manifest.get("created_at", "")),
             "methodology_sha256": str((manifest.get("methodology") or {}).get("sha256", "")),
             "notice": manifest.get("notice") or ""}
    # the published bytes, through the storage layer (a folder or a bucket), checked against the manifest
    with fetch_table(table, wave, number) as source:
        import pyarrow.parquet as pq

        frame = pq.read_table(source).to_pandas()
        fmt = write_frame(frame, out, source_parquet=source, about=about)
    typer.echo(f"{table} wave {wave} version {number}: {len(frame)} rows -> {out} ({fmt})")
    if about["notice"]:
        typer.echo(f"note: {about['notice']}")


def register(app: typer.Typer) -> None:
    app.command("pull")(_pull)
