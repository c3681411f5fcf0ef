"""The wave a new wave is compared with: the latest published snapshot of the closest earlier wave."""
from __future__ import annotations

import pandas as pd

from lei_pipeline.settings import Settings


def previous_scores(settings: Settings, wave: str) -> tuple[str | None, int | None, pd.DataFrame | None]:
    from lei_pipeline.publish import list_snapshots, load

    snaps = list_snapshots(settings)
    if snaps is None or len(snaps) == 0:
        return None, None, None
    earlier = sorted({str(w) for w in snaps["wave"]} - {wave})
    earlier = [w for w in earlier if w < wave]
    if not earlier:
        return None, None, None
    prev = earlier[-1]
    versions = snaps.loc[snaps["wave"].astype(str) == prev, "version"]
    version = int(max(versions))
    return prev, version, load("scores", wave=prev, version="latest", settings=settings)
