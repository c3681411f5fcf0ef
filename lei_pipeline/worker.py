"""The second process `lei run` starts: Great Expectations, the snapshot's workbook, and the waves
read and scored ahead (waves/read_ahead.py, waves/score_ahead.py; the first wave is read and
scored before GE is imported: start(first=...)).

Importing GE takes 2-3 s on a 2-core machine (publish/gx_import.py), more than its suites take on a
140-unit wave, and the in-process executor `lei run` uses runs one step at a time. So `lei run`
starts this worker first: it imports GE on the second core while the first wave is read and scored.
The suites start before their step: wave_change's step, the last of the four tables, hands them
over with submit_ahead() and the quality step takes the report with take_ahead(), so the suites run
here while the calling process runs the uncertainty analysis (the in-process executor would
otherwise leave one core idle during each). Publishing still waits for the result, and the suites,
their results and Data Docs are exactly what write_report makes. When the snapshot's reading files
are built, the worker writes the workbook (about 0.25 s a sample wave) while the calling process
builds the report: submit() and its result().

Without a started worker (the Dagster UI, tests, the benchmarks), or if the worker died, the
work runs in the calling process as before. A plain process and a pipe rather than a pool: a
run that fails before its quality step stops the worker at once, mid-import if need be. The
worker does one job at a time, so several may be in flight; each message names its job, and a
thread here takes each answer as it comes. Jobs for the next wave (submitted with later=True)
wait while a job for this one is queued: the snapshot's workbook, which publishing waits for,
does not queue behind the next wave's reading and scoring (under py-spy, `lei run` waited 0.66 s
for its workbooks before, 0.24 s since)."""
from __future__ import annotations

import itertools
import multiprocessing
import queue
import struct
import threading
from collections import deque
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the module itself stays light: the worker process imports it first
    import pandas as pd

_worker = None      # (process, connection, outbox, sending thread, receiving thread) while started
_lock = threading.Lock()           # _in_flight is shared with the receiving thread
_in_flight: dict[int, "Pending"] = {}   # sent and not yet answered, by job number
_ahead: dict[str, "Pending"] = {}  # started for a later step, by the name that step asks for
_numbers = itertools.count(1)
STOP_SECONDS = 2.0  # how long a stopping worker may take to finish on its own

# Every job and every answer is two messages: a header (job number; for a job, whether it is for
# later) and the pickled body, which the receiving side unpickles only when it needs it.
_HEADER = struct.Struct("<q?")
_STOP = _HEADER.pack(-1, False)    # the header that ends the worker (no body follows)


def _header(number: int, later: bool = False) -> bytes:
    return _HEADER.pack(number, later)


class _Inbox:
    """In the worker: the jobs received so far, read from the pipe by a thread as they come (while
    GE imports, while a job runs). next() gives the oldest job not for later, else the oldest."""

    def __init__(self):
        self._ready = threading.Condition()
        self._now: deque = deque()
        self._later: deque = deque()
        self._stopping = False   # the caller asked to stop: the jobs received are done first
        self._gone = False       # the caller went away: nobody takes any answer

    def fill(self, conn) -> None:
        while True:
            try:
                number, later = _HEADER.unpack(conn.recv_bytes())
                body = None if number < 0 else conn.recv_bytes()
            except (EOFError, OSError):
                number, body = None, None
            with self._ready:
                if number is None:
                    self._gone = True
                elif body is None:
                    self._stopping = True
                else:
                    (self._later if later else self._now).append((number, body))
                self._ready.notify()
            if body is None:
                return

    def next(self) -> tuple[int, bytes] | None:
        """(number, body) of the next job; None once the worker should end."""
        with self._ready:
            while not (self._now or self._later or self._stopping or self._gone):
                self._ready.wait()
            if self._gone:
                return None
            if self._now:
                return self._now.popleft()
            return self._later.popleft() if self._later else None


