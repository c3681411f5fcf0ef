import dagster as dg

from lei_pipeline.defs.instance import WAVE_ORDER_TAG

# Every wave-partitioned asset: a run of this job takes one wave from export to published snapshot.
wave_job = dg.define_asset_job(
    "wave_job",
    selection=dg.AssetSelection.groups("survey", "index", "publish"),
    description="One survey wave end to end: read, clean, score, index, change, publish.",
    # The instance's dagster.yaml limits queued runs with this tag to one at a time (wave order).
    tags={WAVE_ORDER_TAG: "wave"},
)
