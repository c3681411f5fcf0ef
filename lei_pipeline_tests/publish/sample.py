"""Moved to lei_pipeline_tests.support.sample_tables; this name stays until the storage tests and
benchmarks import from there."""
from lei_pipeline_tests.support.sample_tables import *  # noqa: F401,F403
from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables, provenance, write_methodology  # noqa: F401
