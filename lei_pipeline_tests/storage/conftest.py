"""An S3-compatible object store (SeaweedFS) per test session, and settings whose published data
live in a fresh bucket of it."""
from __future__ import annotations

import os
import uuid

import pytest

from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import write_methodology
from lei_pipeline_tests.support.s3server import ObjectStoreUnavailable, local_server, unavailable

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def s3_server():
    try:
        ctx = local_server()
        server = ctx.__enter__()
    except ObjectStoreUnavailable as e:
        unavailable(str(e))
    try:
        yield server
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture(scope="session")
def s3_bucket(s3_server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def bucket_url(s3_server, s3_bucket, monkeypatch) -> str:
    """s3://<bucket>/<fresh prefix>, with the AWS_* variables of the test server set (so
    subprocesses started by the test inherit them)."""
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    url = f"s3://{s3_bucket}/{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("LEI_STORAGE_URL", url)
    return url


@pytest.fixture
def settings(tmp_path, catalog_url, bucket_url) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings.from_env(data_dir=data, catalog_url=catalog_url, storage_url=bucket_url)


@pytest.fixture
def methodology(tmp_path):
    return write_methodology(tmp_path)
