"""`lei snapshots gc` on local disk: removes version folders without a manifest (what a killed
publish or a half-restored backup leaves), never a visible version."""
from __future__ import annotations

import hashlib
import shutil

from lei_pipeline.publish import list_snapshots, publish_snapshot
from lei_pipeline.publish.gc import collect_garbage
from lei_pipeline_tests.support.sample_tables import build_tables, provenance


def _digest(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_gc_removes_folders_without_manifest_and_keeps_versions(settings, methodology):
    r1 = publish_snapshot(settings, "2024", build_tables("2024", variant=0), provenance(methodology), quality=False)
    before = _digest(r1.path)
    orphan = r1.path.parent / "version=2"
    orphan.mkdir()
    shutil.copyfile(r1.path / "scores.parquet", orphan / "scores.parquet")

    dry = collect_garbage(settings, dry_run=True)
    assert [(o.wave, o.version, o.objects) for o in dry.orphans] == [("2024", 2, ["wave=2024/version=2/scores.parquet"])]
    assert orphan.exists()
    done = collect_garbage(settings)
    assert [(o.wave, o.version) for o in done.orphans] == [("2024", 2)]
    assert not orphan.exists() and _digest(r1.path) == before
    assert list_snapshots(settings)["version"].tolist() == [1]
    assert collect_garbage(settings).orphans == []
