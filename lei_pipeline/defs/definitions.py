"""The Dagster code location (workspace.yaml loads `defs` from here), assembled in one place:
the CLI's in-process runs (lei_pipeline.defs.run_waves) build theirs with the same function."""
import dagster as dg

from lei_pipeline.defs.assets.index import composite_index, indicators, wave_change
from lei_pipeline.defs.assets.publish import published_snapshot
from lei_pipeline.defs.assets.quality import quality_suites
from lei_pipeline.defs.assets.sources import SOURCE_ASSETS
from lei_pipeline.defs.assets.survey import clean_responses, raw_responses
from lei_pipeline.defs.assets.uncertainty import wave_uncertainty
from lei_pipeline.defs.jobs import wave_job
from lei_pipeline.defs.resources import default_resources
from lei_pipeline.defs.schedules import changed_exports_schedule
from lei_pipeline.defs.sensors import new_wave_sensor

WAVE_ASSETS = [raw_responses, clean_responses, indicators, composite_index, wave_change, wave_uncertainty,
               published_snapshot]
WAVE_CHECKS = [quality_suites]  # checks that run as steps of their own


def build_definitions(resources: dict | None = None, loggers: dict | None = None) -> dg.Definitions:
    """Every asset, job, sensor and schedule of the pipeline; resources override the defaults
    (tests, another data directory), loggers add to Dagster's (the CLI's progress lines)."""
    return dg.Definitions(
        assets=[*SOURCE_ASSETS, *WAVE_ASSETS],
        asset_checks=WAVE_CHECKS,
        jobs=[wave_job],
        sensors=[new_wave_sensor],
        schedules=[changed_exports_schedule],
        resources={**default_resources(), **(resources or {})},
        loggers=loggers,
    )


defs = build_definitions()
