"""Great Expectations in a process of its own, started before it is needed.

Importing GE takes 3-6 s on a 2-core machine, more than its suites take on a 140-unit wave, and
the in-process executor `lei run` uses runs one step at a time. So `lei run` starts this worker
first: it imports GE on the second core while the first wave is read, scored and analysed, and
the quality step then hands it the four tables and waits for the report (publishing still waits
for the result, and the suites, their results and Data Docs are exactly what write_report makes).

Without a started worker (the Dagster UI, tests, the benchmarks), or if the worker died, the
suites run in the calling process as before."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

_pool: ProcessPoolExecutor | None = None
_warm: Future | None = None


def _import_ge() -> None:
    import os

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations  # noqa: F401  (the import is the point: it is what takes seconds)

    import lei_pipeline.publish.quality  # noqa: F401


def _ready() -> bool:
    return True


def start() -> None:
    """Start the worker and its GE import now (idempotent). 'spawn': a fresh interpreter, never a
    fork of a process holding Dagster's SQLite connections and threads."""
    global _pool, _warm
    if _pool is not None:
        return
    _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_import_ge)
    _warm = _pool.submit(_ready)


def stop() -> None:
    global _pool, _warm
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _warm = None, None


def write_report(folder: Path, tables: dict[str, pd.DataFrame], weights: dict | None):
    """quality_report.write_report, in the worker when one was started, else here."""
    from lei_pipeline.publish import quality_report

    if _pool is not None:
        try:
            return _pool.submit(quality_report.write_report, folder, tables, weights).result()
        except BrokenProcessPool:   # the worker died (e.g. out of memory): run here instead
            stop()
    return quality_report.write_report(folder, tables, weights)