def _serve(conn, first: list[tuple[int, bytes]]) -> None:
    import gc

    from lei_pipeline.collector import imports_uncollected

    inbox = _Inbox()
    threading.Thread(target=inbox.fill, args=(conn,), name="lei-worker-inbox", daemon=True).start()
    for number, body in first:   # the jobs start() was given: before GE's import
        _answer(conn, number, body)
    with imports_uncollected():   # what GE's import makes lives as long as this process
        from lei_pipeline.publish.gx_import import import_gx

        import_gx()   # the import is the point: it is what takes seconds
        import lei_pipeline.publish.quality_report  # noqa: F401
    while True:
        job = inbox.next()
        if job is None:
            # Exit without a last full collection over what GE imported: 1.6 s measured, 0.1 s
            # frozen, and the caller's stop() waits for it. Nothing here needs finalising by it.
            gc.freeze()
            return
        _answer(conn, *job)


def _answer(conn, number: int, body) -> None:
    try:
        fn, args = ForkingPickler.loads(body)
        answer = (True, fn(*args))
    except BaseException as e:  # noqa: BLE001  (handed back and raised in the caller)
        answer = (False, e)
    try:
        payload = ForkingPickler.dumps(answer)
    except BaseException as e:  # noqa: BLE001  (an answer that cannot be sent: the caller gets why)
        payload = ForkingPickler.dumps((False, RuntimeError(f"the worker's answer could not be sent: {e}")))
    conn.send_bytes(_header(number))
    conn.send_bytes(payload)


def start(first: list[tuple] = ()) -> None:
    """Start the worker and its GE import now (idempotent). 'spawn': a fresh interpreter, never a
    fork of a process holding Dagster's SQLite connections and threads. first: (name, fn, args)
    of jobs the worker runs, in order, before importing GE, each taken with take_ahead(name)
    (`lei run`'s first wave read and scored there while this process imports Dagster and loads
    the registry). A job that cannot be pickled, and those after it, are not done ahead."""
    global _worker, _in_flight
    if _worker is not None:
        return
    _in_flight = {}   # this worker's own: a receiver still ending for an earlier one never touches it
    messages = []
    for name, fn, args in first:
        try:
            messages.append((name, next(_numbers), ForkingPickler.dumps((fn, args)).tobytes()))
        except Exception:   # noqa: BLE001  (what cannot be sent is simply not done ahead)
            break
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(theirs, [(n, body) for _, n, body in messages]),
                       name="lei-quality-worker", daemon=True)
    proc.start()
    theirs.close()
    for name, number, _ in messages:   # their answers wait in the pipe until the receiver below reads them
        _in_flight[number] = _ahead[name] = Pending()
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(ours, outbox), name="lei-worker-sender", daemon=True)
    ended = threading.Event()   # set by the receiver when the worker can answer no more
    receiver = threading.Thread(target=_receive_all, args=(ours, _in_flight, ended), name="lei-worker-receiver",
                                daemon=True)
    sender.start()
    receiver.start()
    _worker = (proc, ours, outbox, sender, receiver, ended)


def _send_all(conn, outbox: queue.SimpleQueue) -> None:
    """Sends the jobs, pickled by submit(), in order. A thread because a job bigger than the pipe's
    buffer holds its sender until the worker reads it (the worker's inbox reads while it works)."""
    while True:
        message = outbox.get()
        try:
            if message is None:
                conn.send_bytes(_STOP)
                return
            header, body = message
            conn.send_bytes(header)
            conn.send_bytes(body)
        except OSError:        # the worker died: the receiver says so to whoever waits
            return


def _receive_all(conn, in_flight: dict, ended: threading.Event) -> None:
    """Takes every answer as soon as the worker sends it, each for the job its number names. A
    thread for the same reason the other way: an answer bigger than the pipe's buffer (an export
    read ahead) held the worker until this process next asked for a result, and the jobs queued
    behind it with it (the workbook waited 0.3 s for that, measured)."""
    while True:
        try:
            number, _ = _HEADER.unpack(conn.recv_bytes())
            message = conn.recv_bytes()
        except (EOFError, OSError):   # the worker exited or died: no more answers will come
            _answer_all(in_flight, None, ended)
            return
        try:
            answer = ForkingPickler.loads(message)
        except Exception as e:   # noqa: BLE001  (e.g. an exception class that cannot be rebuilt here)
            answer = (False, e)
        with _lock:
            job = in_flight.pop(number, None)
        if job is not None:
            job._give(answer)


