"""wave_uncertainty in the graph: its checks, its tables in the snapshot with the seed in the
manifest, an identical re-run that publishes nothing new, and `lei uncertainty` on the snapshot."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import dagster as dg
import pandas as pd
import numpy as np
import pytest

from lei_pipeline.defs.assets.sources import SOURCE_ASSETS
from lei_pipeline.defs.definitions import WAVE_ASSETS, WAVE_CHECKS
from lei_pipeline.defs.io_manager import FrameIOManager
from lei_pipeline.publish import load
from lei_pipeline.settings import Settings

WAVE = "2022"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from lei_pipeline.defs.resources import LeiSettings, SurveyInputs
    from lei_pipeline_tests.support.project_data import copy_data_dir

    data_dir = copy_data_dir(tmp_path_factory.mktemp("unc") / "data", [WAVE])
    resources = {"lei": LeiSettings(data_dir=str(data_dir)), "survey_inputs": SurveyInputs(data_dir=str(data_dir)),
                 "io_manager": FrameIOManager()}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        runs = [dg.materialize([*SOURCE_ASSETS, *WAVE_ASSETS, *WAVE_CHECKS], selection=WAVE_ASSETS, instance=instance,
                               partition_key=WAVE, resources=resources, raise_on_error=False) for _ in range(2)]
        yield runs, Settings.from_env(data_dir=data_dir), data_dir


def test_checks_pass_and_the_ui_shows_the_widest_bands(published):
    (first, _), _, _ = published
    assert first.success
    checks = {e.check_name: e for e in first.get_asset_check_evaluations() if e.asset_key.path[-1] == "wave_uncertainty"}
    assert set(checks) == {"uncertainty_schema", "nominal_matches_index", "nominal_ranks_match", "nominal_rank_in_band"}
    assert all(c.passed for c in checks.values())
    meta = first.asset_materializations_for_node("wave_uncertainty")[0].metadata
    assert "| unit\\_name" in meta["widest_rank_bands"].value and meta["seed"].value == 20261128
    assert "reading:blank" in meta["sobol_indices"].value


def test_tables_are_published_with_the_seed_and_an_identical_rerun_adds_nothing(published):
    (first, second), settings, _ = published
    folders = sorted((settings.published_dir / f"wave={WAVE}").glob("version=*"))
    assert [f.name for f in folders] == ["version=1"]  # the second run: same seed, same bytes, unchanged
    assert second.asset_materializations_for_node("published_snapshot")[0].metadata["unchanged"].value is True
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert {"uncertainty", "sensitivity", "replications"} <= set(manifest["tables"])
    assert manifest["uncertainty"]["seed"] == 20261128 and manifest["uncertainty"]["replications"] == 1000
    unit = load("uncertainty", wave=WAVE, settings=settings)
    scores = load("scores", wave=WAVE, settings=settings).set_index("unit_code")
    assert len(unit) == len(scores)
    np.testing.assert_array_equal(unit.set_index("unit_code")["nominal_rank"].to_numpy(),   # unranked: NaN on both
                                  scores["rank"].astype(float).reindex(unit["unit_code"]).to_numpy())
    reps = load("replications", wave=WAVE, settings=settings)
    assert len(reps) == 1000 and (reps["seed"] == 20261128).all()


def lei(env, *args):
    exe = os.path.join(os.path.dirname(sys.executable), "lei")
    return subprocess.run([exe, *map(str, args)], env=env, capture_output=True, text=True, timeout=600)


def test_cli_reads_the_snapshot_and_names_the_units_crossing_a_border(published, tmp_path):
    _, settings, data_dir = published
    env = {**os.environ, "LEI_DATA_DIR": str(data_dir), "NO_COLOR": "1"}
    env.pop("LEI_CATALOG_URL", None)
    spec = tmp_path / "small-uncertainty.yaml"  # a small spec keeps the test short
    spec.write_text("replications: 100\nseed: 3\nweights: {noise: {2: 0.3, 3: 0.3}}\n"
                    "alternatives: {eligibility: [0, 0.9]}\nreadings: {dont_know: [zero, missing]}\n"
                    "sensitivity: {n: 20}\n")
    out = tmp_path / "u.csv"
    r = lei(env, "uncertainty", "--wave", WAVE, "--replications", 300, "--seed", 9, "--spec", spec, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "300 replications, seed 9" in r.stdout
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit_code": str})
    crossing = table[table["crosses_category_border"]]
    assert f"{len(crossing)} of {len(table)} units have a 5-95 % score interval crossing a category border" in r.stdout
    named = re.findall(r"^    .+ \(([^()]+)\): LEI ", r.stdout, flags=re.M)
    assert 0 < len(named) == min(20, len(crossing)) and set(named) <= set(crossing["unit_code"])
    if len(crossing) > 20:
        assert f"... and {len(crossing) - 20} more" in r.stdout
    assert "Traceback" not in r.stderr
    bad = lei(env, "uncertainty", "--wave", "1999")
    assert bad.returncode == 2 and "unknown wave '1999'" in bad.stderr
