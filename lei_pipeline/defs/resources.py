from __future__ import annotations

import os
from functools import lru_cache

import dagster as dg

from lei_pipeline.defs.io_manager import FrameIOManager
from lei_pipeline.settings import DEFAULT_DATA_DIR, Settings


class LeiSettings(dg.ConfigurableResource):
    """Paths and catalog URL. Embedded defaults (data/ in the repo, SQLite catalog) need nothing
    installed; LEI_DATA_DIR and LEI_CATALOG_URL override them."""

    data_dir: str = str(DEFAULT_DATA_DIR)
    catalog_url: str | None = None

    def settings(self) -> Settings:
        return Settings.from_env(data_dir=self.data_dir, catalog_url=self.catalog_url or None)


class SurveyInputs(dg.ConfigurableResource):
    """The versioned inputs every wave is read and scored against (questionnaire, methodology,
    registry). Loaded once per process: the registry matcher is costly to build."""

    data_dir: str = str(DEFAULT_DATA_DIR)

    def get(self):
        return _load_inputs_cached(self.data_dir)


@lru_cache(maxsize=4)
def _load_inputs_cached(data_dir: str):
    from lei_pipeline.waves.inputs import load_inputs

    return load_inputs(Settings.from_env(data_dir=data_dir))


def default_resources() -> dict:
    # EnvVar keeps the value out of the run config shown in the UI and re-reads it per run.
    data_dir = dg.EnvVar("LEI_DATA_DIR") if os.environ.get("LEI_DATA_DIR") else str(DEFAULT_DATA_DIR)
    catalog = dg.EnvVar("LEI_CATALOG_URL") if os.environ.get("LEI_CATALOG_URL") else None
    return {
        "lei": LeiSettings(data_dir=data_dir, catalog_url=catalog),
        "survey_inputs": SurveyInputs(data_dir=data_dir),
        "io_manager": FrameIOManager(),
    }
