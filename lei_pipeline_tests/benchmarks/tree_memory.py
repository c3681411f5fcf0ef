"""The resident memory of a benchmark child and of the processes it starts, sampled from outside.

VmHWM gives each process its own peak; the Dagster path runs two processes (the wave's and the
GE worker), whose peaks need not come at the same moment, so their sum is only an upper bound.
This samples both at the same instants (/proc/PID/statm, every INTERVAL seconds, from a thread of
the benchmark's own process, not of the one measured) and gives the peak of their sum, with and
without a window of time (the uncertainty analysis, the one stage the bare script does not do).
A sample can miss a spike shorter than the interval; the summary prints both figures."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

INTERVAL = 0.005   # seconds between samples
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _resident_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):   # the process ended between two reads
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


class TreeMemory:
    """Samples (time.time(), the process's MB, its descendants' MB) while running."""

    def __init__(self, pid: int):
        self.pid = pid
        self.samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            own, others, todo = _resident_mb(self.pid), 0.0, _children(self.pid)
            while todo:
                kid = todo.pop()
                others += _resident_mb(kid)
                todo += _children(kid)
            if own:
                self.samples.append((time.time(), own, others))
            self._stop.wait(INTERVAL)

    def peak(self) -> float:
        """The largest sum of every process's resident memory at one sample."""
        return max((own + others for _, own, others in self.samples), default=0.0)

    def peak_without(self, window: tuple[float, float] | None) -> float:
        """peak() with the samples inside window (begin, end; time.time()) left out, except the
        other processes' part: a GE worker runs its suites beside the analysis, and without the
        analysis the wave's process would hold what it held when the window began. So inside the
        window the sum is taken as that held memory plus the others' sample."""
        if window is None:
            return self.peak()
        begin, end = window
        outside = [own + others for t, own, others in self.samples if not begin <= t <= end]
        held = next((own for t, own, _ in reversed(self.samples) if t < begin), 0.0)
        inside = [held + others for t, _, others in self.samples if begin <= t <= end]
        return max(outside + inside, default=0.0)
