"""The `lei` console script's entry point, kept tiny for two reasons.

- A command's imports (pandas and typer; for `lei run` also Dagster and its SQLite storage) make
  about 270,000 objects that live as long as the process, and almost no garbage: a full pass
  afterwards finds about 11,500 objects. While the imports run, Python's cyclic collector walks
  the growing heap again and again. With the collector off, the imports `lei run` needs before
  its first wave took 2.7-3.1 s instead of 3.6-4.5 s (three runs of each, alternating). So the
  collector is off while a command imports. What the imports made is then frozen out of its
  later passes: a permanent generation that no collection walks. The little garbage among it
  stays for the process' life.
- `lei run` starts its worker with 'spawn', which imports the script's module again in the new
  process. This module imports nothing heavy, so the worker goes straight to its own imports.
  Before, it imported the whole CLI first (0.8 s, pandas included).
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def imports_uncollected() -> Iterator[None]:
    """The collector off for the block, which imports long-lived modules and objects. On a normal
    exit, what exists then is frozen out of later passes (gc.freeze); on an error nothing is
    frozen. Either way the collector ends as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def main() -> None:
    with imports_uncollected():
        from lei_pipeline.cli.app import main as command
    return command()
