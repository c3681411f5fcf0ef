"""Great Expectations imported for the suites, without executing two libraries they never use.

`import great_expectations` imports every core expectation, and one of them (the KL-divergence
expectation, which no suite here uses) imports scipy.stats and altair at module level, as do two
distribution-test metrics (scipy.stats). Those two took 1.9-2.0 s of GE's 4.1-4.5 s import on this
machine (a fresh process, the collector off as in the worker; measured with and without, twice),
and GE's import is what the first wave's suites wait for in `lei run`.

While GE is imported, those modules are created with importlib's LazyLoader: each is in
sys.modules as a module object whose code runs at the first attribute anyone reads from it. So
nothing is stubbed: an expectation or renderer that does use scipy.stats or altair gets the real
module, only later. (LazyLoader in Python 3.11 may run a module twice if two threads read its
first attribute at the same moment; GE runs in one thread here.)"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

UNUSED_BY_THE_SUITES = ("scipy.stats", "altair")


class _Deferring(importlib.abc.MetaPathFinder):
    """Finds `names` with the finders after it and hands them over with a LazyLoader."""

    def __init__(self, names: tuple[str, ...]):
        self.names = frozenset(names)

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


@contextmanager
def deferred(names: tuple[str, ...]) -> Iterator[None]:
    """Modules among `names` first imported inside the block run their code at first use instead."""
    finder = _Deferring(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_gx():
    """(great_expectations, great_expectations.expectations), imported once per process, offline."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with deferred(UNUSED_BY_THE_SUITES):
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.execution_engine import pandas_execution_engine

    # GE hashes every row of a frame it is handed (below HASH_THRESHOLD bytes) only to record the
    # hash as a batch marker, which nothing here reads: 1.4 s of the suites at 100,000 units.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx, gxe
