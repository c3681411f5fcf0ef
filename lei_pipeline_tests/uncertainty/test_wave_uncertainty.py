"""A wave's uncertainty analysis: the spec file beside the methodology, answer readings re-scored
by the v1 scorer, and the three publishable tables (contracts, reproducibility, nominal = published)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.index.uncertainty_spec import SensitivitySpec
from lei_pipeline.schemas import Replications, Sensitivity, UnitUncertainty, validate_table
from lei_pipeline.uncertainty import analyse_wave, border_crossers, load_spec, rescorer, spec_path
from lei_pipeline.uncertainty.readings import touched_units, wide_indicators
from lei_pipeline_tests.support.wave_tables import wave_tables


@pytest.fixture(scope="module")
def wave():
    # pinned to v1: these tests read answers through the v1 scorer; three units answer NA on SRV08
    return wave_tables("2022", methodology="lei-v1.yaml", na_units=3)


@pytest.fixture(scope="module")
def small(wave):
    """The lei-v1 spec with fewer runs, and only the don't-know reading (two re-scorings)."""
    spec, _, _ = load_spec(wave.inputs.methodology.path)
    spec = replace(spec, replications=300, readings={"dont_know": ("zero", "missing")},
                   sensitivity=SensitivitySpec(n=40, bootstrap=50))
    return spec


def run(wave, spec, **kw):
    return analyse_wave(wave.wave, wave.responses, wave.indicators, wave.scores, wave.inputs.questionnaire,
                        wave.inputs.methodology, spec, **kw)


# --- the spec file --------------------------------------------------------------------------------
def test_spec_file_name_derives_from_the_methodology_file(tmp_path):
    assert spec_path("data/methodology/lei-v1.yaml").name == "lei-v1-uncertainty.yaml"
    assert spec_path(tmp_path / "lei-v2.yaml") == tmp_path / "lei-v2-uncertainty.yaml"
    with pytest.raises(LeiError, match=r"no uncertainty spec for methodology lei-v2.yaml: expected .*lei-v2-uncertainty.yaml"):
        load_spec(tmp_path / "lei-v2.yaml")
    (tmp_path / "lei-v2-uncertainty.yaml").write_text("replications: 10\nweights: {noise: 2}\n")
    with pytest.raises(LeiError, match=r"lei-v2-uncertainty.yaml: uncertainty weights noise must be >= 0 and < 1"):
        load_spec(tmp_path / "lei-v2.yaml")


def test_lei_v1_spec_covers_weights_means_eligibility_and_readings(wave):
    spec, raw, path = load_spec(wave.inputs.methodology.path)
    assert path.name == "lei-v1-uncertainty.yaml" and spec.seed is not None
    assert dict(spec.weights.by_level) == {1: 0.25, 2: 0.25, 3: 0.2}
    assert [a.spec.method for a in spec.alternatives["aggregate"]] == ["arithmetic", "geometric"]
    assert spec.eligibility and set(spec.readings) == {"dont_know", "blank", "na"}


# --- answer readings through the v1 scorer -----------------------------------------------------------
@pytest.mark.parametrize("aspect, reading", [("dont_know", "missing"), ("na", "refused")])
def test_a_reading_changes_only_the_units_whose_answers_it_touches(wave, aspect, reading):
    m = wave.inputs.methodology
    rescore = rescorer(wave.responses, wave.inputs.questionnaire, m)
    nominal = wide_indicators(wave.indicators, m).set_index("unit_code")
    read = rescore({aspect: reading}).set_index("unit_code").reindex(nominal.index)
    changed = ~np.isclose(read.to_numpy(), nominal.to_numpy(), equal_nan=True).all(axis=1)
    touched = set(touched_units(wave.responses, m, aspect))
    assert touched, f"the 2022 sample has {aspect} answers"
    assert set(nominal.index[changed]) == touched  # every touched unit moves, no other does
    # and the nominal reading reproduces the published indicators
    same = rescore({}).set_index("unit_code").reindex(nominal.index)
    np.testing.assert_array_equal(same.to_numpy(), nominal.to_numpy())


def test_unknown_reading_is_refused(wave, small):
    with pytest.raises(LeiError, match=r"readings dont_know: unknown reading\(s\) \['maybe'\]"):
        run(wave, replace(small, readings={"dont_know": ("zero", "maybe")}))


# --- the tables ---------------------------------------------------------------------------------------
def test_tables_meet_their_contracts_and_start_from_the_published_index(wave, small):
    r = run(wave, small)
    t = r.tables()
    assert validate_table(UnitUncertainty, t["uncertainty"]) == []
    assert validate_table(Sensitivity, t["sensitivity"]) == []
    assert validate_table(Replications, t["replications"]) == []
    u = t["uncertainty"].set_index("unit_code")
    pub = wave.scores.set_index("unit_code").reindex(u.index)
    np.testing.assert_allclose(u["nominal_score"], pub["lei"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(u["nominal_rank"], pub["rank"].to_numpy(dtype=float))
    assert len(t["replications"]) == 300 and (t["replications"]["seed"] == small.seed).all()
    assert list(t["sensitivity"]["input"]) == ["weights:level1", "weights:level2", "weights:level3",
                                               "reading:dont_know", "aggregate", "eligibility"]
    # crossing a border: the 5-95 % interval's ends fall in different categories
    cross = border_crossers(t["uncertainty"])
    assert set(cross["unit_code"]) == set(u.index[u["crosses_category_border"]])
    assert r.provenance()["seed"] == small.seed


def test_same_seed_same_tables_other_seed_other_draws(wave, small):
    one, two = run(wave, small), run(wave, small)
    for name in ("uncertainty", "sensitivity", "replications"):
        pd.testing.assert_frame_equal(one.tables()[name], two.tables()[name])
    other = run(wave, small, seed=small.seed + 1, replications=50)
    assert len(other.replications) == 50 and (other.replications["seed"] == small.seed + 1).all()
