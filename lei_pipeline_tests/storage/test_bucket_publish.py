"""Publishing to and reading from a real S3-compatible server (SeaweedFS): the same code as on
disk, through the storage layer. What is in the bucket is checked with the server's own client,
not with the code under test."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lei_pipeline.publish import IntegrityError, list_snapshots, load, load_all, publish_snapshot
from lei_pipeline.publish import integrity
from lei_pipeline_tests.support.s3server import objects
from lei_pipeline_tests.support.sample_tables import build_tables, provenance

REPO = Path(__file__).resolve().parents[2]


def lei(*args: str, tmp_path: Path, settings) -> subprocess.CompletedProcess:
    env = dict(os.environ, LEI_DATA_DIR=str(settings.data_dir), LEI_CATALOG_URL=settings.catalog_url,
               LEI_STORAGE_URL=settings.storage_url)
    return subprocess.run([sys.executable, "-m", "lei_pipeline", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def test_publish_list_load_pull_verify_on_a_bucket(settings, methodology, s3_server, bucket_url, tmp_path):
    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    r2 = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    again = publish_snapshot(settings, "2024", build_tables("2024", variant=1), provenance(methodology), quality=False)
    assert (r1.version, r2.version, again.version, again.unchanged) == (1, 2, 2, True)
    assert str(r2.path) == f"{bucket_url}/wave=2024/version=2"

    stored = objects(s3_server, bucket_url)
    assert stored["wave=2024/LATEST"].strip() == b"2"
    m2 = json.loads(stored["wave=2024/version=2/manifest.json"])
    for name, entry in m2["tables"].items():
        assert hashlib.sha256(stored[f"wave=2024/version=2/{entry['file']}"]).hexdigest() == entry["sha256"]
    assert not settings.published_dir.exists(), "nothing is published on local disk"
    assert not any(k.startswith(".") or "/." in k for k in stored), sorted(stored)   # no staging in the bucket

    listed = list_snapshots(settings)
    assert listed["version"].tolist() == [1, 2] and listed["latest"].tolist() == [False, True]

    v1_bytes = stored["wave=2024/version=1/scores.parquet"]
    pinned = load("scores", wave="2024", version=1, settings=settings)
    assert pinned.equals(pq.read_table(pa.BufferReader(v1_bytes)).to_pandas())
    latest = load("scores", wave=2024, settings=settings)
    assert latest.equals(pq.read_table(pa.BufferReader(stored["wave=2024/version=2/scores.parquet"])).to_pandas())
    assert not latest.equals(pinned)
    everything = load_all("scores", settings=settings, all_versions=True)
    assert sorted(everything["version"].unique().tolist()) == [1, 2]

    out = tmp_path / "scores-v1.parquet"
    r = lei("pull", "scores", "--wave", "2024", "--version", "1", "--out", str(out), tmp_path=tmp_path, settings=settings)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == v1_bytes

    r = lei("snapshots", "verify", tmp_path=tmp_path, settings=settings)
    assert r.returncode == 0 and "2 snapshot(s) intact" in r.stdout, r.stdout + r.stderr
    r = lei("sql", "SELECT version, count(*) AS n FROM scores GROUP BY version", "--csv", tmp_path=tmp_path,
            settings=settings)
    assert r.returncode == 0 and r.stdout.splitlines()[1:] == [f"2,{len(latest)}"], r.stdout + r.stderr
    r = lei("snapshots", "show", "2024", "1", tmp_path=tmp_path, settings=settings)
    assert r.returncode == 0 and f"{bucket_url}/wave=2024/version=1" in r.stdout, r.stdout + r.stderr
    r = lei("snapshots", "diff", "2024", "1", "2", tmp_path=tmp_path, settings=settings)
    assert r.returncode == 0, r.stdout + r.stderr

    # an object modified in the bucket is refused by every reader
    fs = s3_server.filesystem()
    with fs.open_output_stream(f"{bucket_url[5:]}/wave=2024/version=1/scores.parquet") as f:
        f.write(stored["wave=2024/version=2/scores.parquet"])
    integrity.forget()
    with pytest.raises(IntegrityError, match="version=1/scores.parquet"):
        load("scores", wave="2024", version=1, settings=settings)
    r = lei("snapshots", "verify", tmp_path=tmp_path, settings=settings)
    assert r.returncode == 1 and "version=1/scores.parquet" in r.stdout, r.stdout + r.stderr


def test_reindex_rebuilds_the_catalog_from_the_bucket(settings, methodology):
    import sqlalchemy as sa

    from lei_pipeline.publish.catalog import repository
    from lei_pipeline.publish.reindex import reindex

    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    repository.delete_snapshot(settings.catalog_url, "2024", 1)
    r = reindex(settings)
    assert r.added == [("2024", 1)]
    with repository.engine(settings.catalog_url).connect() as conn:
        rows = conn.execute(sa.text("SELECT wave, version, path FROM snapshots")).all()
    assert [tuple(x) for x in rows] == [("2024", 1, "wave=2024/version=1")]


def test_methodology_version_memory_reads_the_bucket(settings, methodology, s3_server, bucket_url):
    """A methodology whose content changed under the same version is refused when the snapshot that
    used the old content lives in the bucket (nothing on local disk to remember it by)."""
    from types import SimpleNamespace

    from lei_pipeline.errors import LeiError
    from lei_pipeline.methodology.versions import check_methodology_version, published_methodology_hashes

    prov = provenance(methodology)
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), prov, quality=False)
    assert not settings.published_dir.exists()
    assert published_methodology_hashes(settings) == {"1.0.0": {prov["methodology_sha256"]: "wave 2024 version 1"}}
    same = SimpleNamespace(version="1.0.0", sha256=prov["methodology_sha256"], path=methodology)
    check_methodology_version(settings, same)   # the content it was published with: fine
    edited = SimpleNamespace(version="1.0.0", sha256="0" * 64, path=methodology)
    with pytest.raises(LeiError, match="content changed but its version is still 1.0.0"):
        check_methodology_version(settings, edited)
