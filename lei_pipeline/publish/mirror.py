"""A published snapshot as a local folder, for tools that read files (the report's rebuild):
the version folder itself on disk; from a bucket, a temporary copy with the same layout, holding
the version and the manifest and indicators of the previous version its change was computed
against (the report reads those for the criterion change). The copy's bytes are the published
ones; whoever reads it checks them against the manifest as on disk."""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lei_pipeline.publish import layout
from lei_pipeline.publish.manifest import MANIFEST
from lei_pipeline.publish.storage import Storage, storage_for


def _download(store: Storage, rel: str, root: Path) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.fs.open_input_stream(store.path(rel)) as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return target


def _previous_ref(manifest: dict, folder: Path) -> tuple[str, int] | None:
    from lei_pipeline.report.snapshot import previous_ref

    entry = (manifest.get("tables") or {}).get("change")
    change = None
    if entry and (folder / entry.get("file", "change.parquet")).is_file():
        import pyarrow.parquet as pq

        change = pq.read_table(folder / entry.get("file", "change.parquet")).to_pandas()
    return previous_ref(manifest, change)


@contextmanager
def local_snapshot(settings, wave: str, version: int) -> Iterator[Path]:
    """The folder wave=W/version=N (inside a root laid out like the published one)."""
    store = storage_for(settings)
    rel = layout.relative_path(wave, version)
    if store.local:
        yield Path(store.path(rel))
        return
    with tempfile.TemporaryDirectory(prefix="lei-snapshot-") as tmp:
        root = Path(tmp)
        for name in store.files(rel):
            _download(store, name, root)
        folder = root / rel
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        ref = _previous_ref(manifest, folder)
        if ref is not None:
            prev = layout.relative_path(*ref)
            if store.is_file(f"{prev}/{MANIFEST}"):
                prev_manifest = json.loads(_download(store, f"{prev}/{MANIFEST}", root).read_text(encoding="utf-8"))
                entry = (prev_manifest.get("tables") or {}).get("indicators")
                if entry:
                    _download(store, f"{prev}/{entry.get('file', 'indicators.parquet')}", root)
        yield folder
