"""The snapshot catalog: one row per published snapshot, in SQLite (default) or PostgreSQL."""
from lei_pipeline.publish.catalog.migrate import ensure_catalog

__all__ = ["ensure_catalog"]
