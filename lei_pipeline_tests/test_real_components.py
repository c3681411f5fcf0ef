"""The one rule for a real component a test needs, through each helper that applies it: when the
component cannot be had, CI=true fails the test and elsewhere it is skipped, each with a message
naming the component."""
from __future__ import annotations

import pytest

from lei_pipeline_tests.support import postgres, s3server

HELPERS = [   # (helper module, under CI, elsewhere)
    pytest.param(postgres, "PostgreSQL required under CI", "PostgreSQL unavailable", id="postgres"),
    pytest.param(s3server, "object store required under CI", "object store unavailable", id="s3server"),
]


@pytest.mark.parametrize("helper, required, unavailable", HELPERS)
def test_a_missing_component_fails_under_ci(helper, required, unavailable, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=required):
        helper.unavailable("not here")


@pytest.mark.parametrize("helper, required, unavailable", HELPERS)
def test_a_missing_component_is_skipped_elsewhere(helper, required, unavailable, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=unavailable):
        helper.unavailable("not here")
