"""The same export from two checkouts (two data folders at different paths) gives byte-identical
tables: the second publish says "unchanged". The snapshot records its export (file relative to
the wave folder, sha256, format, rows read) and holds no local path."""
import json
import shutil

import dagster as dg
import pyarrow.parquet as pq

from lei_pipeline.defs.assets.sources import SOURCE_ASSETS
from lei_pipeline.defs.definitions import WAVE_ASSETS, WAVE_CHECKS
from lei_pipeline.defs.io_manager import FrameIOManager
from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
from lei_pipeline.files import file_sha256
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.project_data import copy_data_dir, export_of

WAVE = "2022"  # the first sample wave: its change table needs no earlier wave


def _publish(data_dir):
    resources = {"lei": LeiSettings(data_dir=str(data_dir)), "survey_inputs": SurveyInputs(data_dir=str(data_dir)),
                 "io_manager": FrameIOManager()}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        res = dg.materialize([*SOURCE_ASSETS, *WAVE_ASSETS, *WAVE_CHECKS], selection=WAVE_ASSETS, instance=instance,
                             partition_key=WAVE, resources=resources, raise_on_error=False)
        assert res.success
        return res.asset_materializations_for_node("published_snapshot")[0].metadata


def test_same_export_from_two_checkouts_is_unchanged(tmp_path):
    first = copy_data_dir(tmp_path / "checkout-a" / "data", waves=[WAVE])
    meta = _publish(first)
    assert (meta["version"].value, meta["unchanged"].value) == (1, False)
    folder = first / "published" / f"wave={WAVE}" / "version=1"
    manifest = json.loads((folder / "manifest.json").read_text())
    export = export_of(first, WAVE)
    rows_read = pq.read_table(folder / "responses.parquet").num_rows
    assert manifest["export"]["file"] == export.name and manifest["export"]["sha256"] == file_sha256(export)
    assert manifest["export"]["format"] in ("limesurvey", "xlsx", "excel-csv")
    assert manifest["export"]["rows_read"] >= rows_read > 100
    for path in folder.iterdir():
        if path.suffix in (".parquet", ".json"):
            assert str(tmp_path).encode() not in path.read_bytes(), path.name
    responses = pq.read_table(folder / "responses.parquet", columns=["source_file"]).column(0).to_pylist()
    assert set(responses) == {export.name}

    # another checkout at another path: the same inputs, a copy of what was published
    second = tmp_path / "elsewhere" / "checkout-b" / "data"
    shutil.copytree(first, second)
    meta = _publish(second)
    assert (meta["version"].value, meta["unchanged"].value) == (1, True)
    assert sorted(p.name for p in (second / "published" / f"wave={WAVE}").iterdir() if p.name.startswith("version")) \
        == ["version=1"]
    assert Settings.from_env(data_dir=second).published_dir.is_dir()
