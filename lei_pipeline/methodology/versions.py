"""An honest methodology version: a methodology file whose content changed while its `version`
stayed the same is refused before anything is scored with it.

The memory of which content each version had comes from the published snapshots themselves (each
manifest.json records the methodology's version and sha256), so it survives a lost or rebuilt
catalog and needs no state of its own."""
from __future__ import annotations

from lei_pipeline.errors import LeiError
from lei_pipeline.settings import Settings


def published_methodology_hashes(settings: Settings) -> dict[str, dict[str, str]]:
    """methodology version -> {sha256: the first snapshot that used it ("wave 2024 version 1")}.
    Read through the snapshot storage (a folder or a bucket), so the memory is the same on both."""
    from lei_pipeline.publish.scan import wave_names, wave_snapshots
    from lei_pipeline.publish.storage import storage_for

    store = storage_for(settings)
    out: dict[str, dict[str, str]] = {}
    for wave in wave_names(store):
        for snap in wave_snapshots(store, wave):   # an unreadable manifest is the catalog's business
            entry = snap.manifest.get("methodology") or {}
            if entry.get("version") is None or not entry.get("sha256"):
                continue
            out.setdefault(str(entry["version"]), {}).setdefault(str(entry["sha256"]),
                                                                  f"wave {wave} version {snap.version}")
    return out


def check_methodology_version(settings: Settings, methodology=None) -> None:
    """Raise LeiError when the methodology's version was published with other content."""
    from lei_pipeline.methodology import load_methodology

    m = methodology if methodology is not None else load_methodology(settings.methodology_path)
    seen = published_methodology_hashes(settings).get(str(m.version))
    if not seen or m.sha256 in seen:
        return
    sha, where = next(iter(seen.items()))
    name = m.path.name if getattr(m, "path", None) else "the methodology file"
    raise LeiError(
        f"{name}: its content changed but its version is still {m.version} ({where} was published under "
        f"version {m.version} with sha256 {sha[:12]}, this file has {m.sha256[:12]}): raise `version` in {name} "
        f"so the snapshots and change tables can tell the two methodologies apart")
