"""The wave's quality gate: the Great Expectations suites on the four tables about to be
published (responses, indicators, scores, change) and the methodology's weights, run once per
run into a report that publish_snapshot then copies into the snapshot (so a check and a publish
can never disagree about what "passes" means, and GE does not run twice)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def methodology_weights(methodology) -> dict[str, dict[str, float]]:
    """Weights of each aggregate's children, as declared (the suite checks they sum to 1)."""
    groups: dict[str, dict[str, float]] = {}
    for node in methodology.framework().nodes:
        if node.parent and node.level > 1:
            groups.setdefault(node.parent, {})[node.code] = float(node.weight)
    return groups


def quality_report(folder: Path, tables: dict[str, pd.DataFrame], methodology):
    """Run the suites into folder (in the GE worker if `lei run` started one); returns the
    QualityReport (suites, Data Docs, row counts)."""
    from lei_pipeline.worker import write_report

    return write_report(folder, tables, methodology_weights(methodology))
