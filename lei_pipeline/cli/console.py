"""The `lei` console script's entry point, kept tiny: `lei run` starts its worker with 'spawn',
which imports the script's module again in the new process. This module imports nothing heavy,
so the worker goes straight to its own imports (before, it imported the whole CLI first: 0.8 s,
pandas included). The command's own imports run with the collector off (lei_pipeline/collector.py)."""
from __future__ import annotations

from lei_pipeline.collector import imports_uncollected


def main() -> None:
    with imports_uncollected():
        from lei_pipeline.cli.app import main as command
    return command()
