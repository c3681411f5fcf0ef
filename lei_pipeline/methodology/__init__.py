"""Methodology as data: load the LEI methodology YAML, score answers into indicators, compose the index."""
from lei_pipeline.methodology.composite import TYPE_GROUP, component_coverage, compose_index
from lei_pipeline.methodology.model import (
    Category,
    Component,
    Indicator,
    Methodology,
    Pillar,
    check_against,
    load_methodology,
    parse_methodology,
)
from lei_pipeline.methodology.matrix import EXCUSED, STATUSES, IndicatorMatrix, resolve_reading
from lei_pipeline.methodology.scoring import score_indicators, score_matrix
from lei_pipeline.methodology.weights import effective_weights

__all__ = [
    "Category", "Component", "Indicator", "Methodology", "Pillar", "TYPE_GROUP", "check_against",
    "compose_index", "load_methodology", "parse_methodology", "score_indicators", "score_matrix", "IndicatorMatrix",
    "EXCUSED", "STATUSES", "component_coverage", "effective_weights", "resolve_reading",
]
