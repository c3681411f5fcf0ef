"""lei-pipeline: municipal e-government survey exports to a versioned composite index.

For analysts: `lei_pipeline.load("scores", wave="2025")` returns the latest published table of a
wave as a DataFrame (`wave=2025` works too); `version=3` pins a snapshot.
`lei_pipeline.load_all("scores")` returns the latest version of every wave, with `wave` and
`version` columns. Every file read is checked against its manifest's sha256."""

__all__ = ["load", "load_all"]


def load(table: str, wave, version="latest", settings=None):
    # Imported on use so `import lei_pipeline` stays cheap for the CLI and Dagster.
    from lei_pipeline.publish.load import load as _load

    return _load(table, wave=wave, version=version, settings=settings)


def load_all(table: str, settings=None, all_versions: bool = False):
    from lei_pipeline.publish.load import load_all as _load_all

    return _load_all(table, settings=settings, all_versions=all_versions)
