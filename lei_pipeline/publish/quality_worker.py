"""Great Expectations in a process of its own, started before it is needed.

Importing GE takes 3-6 s on a 2-core machine, more than its suites take on a 140-unit wave, and
the in-process executor `lei run` uses runs one step at a time. So `lei run` starts this worker
first: it imports GE on the second core while the first wave is read, scored and analysed, and
the quality step then hands it the four tables and waits for the report (publishing still waits
for the result, and the suites, their results and Data Docs are exactly what write_report makes).

Without a started worker (the Dagster UI, tests, the benchmarks), or if the worker died, the
suites run in the calling process as before. A plain process and a pipe rather than a pool: a
run that fails before its quality step stops the worker at once, mid-import if need be."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd

_worker = None      # (process, connection) while started
STOP_SECONDS = 2.0  # how long a stopping worker may take to finish on its own


def _serve(conn) -> None:
    import os

    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations  # noqa: F401  (the import is the point: it is what takes seconds)

    import lei_pipeline.publish.quality_report  # noqa: F401

    while True:
        try:
            job = conn.recv()
        except EOFError:     # the caller went away
            return
        if job is None:
            return
        fn, args = job
        try:
            conn.send((True, fn(*args)))
        except BaseException as e:  # noqa: BLE001  (handed back and raised in the caller)
            conn.send((False, e))


def start() -> None:
    """Start the worker and its GE import now (idempotent). 'spawn': a fresh interpreter, never a
    fork of a process holding Dagster's SQLite connections and threads."""
    global _worker
    if _worker is not None:
        return
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(theirs,), name="lei-quality-worker", daemon=True)
    proc.start()
    theirs.close()
    _worker = (proc, ours)


def stop() -> None:
    global _worker
    if _worker is None:
        return
    proc, conn = _worker
    _worker = None
    try:
        conn.send(None)    # nothing is in flight (every call waits for its answer): exit cleanly,
    except OSError:        # so what GE opened (a semaphore) is released, not reported as leaked
        pass
    proc.join(STOP_SECONDS)
    if proc.is_alive():    # still importing GE for a run that ended early
        proc.terminate()
        proc.join()
    conn.close()


def call(fn, *args):
    """fn(*args) in the worker (fn and args must pickle); raises what fn raised there."""
    if _worker is None:
        raise RuntimeError("the quality worker is not started")
    proc, conn = _worker
    conn.send((fn, args))
    ok, value = conn.recv()
    if not ok:
        raise value
    return value


def write_report(folder: Path, tables: dict[str, pd.DataFrame], weights: dict | None):
    """quality_report.write_report, in the worker when one was started, else here."""
    from lei_pipeline.publish import quality_report

    if _worker is not None:
        try:
            return call(quality_report.write_report, folder, tables, weights)
        except (EOFError, BrokenPipeError, ConnectionResetError):   # the worker died (e.g. out of memory)
            stop()
    return quality_report.write_report(folder, tables, weights)
