"""The indicators step's value_distribution metadata says what pandas' describe says (the
reference here), computed without sorting 7.8 million values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lei_pipeline.defs.metadata import value_distribution


def _describe(values) -> dict:
    desc = pd.Series(np.asarray(values, dtype="float64").ravel()).describe(percentiles=[0.1, 0.25, 0.5, 0.75, 0.9])
    return {str(k): float(v) for k, v in desc.round(3).items()}


@pytest.mark.parametrize("values", [
    np.random.default_rng(7).choice([0.0, 25.0, 50.0, 100.0, np.nan, 33.3333], size=(500, 78)),
    np.random.default_rng(8).uniform(0, 100, size=(41, 3)),
    np.array([[12.5]]),                       # one value: std undefined
    np.full((4, 2), np.nan),                  # nothing answered
    np.array([[0.0, 100.0], [np.nan, 50.0]]),
])
def test_value_distribution_is_pandas_describe(values):
    ours, reference = value_distribution(values), _describe(values)
    assert list(ours) == list(reference)
    for key, expected in reference.items():
        assert (math.isnan(ours[key]) and math.isnan(expected)) or ours[key] == expected, key
