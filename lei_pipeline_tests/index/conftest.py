"""Fixtures of the index engine tests: the COINr ASEM reference case (copied into the repo)."""
from __future__ import annotations

import pytest

from lei_pipeline.index import build
from lei_pipeline_tests.support.asem import asem_case, load_asem


@pytest.fixture(scope="session")
def asem_inputs():
    return load_asem()


@pytest.fixture(scope="module")
def asem(asem_inputs):
    """(data, framework, method, build keyword arguments) of ASEM."""
    return asem_case(*asem_inputs)


@pytest.fixture(scope="session")
def asem_build(asem_inputs):
    data, fw, method, kw = asem_case(*asem_inputs)
    return build(data, fw, method, **kw)

