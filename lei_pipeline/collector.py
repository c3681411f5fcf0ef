"""Python's cyclic garbage collector, paused where it only walks objects that are not garbage.

- Around loops that make many small objects: a loop over 100,000 names makes hundreds of thousands
  of tuples, strings and records; each time enough have been made, the collector walks the
  generations, and a full pass walks every object the process holds (the registry, the export's
  columns). None of what these loops make forms a reference cycle, so the passes find nothing: at
  100,000 units they were about half of matching's 4-5 s (measured with the collector on and off
  around the same call). Reference counting still frees everything at once.
- Around imports (`imports_uncollected`): a command's imports (pandas and typer; for `lei run` also
  Dagster and its SQLite storage; GE in the worker) make about 270,000 objects that live as long
  as the process, and almost no garbage (a full pass afterwards finds about 11,500 objects). With
  the collector off, the imports `lei run` needs before its first wave took 2.7-3.1 s instead of
  3.6-4.5 s, GE's import in the worker 5.0-5.4 s instead of 6.1-6.7 s (three runs of each,
  alternating). What the imports made is then frozen out of later passes: a permanent generation
  that no collection walks; the little garbage among it stays for the process' life.

Either way the collector is back as it was when the block ends, however it ends. This module
imports nothing heavy: the console script's entry and the worker use it before their imports."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def imports_uncollected() -> Iterator[None]:
    """The collector paused for a block that imports long-lived modules and objects. On a normal
    exit, what exists then is frozen out of later passes (gc.freeze); on an error nothing is
    frozen."""
    with collector_paused():
        yield
        gc.freeze()
