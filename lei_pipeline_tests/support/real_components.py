"""The one rule for a real component a test needs (PostgreSQL, an S3 server, Chromium): when it
cannot be had, CI=true fails the test (CI must prove that path, not silently skip it); elsewhere
the test is skipped."""
from __future__ import annotations

import os

import pytest


def skip_or_fail(required: str, unavailable: str) -> None:
    """Fail with `required` under CI=true, else skip with `unavailable`."""
    if os.environ.get("CI") == "true":
        pytest.fail(required, pytrace=False)
    pytest.skip(unavailable)
