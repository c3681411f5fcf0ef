"""Reading a wave: the report (one self-contained HTML file with a profile per local government),
the XLSX workbook and the Frictionless data dictionary, all built only from a published snapshot.

    from lei_pipeline.report import load_snapshot, build_artifacts
    data = load_snapshot(Path("data/published/wave=2024/version=1"))
    files = build_artifacts(data)            # {"report.html": b"...", "workbook.xlsx": ..., ...}

Pure: no Dagster, no Great Expectations. The same snapshot always gives the same bytes."""
from lei_pipeline.report.artifacts import (ARTIFACTS, build_artifacts, rebuild,
                                           write_reading_artifacts)
from lei_pipeline.report.snapshot import READING_KEY, SnapshotData, load_snapshot

__all__ = ["ARTIFACTS", "READING_KEY", "SnapshotData", "build_artifacts", "load_snapshot", "rebuild",
           "write_reading_artifacts"]
