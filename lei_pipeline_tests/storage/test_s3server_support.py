"""The object-store test helper: under CI=true a missing or unstartable SeaweedFS FAILS the run,
elsewhere the object-store tests are skipped (the rule itself: test_real_components.py). The
`s3_server` fixture itself is exercised, with the binary made unavailable, in a child pytest
session (its outcome read from the exit code)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lei_pipeline_tests.support import s3server

REPO = Path(__file__).resolve().parents[2]


def test_no_binary_is_unavailable(monkeypatch):
    monkeypatch.setattr(s3server, "weed_binary", lambda: None)
    with pytest.raises(s3server.ObjectStoreUnavailable, match="binary not found"):
        with s3server.local_server():
            pass


def test_a_binary_that_does_not_start_is_unavailable(tmp_path, monkeypatch):
    broken = tmp_path / "weed"
    broken.write_text("#!/bin/sh\necho 'weed: cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(s3server, "weed_binary", lambda: broken)
    with pytest.raises(s3server.ObjectStoreUnavailable, match="did not start"):
        with s3server.local_server(attempts=1):
            pass


# A child session whose object-store fixture finds no binary: its summary tells an error (the
# fixture failed) from a skip. The fixture is the real one, imported from this folder's conftest.
CHILD_CONFTEST = "from lei_pipeline_tests.storage.conftest import s3_server  # noqa: F401\n"
CHILD_TEST = textwrap.dedent('''
    from lei_pipeline_tests.support import s3server

    s3server.weed_binary = lambda: None

    def test_uses_the_store(s3_server):
        raise AssertionError("the fixture should not have yielded a server")
''')


def _child_session(folder: Path, ci: str | None) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / "conftest.py").write_text(CHILD_CONFTEST)
    (folder / "test_child.py").write_text(CHILD_TEST)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rsE",
                           "--rootdir", str(folder), str(folder)], env=env, cwd=folder, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("ci, code, outcome, reason", [
    ("true", 1, "1 error", "S3-compatible object store required under CI"),
    (None, 0, "1 skipped", "object store unavailable"),
])
def test_the_fixture_fails_under_ci_and_skips_elsewhere(tmp_path, ci, code, outcome, reason):
    r = _child_session(tmp_path / "child", ci)
    assert r.returncode == code, r.stdout + r.stderr
    assert outcome in r.stdout and reason in r.stdout, r.stdout
