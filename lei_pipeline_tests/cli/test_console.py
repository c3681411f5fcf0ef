"""The console script's entry (cli/console.py): light to import, the collector off only while a
command imports, and back on afterwards in the CLI and in the worker."""
from __future__ import annotations

import gc
import subprocess
import sys
import tomllib

import pytest

from lei_pipeline import worker
from lei_pipeline.collector import imports_uncollected
from lei_pipeline.settings import REPO_ROOT


def test_the_lei_script_is_the_light_entry():
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"lei": "lei_pipeline.cli.console:main"}


def test_importing_the_entry_imports_no_command():
    # 'spawn' imports the script's module again in the worker: it must cost nothing there
    code = ("import sys, lei_pipeline.cli.console; "
            "print(sorted(m for m in ('pandas', 'typer', 'dagster', 'lei_pipeline.cli.app') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_cli_imports_no_pandas_before_a_command_needs_it():
    # `lei run` starts its worker (GE's import, seconds) before it needs pandas, and `lei --help`
    # answers without it
    code = "import sys, lei_pipeline.cli.app; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()   # the rest of the session gets an ordinary collector back
    assert gc.isenabled()


def test_the_collector_is_off_inside_and_back_after(unfrozen):
    assert gc.isenabled()
    with imports_uncollected():
        assert not gc.isenabled()
        kept = [object() for _ in range(10)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)   # what existed is out of the collector's passes


def test_an_error_inside_freezes_nothing_and_restores_the_collector(unfrozen):
    gc.unfreeze()
    with pytest.raises(RuntimeError):
        with imports_uncollected():
            raise RuntimeError("an import failed")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled(unfrozen):
    gc.disable()
    try:
        with imports_uncollected():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_worker_collects_again_after_its_imports():
    worker.start()
    try:
        assert worker.submit(gc.isenabled).result() is True
        assert worker.submit(gc.get_freeze_count).result() > 100_000   # GE's import frozen
    finally:
        worker.stop()
