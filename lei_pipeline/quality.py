"""The publishing quality suites as check failures: one row per failed expectation, the same
suites publish_snapshot runs again on the staged snapshot (so a check and a publish can never
disagree about what "passes" means)."""
from __future__ import annotations

import pandas as pd


def methodology_weights(methodology) -> dict[str, dict[str, float]]:
    """Weights of each aggregate's children, as declared (the suite checks they sum to 1)."""
    groups: dict[str, dict[str, float]] = {}
    for node in methodology.framework().nodes:
        if node.parent and node.level > 1:
            groups.setdefault(node.parent, {})[node.code] = float(node.weight)
    return groups


def quality_failures(tables: dict[str, pd.DataFrame], methodology) -> pd.DataFrame:
    from lei_pipeline.publish.quality import run_quality_suites

    rows = []
    for suite in run_quality_suites(tables, docs_dir=None, weights=methodology_weights(methodology)):
        for f in suite.failures:
            rows.append({"suite": suite.name, "table": suite.table, "expectation": f.get("expectation"),
                         "column": f.get("column"), "examples": str(f.get("examples", ""))[:200],
                         "unit_codes": str(f.get("unit_codes", ""))[:200]})
    return pd.DataFrame(rows, columns=["suite", "table", "expectation", "column", "examples", "unit_codes"])
