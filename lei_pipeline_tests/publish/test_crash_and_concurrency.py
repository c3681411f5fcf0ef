"""Publishes in separate processes: one killed right before the rename, two racing on one wave."""
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
from lei_pipeline_tests.support.snapshot_state import fingerprint, staging_entries

REPO = Path(__file__).resolve().parents[2]


def publisher(settings, methodology, variant, *extra) -> list[str]:
    return [sys.executable, "-m", "lei_pipeline_tests.publish.publisher_proc", str(settings.data_dir),
            settings.catalog_url, str(methodology), str(variant), *extra]


def run(cmd) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_publish_killed_before_rename_leaves_everything_unchanged(settings, methodology):
    first = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    before = fingerprint(settings)
    assert before[0] and before[1]

    crashed = run(publisher(settings, methodology, 1, "--crash-before-rename"))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    leftovers = staging_entries(settings)
    assert leftovers, "the killed publish should have left its staging folder behind"
    assert any((settings.published_dir / n / "scores.parquet").exists() for n in leftovers)  # tables were written
    assert fingerprint(settings) == before
    assert load("scores", wave="2024", settings=settings).equals(load("scores", wave="2024", version=1,
                                                                      settings=settings))

    ok = run(publisher(settings, methodology, 1))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"version": 2, "unchanged": False}
    assert staging_entries(settings) == []  # the stale staging folder was cleaned
    assert list_snapshots(settings)["version"].tolist() == [1, 2]
    assert (first.path / "manifest.json").read_bytes() and first.path.is_dir()


@pytest.mark.parametrize("same_content", [True, False], ids=["same-content", "different-content"])
def test_two_concurrent_publishes(settings, methodology, tmp_path, same_content):
    publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    go = tmp_path / "go"
    procs = [subprocess.Popen(publisher(settings, methodology, 7 if same_content else 7 + i, "--wait-for", str(go)),
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    deadline = time.time() + 60
    while len(list(tmp_path.glob("go.ready-*"))) < 2 and time.time() < deadline:
        time.sleep(0.01)
    go.touch()  # both processes start publishing at the same moment
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    snaps = list_snapshots(settings)
    if same_content:
        assert sorted((r["version"], r["unchanged"]) for r in results) == [(2, False), (2, True)]
        assert snaps["version"].tolist() == [1, 2]
    else:
        assert sorted(r["version"] for r in results) == [2, 3]
        assert not any(r["unchanged"] for r in results)
        assert snaps["version"].tolist() == [1, 2, 3]
    assert snaps["latest"].tolist()[-1]
    versions = sorted(p.name for p in (settings.published_dir / "wave=2024").iterdir() if p.name.startswith("version="))
    assert versions == [f"version={v}" for v in snaps["version"]]
    assert staging_entries(settings) == []
    assert os.listdir(settings.published_dir) == ["wave=2024"]
