"""The wide scoring path (IndicatorMatrix) against the long table it replaces on the critical
path: the same index, the same readings, the same validation failures."""
import itertools

import numpy as np
import pandas as pd

from lei_pipeline.methodology import compose_index, score_indicators
from lei_pipeline.methodology.scoring import IndicatorMatrix, score_matrix
from lei_pipeline.schemas import Indicators, validate_table
from lei_pipeline.schemas.validate import validate_indicators
from lei_pipeline_tests.support.wave_tables import wave_tables


def _pivoted(ind: pd.DataFrame) -> pd.DataFrame:
    return (ind.pivot(index="unit_code", columns="indicator", values="value")
            .rename_axis(columns=None).reset_index())


def test_every_reading_reread_equals_scoring_again():
    t = wave_tables("2024")
    q, m = t.inputs.questionnaire, t.inputs.methodology
    mat = score_matrix(t.responses, q, m)
    for dk, blank, na in itertools.product(("zero", "missing"), ("none", "missing"), ("accepted", "refused")):
        reading = {"dont_know": dk, "blank": blank, "na": na}
        again = _pivoted(score_indicators(t.responses, q, m, reading=reading))
        pd.testing.assert_frame_equal(mat.wide(mat.reread(reading)), again[mat.wide().columns], check_exact=True)


def test_a_shuffled_table_is_pivoted_and_gives_the_same_index():
    t = wave_tables("2024")
    m = t.inputs.methodology
    assert IndicatorMatrix.from_long(t.indicators, m) is not None
    shuffled = t.indicators.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert IndicatorMatrix.from_long(shuffled, m) is None
    pd.testing.assert_frame_equal(compose_index(shuffled, t.inputs.registry, m), t.scores, check_exact=True)


def test_wide_validation_names_the_rows_the_long_validation_names():
    t = wave_tables("2024")
    bad = t.indicators.copy()
    values = bad["value"].to_numpy(copy=True)
    values[[3, 200, 1500]] = [100.5, -1.0, np.inf]
    bad["value"] = values
    key = lambda r: (r["row"], r["check"])  # noqa: E731
    wide = sorted(validate_indicators(Indicators, bad, t.inputs.methodology), key=key)
    assert [r["row"] for r in wide] == [3, 200, 1500]
    assert wide == sorted(validate_table(Indicators, bad), key=key)
    assert validate_indicators(Indicators, t.indicators, t.inputs.methodology) == []
