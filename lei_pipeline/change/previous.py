"""The wave a new wave is compared with: the closest earlier *declared* wave (data/waves.yaml) that
has data, through its latest published snapshot. Never a comparison of wave names.

When that wave has an export but no snapshot yet, or a snapshot older than its export, the change
cannot be computed correctly: the state says so (`blocked`), naming the wave, and the change check
blocks the publish instead of comparing with an older wave or with nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.settings import Settings


@dataclass
class PreviousWave:
    wave: str | None = None              # None: no earlier declared wave has data (first wave)
    version: int | None = None
    manifest: dict = field(default_factory=dict)
    blocked: str | None = None           # why the change cannot be computed now

    @property
    def methodology_version(self) -> str | None:
        v = (self.manifest.get("methodology") or {}).get("version")
        return None if v is None else str(v)

    @property
    def methodology_sha256(self) -> str | None:
        return (self.manifest.get("methodology") or {}).get("sha256")


def previous_wave(settings: Settings, wave: str) -> PreviousWave:
    from lei_pipeline.publish.pointer import latest_version, read_version_manifest
    from lei_pipeline.publish.storage import storage_for
    from lei_pipeline.waves.declared import earlier_declared_waves, export_files, undeclared_message, wave_declaration

    if wave_declaration(settings, wave) is None:
        return PreviousWave(blocked=undeclared_message(settings, wave))
    store = None
    for earlier in earlier_declared_waves(settings, wave):
        exports = export_files(settings.raw_dir / earlier)
        store = store or storage_for(settings)     # the published folder or the bucket
        latest = latest_version(store, earlier)
        if latest is None:
            if exports:
                return PreviousWave(wave=earlier, blocked=(
                    f"previous wave {earlier} has an export ({exports[0].name}) but no published snapshot yet: "
                    f"run `lei run --wave {earlier}` first (`lei run` runs every wave in declared order)"))
            continue                      # declared, but neither export nor snapshot: not run yet
        try:
            manifest = read_version_manifest(store, earlier, latest)
        except (OSError, ValueError) as e:
            return PreviousWave(wave=earlier, blocked=f"previous wave {earlier}: manifest of version {latest} "
                                                      f"unreadable ({e})")
        stale = _stale(manifest, exports)
        if stale:
            return PreviousWave(wave=earlier, version=latest, manifest=manifest, blocked=(
                f"previous wave {earlier}: {stale} its latest snapshot (version {latest}): "
                f"run `lei run --wave {earlier}` first"))
        return PreviousWave(wave=earlier, version=latest, manifest=manifest)
    return PreviousWave()


def _stale(manifest: dict, exports: list) -> str | None:
    """Why the snapshot does not reflect the wave's export now, or None. The export's sha256 in the
    manifest decides when it is there; older manifests fall back to creation time vs the file's mtime."""
    if not exports:
        return None                       # the export was archived away: the snapshot is all there is
    if len(exports) > 1:
        return f"its folder holds {len(exports)} exports, so it is unclear which one produced"
    from lei_pipeline.files import file_sha256

    recorded = (manifest.get("export") or {}).get("sha256")
    if recorded:
        return None if recorded == file_sha256(exports[0]) else f"its export {exports[0].name} differs from the one behind"
    created = manifest.get("created_at")
    try:
        created_at = datetime.fromisoformat(str(created))
    except ValueError:
        return None
    modified = datetime.fromtimestamp(exports[0].stat().st_mtime, tz=created_at.tzinfo)
    # created_at is truncated to the second: allow that second before calling the export newer.
    if modified >= created_at + timedelta(seconds=1):
        return f"its export {exports[0].name} was modified after"
    return None


def previous_scores(settings: Settings, wave: str) -> tuple[str | None, int | None, pd.DataFrame | None]:
    """(previous wave, its version, its published scores); raises LeiError when the change is blocked."""
    from lei_pipeline.publish import load

    prev = previous_wave(settings, wave)
    if prev.blocked:
        raise LeiError(prev.blocked)
    if prev.wave is None:
        return None, None, None
    return prev.wave, prev.version, load("scores", wave=prev.wave, version=prev.version, settings=settings)


def compare_with_previous(settings: Settings, wave: str, prev: PreviousWave, indicators: pd.DataFrame,
                          scores: pd.DataFrame, methodology, questionnaire, registry: pd.DataFrame):
    """The comparable change of `wave` against `prev` (not blocked): the previous wave's published
    indicators when it was scored under the same methodology version, else re-scored from its
    published responses under the current one; if that fails, marked not comparable."""
    from lei_pipeline.change.compare import compare
    from lei_pipeline.methodology import score_matrix
    from lei_pipeline.publish import load
    from lei_pipeline.waves.declared import reference_dates

    if prev.blocked:
        raise LeiError(prev.blocked)
    common = dict(previous_wave=prev.wave, previous_version=prev.version,
                  previous_methodology_version=prev.methodology_version)
    if prev.wave is None:
        return compare(wave, indicators, scores, methodology, registry, **common)
    if prev.methodology_version == str(methodology.version):
        prev_ind = load("indicators", wave=prev.wave, version=prev.version, settings=settings)
        return compare(wave, indicators, scores, methodology, registry, previous_indicators=prev_ind, **common)
    try:
        responses = load("responses", wave=prev.wave, version=prev.version, settings=settings)
        # read as the pipeline reads a wave: registry facts and the wave's reference date
        prev_ind = score_matrix(responses, questionnaire, methodology, registry=registry,
                                    reference_dates=reference_dates(settings))
    except Exception as e:   # noqa: BLE001 - any failure means: not comparable, said so, never mixed
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        prev_scores = load("scores", wave=prev.wave, version=prev.version, settings=settings)
        return compare(wave, indicators, scores, methodology, registry, previous_scores=prev_scores,
                       not_comparable=(f"not comparable: {prev.wave} was published under methodology "
                                       f"{prev.methodology_version} and could not be re-scored under "
                                       f"{methodology.version} ({reason})"), **common)
    return compare(wave, indicators, scores, methodology, registry, previous_indicators=prev_ind,
                   previous_rescored=True, **common)
