"""The GE worker `lei run` starts: the suites run in another process and give the report the
calling process would have written itself (same suites, same outcomes, Data Docs in the folder)."""
from __future__ import annotations

import os

from lei_pipeline.publish import quality_worker
from lei_pipeline.publish.quality_report import read_report, report_dir, write_report
from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables


def _pid() -> int:
    return os.getpid()


def test_the_worker_writes_the_report_the_caller_would_have(settings):
    tables = build_tables("2024")
    tables["scores"].loc[3, "lei"] = 130.0          # one failure, so outcomes are not all "passed"
    here = write_report(report_dir(settings, "2024", "run-here"), tables, WEIGHTS)
    quality_worker.start()
    try:
        assert quality_worker.call(_pid) != os.getpid()   # really another process
        there = quality_worker.write_report(report_dir(settings, "2024", "run-there"), tables, WEIGHTS)
    finally:
        quality_worker.stop()
    assert [s.to_dict() for s in there.suites] == [s.to_dict() for s in here.suites]
    assert not there.passed and there.rows == here.rows
    assert (there.docs / "index.html").is_file()
    again = read_report(there.folder)     # the results file the publish reads back
    assert again is not None and [s.name for s in again.suites] == [s.name for s in here.suites]


def test_without_a_worker_the_suites_run_here(settings):
    assert quality_worker._worker is None
    report = quality_worker.write_report(report_dir(settings, "2024", "run-local"), build_tables("2024"), WEIGHTS)
    assert report.passed


def test_a_worker_that_died_is_replaced_by_running_here(settings):
    quality_worker.start()
    proc = quality_worker._worker[0]
    proc.kill()
    proc.join(5)
    report = quality_worker.write_report(report_dir(settings, "2024", "run-died"), build_tables("2024"), WEIGHTS)
    assert report.passed and quality_worker._worker is None
