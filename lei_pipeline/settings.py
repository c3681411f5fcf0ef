"""One settings object for every layer. Dagster resources and the CLI both build it from here;
nothing else reads environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / "data"   # the embedded default: the repository's own data/


def sqlite_url(path: Path) -> str:
    """sqlite:/// URL of a file path. '?' would start the URL's query and '%20' would be decoded,
    moving the database elsewhere: both are percent-encoded."""
    from urllib.parse import quote

    return f"sqlite:///{quote(str(path), safe='/')}"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    catalog_url: str
    # where snapshots are published (LEI_STORAGE_URL): None = the local published folder,
    # or s3://bucket/prefix (endpoint and credentials from the standard AWS_* variables)
    storage_url: str | None = None
    # the registry of local governments (LEI_REGISTRY_FILE): None = reference/registry.csv in the
    # data directory; another file for a synthetic registry (lei sample) or another country's
    registry_file: Path | None = None

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def published_dir(self) -> Path:
        """The local published folder (a local LEI_STORAGE_URL replaces it; on a bucket, unused)."""
        if self.storage_url and not self.storage_url.startswith("s3://"):
            local = self.storage_url[len("file://"):] if self.storage_url.startswith("file://") else self.storage_url
            return Path(local).resolve()
        return self.data_dir / "published"

    @property
    def work_dir(self) -> Path:
        """Working files of runs (quality reports waiting for their publish); never published."""
        return self.data_dir / "work"

    @property
    def waves_path(self) -> Path:
        """The declared waves, in order (data/waves.yaml)."""
        return self.data_dir / "waves.yaml"

    @property
    def questionnaire_path(self) -> Path:
        return self.data_dir / "questionnaire" / "lei-questionnaire.yaml"

    @property
    def methodology_path(self) -> Path:
        return self.data_dir / "methodology" / "lei-v2.yaml"

    @property
    def registry_path(self) -> Path:
        return self.registry_file or self.data_dir / "reference" / "registry.csv"

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None, catalog_url: str | None = None,
                 storage_url: str | None = None, registry_file: str | os.PathLike | None = None) -> "Settings":
        d = Path(data_dir or os.environ.get("LEI_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        url = catalog_url or os.environ.get("LEI_CATALOG_URL") or sqlite_url(d / "catalog.sqlite")
        storage = storage_url or os.environ.get("LEI_STORAGE_URL") or None
        registry = registry_file or os.environ.get("LEI_REGISTRY_FILE") or None
        return cls(data_dir=d, catalog_url=url, storage_url=storage,
                   registry_file=Path(registry).resolve() if registry else None)
