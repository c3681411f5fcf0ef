"""Publishing: immutable versioned Parquet snapshots per wave, a SQL catalog (Alembic-managed),
Great Expectations quality suites, and readers for analysts.

    from lei_pipeline.publish import publish_snapshot, load, load_all, list_snapshots
"""
from lei_pipeline.publish.catalog.migrate import ensure_catalog
from lei_pipeline.publish.integrity import IntegrityError
from lei_pipeline.publish.load import (known_waves, list_snapshots, load, load_all, resolve_snapshot,
                                       snapshot_manifest, table_path)
from lei_pipeline.publish.names import validate_version, validate_wave_name
from lei_pipeline.publish.snapshot import PublishResult, publish_snapshot

__all__ = [
    "PublishResult", "publish_snapshot", "load", "load_all", "list_snapshots", "IntegrityError", "known_waves", "resolve_snapshot",
    "snapshot_manifest", "table_path", "ensure_catalog", "validate_wave_name", "validate_version",
    "run_quality_suites", "SuiteResult",
]


def __getattr__(name: str):
    # quality is cheap to import, but keep great_expectations out of `import lei_pipeline.publish`
    if name in ("run_quality_suites", "SuiteResult"):
        from lei_pipeline.publish import quality

        return getattr(quality, name)
    raise AttributeError(name)