def _answer_all(in_flight: dict, answer, ended: threading.Event | None = None) -> None:
    with _lock:
        if ended is not None:
            ended.set()     # under the lock: submit() then sends nothing more
        waiting = list(in_flight.values())
        in_flight.clear()
    for job in waiting:
        job._give(answer)


def running() -> bool:
    return _worker is not None


def stop() -> None:
    global _worker
    if _worker is None:
        return
    proc, conn, outbox, sender, receiver, _ = _worker
    _worker = None
    _ahead.clear()
    # the worker ends the jobs sent before, then exits cleanly, so what GE opened (a semaphore)
    # is released, not reported as leaked
    outbox.put(None)
    proc.join(STOP_SECONDS)
    if proc.is_alive():    # still importing GE for a run that ended early
        proc.terminate()
        proc.join()
    sender.join(STOP_SECONDS)
    receiver.join(STOP_SECONDS)   # it ends when the worker's end of the pipe closes
    _answer_all(_in_flight, None)   # what was still unanswered will not be
    conn.close()


class Pending:
    """A job sent to the worker; result() waits for it (raises what it raised there)."""

    def __init__(self):
        self._answered = threading.Event()
        self._answer: tuple | None = None   # (ok, value); None: the worker ended without answering

    def _give(self, answer: tuple | None) -> None:
        self._answer = answer
        self._answered.set()

    def _wait(self) -> tuple:
        self._answered.wait()
        if self._answer is None:
            raise EOFError("the worker ended before it answered")
        return self._answer

    def result(self):
        ok, value = self._wait()
        if not ok:
            raise value
        return value

    def discard(self) -> None:
        """Wait for the answer and drop it (the caller failed meanwhile)."""
        try:
            self._wait()
        except (EOFError, OSError):
            stop()


def submit(fn, *args, later: bool = False) -> Pending | None:
    """Start fn(*args) in the worker and return at once; None without a worker (or a dead one):
    the caller then runs fn itself. Pickled here, so what cannot be sent fails here. later: a job
    for the next wave, which waits while a job that is not is queued."""
    if _worker is None:
        return None
    proc, conn, outbox, sender, receiver, ended = _worker
    body = ForkingPickler.dumps((fn, args))
    job, number = Pending(), next(_numbers)
    with _lock:   # waiting before it is sent: its answer may come at once
        alive = not ended.is_set() and sender.is_alive()   # the sender stops only when a send failed
        if alive:
            _in_flight[number] = job
    if not alive:
        stop()
        return None
    outbox.put((_header(number, later), body))
    return job


def submit_ahead(name: str, fn, *args, later: bool = False) -> None:
    """Start fn(*args) now for a later step of the same run, which takes it with take_ahead(name)
    (a job started again under the same name replaces the earlier one, whose answer is dropped).
    later: as for submit."""
    job = submit(fn, *args, later=later)
    if job is not None:
        _ahead[name] = job


def take_ahead(name: str) -> Pending | None:
    return _ahead.pop(name, None)


def in_worker_or_here(pending: Pending | None, fn, *args):
    """pending's result, or fn(*args) here when there was no worker or it died meanwhile."""
    if pending is not None:
        try:
            return pending.result()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            stop()
    return fn(*args)


def write_report(folder: Path, tables: dict[str, pd.DataFrame], weights: dict | None):
    """quality_report.write_report, in the worker when one was started, else here."""
    from lei_pipeline.publish import quality_report

    job = submit(quality_report.write_report, folder, tables, weights)
    return in_worker_or_here(job, quality_report.write_report, folder, tables, weights)
