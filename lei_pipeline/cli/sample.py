"""`lei sample`: write the synthetic sample waves (thin layer over lei_pipeline.sample)."""
from __future__ import annotations

from pathlib import Path

import typer

from lei_pipeline.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("sample")
    def sample(
        seed: int = typer.Option(42, "--seed", help="Random seed: the same seed writes byte-identical files."),
        out: Path = typer.Option(None, "--out", help="Folder for the wave folders (default: data/raw); with "
                                 "--units and no --waves: the new data directory."),
        waves: str = typer.Option(None, "--waves", help="Comma-separated wave names (default 2022,2024,2025)."),
        units: int = typer.Option(None, "--units", help="Units: without --waves, one wave of N units in a complete "
                                  "data directory --out; with --waves, units per sample wave (default: the "
                                  "registry's respondents, less a few; above 145 adds synthetic units)."),
        wave: str = typer.Option("2024", "--wave", help="With --units and no --waves: the data directory's wave."),
    ) -> None:
        """Write synthetic sample waves (synthetic sample data, not real LEI results): 2022 as a
        LimeSurvey CSV, 2024 as an XLSX with full-text headers, 2025 as an Excel CSV.

        With --units N and no --waves, write a complete data directory instead (inputs, a
        registry covering the synthetic units, waves.yaml, one LimeSurvey export of N units) that
        `LEI_DATA_DIR=DIR lei run` publishes: the scale benchmark's wave.

        Example: lei sample --seed 42 --out data/raw --waves 2022,2024,2025

        Example: lei sample --units 10000 --out /tmp/lei-10k && LEI_DATA_DIR=/tmp/lei-10k lei run
        """
        if units is not None and waves is None:
            from lei_pipeline.sample.data_dir import write_data_dir

            if out is None:
                raise UsageError("--units without --waves writes a data directory: give it with --out DIR")
            path = write_data_dir(out, units, seed=seed, wave=wave)
            typer.echo(f"wrote {out} (wave {wave}, {units} units; {path.name}; synthetic sample data, not real "
                       f"LEI results)\nrun it: LEI_DATA_DIR={out} lei run")
            return
        waves = waves or "2022,2024,2025"
        from lei_pipeline.sample import SYNTHETIC_NOTICE, write_sample_waves
        from lei_pipeline.settings import Settings
        from lei_pipeline.waves.declared import check_wave_name

        names = [w.strip() for w in waves.split(",") if w.strip()]
        if not names:
            raise UsageError("--waves: give at least one wave, e.g. --waves 2022,2024")
        for w in names:
            check_wave_name(w)
        if units is not None and units < 1:
            raise UsageError("--units must be at least 1")
        target = out if out is not None else Settings.from_env().raw_dir
        for path in write_sample_waves(target, names, seed=seed, n_units=units):
            typer.echo(f"wrote {path} ({SYNTHETIC_NOTICE})")
