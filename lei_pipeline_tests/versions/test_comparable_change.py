"""Change you can compare: one methodology on both sides and only the indicators both waves share."""
from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import yaml

from lei_pipeline.change.compare import compare
from lei_pipeline.methodology import compose_index, load_methodology
from lei_pipeline.publish import load
from lei_pipeline.registry import load_registry
from lei_pipeline.settings import REPO_ROOT, Settings
from lei_pipeline_tests.support.project_data import copy_data_dir


def _indicators(wave: str, units: list[str], codes: list[str], value) -> pd.DataFrame:
    rows = [{"wave": wave, "unit_code": u, "indicator": c, "value": float(value(i, c)), "trace": "test"}
            for i, u in enumerate(units) for c in codes]
    return pd.DataFrame(rows)


def test_an_indicator_added_in_the_new_wave_is_no_change_of_the_units():
    """Same answers to every shared criterion, one new criterion everybody fulfils: the published
    LEI rises, the comparable change is zero for every unit."""
    m = load_methodology(REPO_ROOT / "data" / "methodology" / "lei-v1.yaml")
    registry = load_registry(REPO_ROOT / "data" / "reference" / "registry.csv")
    units = sorted(registry["unit_code"].astype(str))[:6]
    codes = [i.code for i in m.indicators]
    new = codes[0]
    value = lambda i, c: (10 * i + 7 * len(c)) % 100          # noqa: E731 - any fixed values per unit
    prev_ind = _indicators("2025", units, [c for c in codes if c != new], value)
    cur_ind = pd.concat([_indicators("2026", units, [c for c in codes if c != new], value),
                         _indicators("2026", units, [new], lambda i, c: 100)], ignore_index=True)
    cur_scores = compose_index(cur_ind, registry, m)
    naive = cur_scores.set_index("unit_code")["lei"] - compose_index(prev_ind, registry, m).set_index("unit_code")["lei"]
    assert (naive.abs() > 0.01).all()                        # what a plain difference would report

    c = compare("2026", cur_ind, cur_scores, m, registry, previous_wave="2025", previous_version=1,
                previous_indicators=prev_ind, previous_methodology_version=str(m.version))
    assert c.only_in_wave == [new] and c.only_in_previous == [] and len(c.indicators_compared) == len(codes) - 1
    assert sorted(c.frame["unit_code"]) == units
    change_cols = [col for col in c.frame if col.endswith("_change") and col != "rank_change"]
    assert len(change_cols) == 1 + len(m.pillar_codes) + len(m.component_codes)
    assert np.allclose(c.frame[change_cols].to_numpy(dtype=float), 0.0)
    assert (c.frame["rank_change"] == 0).all() and c.frame["comparable"].all()
    assert set(c.frame["indicators_compared"]) == {len(codes) - 1}
    meta = c.metadata()
    assert meta["indicators_only_in_wave"] == [new] and meta["methodology_version"] == str(m.version)


def _run(instance, data, wave):
    from lei_pipeline.defs.io_manager import FrameIOManager
    from lei_pipeline.defs.resources import LeiSettings, SurveyInputs, _load_inputs_cached
    from lei_pipeline.defs.run_waves import materialize_wave

    _load_inputs_cached.cache_clear()                        # the methodology file changes between runs
    run = materialize_wave(instance, wave, {"lei": LeiSettings(data_dir=str(data)),
                                            "survey_inputs": SurveyInputs(data_dir=str(data)),
                                            "io_manager": FrameIOManager()})
    assert run.success and run.published_version, (wave, run.error, run.failed_blocking)
    return run


def _new_methodology(data, version: str) -> None:
    path = Settings.from_env(data_dir=data).methodology_path   # the methodology in force
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["version"] = version
    first = raw["pillars"][0]["components"]
    first[0]["weight"], first[1]["weight"] = 0.8, 0.2        # infrastructure counts more
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.slow
def test_a_new_methodology_rescores_the_previous_wave_from_its_published_responses(tmp_path):
    data = copy_data_dir(tmp_path / "data", waves=["2022", "2024"])
    settings = Settings.from_env(data_dir=data)
    with dg.instance_for_test() as instance:
        for wave in ("2022", "2024"):
            _run(instance, data, wave)
        _new_methodology(data, "2.1.0")
        rescored_run = _run(instance, data, "2024")
        rescored = load("change", wave="2024", version=rescored_run.published_version, settings=settings)
        assert set(rescored["methodology_version"]) == {"2.1.0"}
        assert set(rescored["previous_methodology_version"]) == {"2.0.0"}
        before = load("change", wave="2024", version=1, settings=settings).set_index("unit_code")
        # Re-scored under 2.1.0, not the 2022 values computed under 2.0.0 (the weights differ).
        now = rescored.set_index("unit_code")
        assert not np.allclose(now["key_enablers_previous"], before.loc[now.index, "key_enablers_previous"])

        # The same comparison the long way: 2022 re-run from its export under 2.1.0, then 2024 again.
        _run(instance, data, "2022")
        direct_run = _run(instance, data, "2024")
        direct = load("change", wave="2024", version=direct_run.published_version, settings=settings)
        assert set(direct["previous_methodology_version"]) == {"2.1.0"}
    value_cols = [c for c in direct if c.endswith(("_previous", "_change")) or c in ("lei", "rank")]
    pd.testing.assert_frame_equal(rescored[["unit_code", *value_cols]], direct[["unit_code", *value_cols]],
                                  check_dtype=False, rtol=1e-9)
