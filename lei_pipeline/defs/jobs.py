import dagster as dg

# Every wave-partitioned asset: a run of this job takes one wave from export to published snapshot.
wave_job = dg.define_asset_job(
    "wave_job",
    selection=dg.AssetSelection.groups("survey", "index", "publish"),
    description="One survey wave end to end: read, clean, score, index, change, publish.",
)
