"""The one step that differs between a disk and a bucket: making a finished version visible.

On disk the complete staging folder (manifest included) is renamed onto wave=W/version=N: one
atomic step. A bucket has no rename, so every other object is uploaded first and manifest.json
last: readers (publish.scan) see a version only once its manifest exists, and a publisher that
dies before that leaves orphans without a manifest (`lei snapshots gc` removes them)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from lei_pipeline.publish import layout
from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.publish.storage import Storage


def make_visible(store: Storage, staging: Path, wave: str, version: int, before: Callable[[], None]) -> None:
    """Publish the staging folder (its manifest.json already written) as wave/version.
    before() runs right before the step that makes it visible (the crash tests' seam)."""
    rel = layout.relative_path(wave, version)
    if store.local:
        layout.fsync_dir(staging)
        before()
        staging.rename(Path(store.path(rel)))
        return
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p != staging / MANIFEST)
    for path in files:
        store.put_file(path, f"{rel}/{path.relative_to(staging).as_posix()}")
    before()
    store.put_file(staging / MANIFEST, f"{rel}/{MANIFEST}")
