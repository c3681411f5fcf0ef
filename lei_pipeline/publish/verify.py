"""`lei snapshots verify`: every published file against its manifest, and every version folder
that is not a valid snapshot."""
from __future__ import annotations

from dataclasses import dataclass, field

from lei_pipeline.publish import scan
from lei_pipeline.publish.integrity import snapshot_problems
from lei_pipeline.publish.load import _resolve, _wave_name
from lei_pipeline.publish.names import LATEST
from lei_pipeline.publish.storage import storage_for
from lei_pipeline.settings import Settings


@dataclass
class Verification:
    checked: list[tuple[str, int, int]] = field(default_factory=list)   # wave, version, files checked
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(settings: Settings, wave: object | None = None, version: int | str | None = None) -> Verification:
    """Hash every file each manifest lists (tables, methodology copy). wave/version narrow it;
    folders without a valid manifest count as problems when the whole wave is checked."""
    result = Verification()
    pub = storage_for(settings)
    if wave is not None and version is not None:
        snapshots = [_resolve(settings, wave, version)]
    else:
        waves = [_wave_name(wave)] if wave is not None else scan.wave_names(pub)
        if wave is not None:
            _resolve(settings, wave, LATEST)  # unknown wave: the usual message naming what exists
        snapshots = [s for w in waves for s in scan.wave_snapshots(pub, w, result.problems)]
    for snap in snapshots:
        problems = snapshot_problems(snap)
        files = len(snap.manifest.get("tables", {})) + (1 if (snap.manifest.get("methodology") or {}).get("file") else 0)
        result.checked.append((snap.wave, snap.version, files))
        result.problems.extend(problems)
    return result
