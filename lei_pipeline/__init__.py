"""lei-pipeline: municipal e-government survey exports to a versioned composite index.

For analysts: `lei_pipeline.load("scores", wave="2025")` returns the latest published table of a
wave as a DataFrame; `version=3` pins a snapshot."""

__all__ = ["load"]


def load(table: str, wave: str, version="latest", settings=None):
    # Imported on use so `import lei_pipeline` stays cheap for the CLI and Dagster.
    from lei_pipeline.publish.load import load as _load

    return _load(table, wave=wave, version=version, settings=settings)
