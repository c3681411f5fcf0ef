import pytest

from lei_pipeline.registry import Matcher, load_registry


@pytest.fixture(scope="session")
def reg():
    return load_registry()


@pytest.fixture(scope="session")
def matcher(reg):
    return Matcher(reg)


@pytest.fixture(scope="session")
def lsgu_matcher(reg):
    return Matcher(reg, respondents_only=True)
