"""Composite-index engine: framework + method + unit data -> every intermediate table and results.

Pure Python (pandas/numpy); COINr-compatible on its ASEM example. Steps are separate functions so
each can be inspected and tested alone; build() chains them."""
from lei_pipeline.index.aggregate import aggregate, weighted_mean
from lei_pipeline.index.build import IndexBuild, build
from lei_pipeline.index.denominate import denominate
from lei_pipeline.index.errors import (
    AggregationError,
    DataError,
    FrameworkError,
    IndexEngineError,
    MethodError,
    ZeroRangeError,
)
from lei_pipeline.index.framework import Framework, Node
from lei_pipeline.index.impute import impute
from lei_pipeline.index.method import Method
from lei_pipeline.index.normalise import normalise
from lei_pipeline.index.results import rank_desc, results, tiers
from lei_pipeline.index.screen import availability, screen
from lei_pipeline.index.treat import skew_kurt, treat, winsorise

__all__ = [
    "AggregationError", "DataError", "Framework", "FrameworkError", "IndexBuild", "IndexEngineError",
    "Method", "MethodError", "Node", "ZeroRangeError", "aggregate", "availability", "build",
    "denominate", "impute", "normalise", "rank_desc", "results", "screen", "skew_kurt", "tiers",
    "treat", "weighted_mean", "winsorise",
]
from lei_pipeline.index.sensitivity import SensitivityResult, SobolIndices, run_sensitivity, sobol_indices
from lei_pipeline.index.uncertainty import Uncertainty, UncertaintyResult, run_uncertainty

__all__ += [
    "SensitivityResult", "SobolIndices", "Uncertainty", "UncertaintyResult", "run_sensitivity",
    "run_uncertainty", "sobol_indices",
]
