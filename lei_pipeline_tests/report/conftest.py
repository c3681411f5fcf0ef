from __future__ import annotations

import pytest

from lei_pipeline_tests.support.snapshots import publish_sample_waves


@pytest.fixture(scope="package")
def published(tmp_path_factory):
    """Waves 2022 and 2024 of the sample published for real (2024 has a change table), with a
    hostile unit name and answer; returns (settings, {wave: PublishResult})."""
    return publish_sample_waves(tmp_path_factory.mktemp("report"), ["2022", "2024"])


@pytest.fixture(scope="package")
def snapshot_2024(published):
    return published[1]["2024"].path
