"""On a bucket there is no atomic rename: a publisher killed between its tables and its manifest
must leave nothing visible, `lei snapshots gc` must remove what it left, and two publishers of
one wave (separate processes sharing only the bucket and the catalog) end with one new version."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lei_pipeline.publish import list_snapshots, load, publish_snapshot
from lei_pipeline_tests.support.sample_tables import build_tables, provenance
from lei_pipeline_tests.support.s3server import objects

REPO = Path(__file__).resolve().parents[2]


def publisher(settings, methodology, variant, *extra) -> list[str]:
    return [sys.executable, "-m", "lei_pipeline_tests.publish.publisher_proc", str(settings.data_dir),
            settings.catalog_url, str(methodology), str(variant), *extra]


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, **kw)


def test_publisher_killed_before_its_manifest_leaves_nothing_visible(settings, methodology, s3_server, bucket_url):
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    before = objects(s3_server, bucket_url)

    crashed = run(publisher(settings, methodology, 1, "--crash-before-rename"))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    after = objects(s3_server, bucket_url)
    orphans = sorted(set(after) - set(before))
    assert orphans and all(k.startswith("wave=2024/version=2/") for k in orphans), orphans
    assert "wave=2024/version=2/scores.parquet" in orphans             # the tables were uploaded ...
    assert "wave=2024/version=2/manifest.json" not in orphans          # ... the manifest was not
    assert {k: after[k] for k in before} == before                     # LATEST and version 1 untouched
    assert list_snapshots(settings)["version"].tolist() == [1]
    assert load("scores", wave="2024", settings=settings).equals(
        load("scores", wave="2024", version=1, settings=settings))

    env = dict(os.environ, LEI_DATA_DIR=str(settings.data_dir), LEI_CATALOG_URL=settings.catalog_url)
    dry = run([sys.executable, "-m", "lei_pipeline", "snapshots", "gc", "--dry-run"], env=env)
    assert dry.returncode == 0 and "would remove orphan wave 2024 version 2" in dry.stdout, dry.stdout + dry.stderr
    assert objects(s3_server, bucket_url) == after
    gc = run([sys.executable, "-m", "lei_pipeline", "snapshots", "gc"], env=env)
    assert gc.returncode == 0 and "removed orphan wave 2024 version 2" in gc.stdout, gc.stdout + gc.stderr
    assert objects(s3_server, bucket_url) == before                    # exactly the orphans went

    ok = run(publisher(settings, methodology, 1))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"version": 2, "unchanged": False}
    final = objects(s3_server, bucket_url)
    assert final["wave=2024/LATEST"].strip() == b"2" and "wave=2024/version=2/manifest.json" in final
    assert list_snapshots(settings)["version"].tolist() == [1, 2]


def test_gc_never_touches_a_visible_version(settings, methodology, s3_server, bucket_url):
    from lei_pipeline.publish.gc import collect_garbage

    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    before = objects(s3_server, bucket_url)
    r = collect_garbage(settings)
    assert r.orphans == [] and objects(s3_server, bucket_url) == before


@pytest.mark.parametrize("same_content", [True, False], ids=["same-content", "different-content"])
def test_two_concurrent_publishers_of_one_wave(settings, methodology, tmp_path, s3_server, bucket_url, same_content):
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    go = tmp_path / "go"
    procs = [subprocess.Popen(publisher(settings, methodology, 7 if same_content else 7 + i, "--wait-for", str(go)),
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    results = sorted((json.loads(o[0])["version"], json.loads(o[0])["unchanged"]) for o in outs)
    stored = objects(s3_server, bucket_url)
    versions = list_snapshots(settings)["version"].tolist()
    if same_content:
        assert results == [(2, False), (2, True)]
        assert versions == [1, 2]
        assert stored["wave=2024/LATEST"].strip() == b"2"
    else:
        assert results == [(2, False), (3, False)]
        assert versions == [1, 2, 3]
        assert stored["wave=2024/LATEST"].strip() == b"3"
    assert not any(k.startswith("wave=2024/version=4") for k in stored)
