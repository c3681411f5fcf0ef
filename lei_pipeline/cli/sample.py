"""`lei sample`: write the synthetic sample waves (thin layer over lei_pipeline.sample)."""
from __future__ import annotations

from pathlib import Path

import typer

from lei_pipeline.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("sample")
    def sample(
        seed: int = typer.Option(42, "--seed", help="Random seed: the same seed writes byte-identical files."),
        out: Path = typer.Option(None, "--out", help="Folder for the wave folders (default: data/raw)."),
        waves: str = typer.Option("2022,2024,2025", "--waves", help="Comma-separated wave names."),
        units: int = typer.Option(None, "--units", help="Units per wave (default: the registry's respondents, "
                                  "less a few non-respondents; above 145 adds synthetic units)."),
    ) -> None:
        """Write synthetic sample waves (synthetic sample data, not real LEI results): 2022 as a
        LimeSurvey CSV, 2024 as an XLSX with full-text headers, 2025 as an Excel CSV.

        Example: lei sample --seed 42 --out data/raw --waves 2022,2024,2025
        """
        from lei_pipeline.sample import SYNTHETIC_NOTICE, write_sample_waves
        from lei_pipeline.settings import Settings
        from lei_pipeline.waves import check_wave_name

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
