"""`make bench`'s three paths run, at a small size, through the same child processes the benchmark
starts (bench_pipeline.run_size): a core function whose signature changes cannot leave the
benchmark broken while every other test passes."""
from __future__ import annotations

from lei_pipeline_tests.benchmarks.bench_pipeline import run_size


def test_the_bare_plain_and_dagster_paths_run_and_agree():
    out = run_size(150)
    assert out["checks"] == {"plain": [], "dagster": []}      # scores, ranks, categories: the bare script's
    assert out["indicator_checks"] == []                      # every indicator value of every unit
    assert out["bare"]["units"] == out["plain"]["units"] == out["dagster"]["units"] == 150
    assert out["dagster"]["suites_seconds"] > 0               # the GE suites ran (in the worker)
    assert {"read", "quality", "publish"} <= set(out["plain"]["stages"])
