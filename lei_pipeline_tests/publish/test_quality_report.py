"""The quality report: GE suites run once (by the quality check), taken by publish_snapshot."""
from __future__ import annotations

import json

import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish import publish_snapshot
from lei_pipeline.publish import quality as quality_module
from lei_pipeline.publish.quality_report import read_report, report_dir, suite_failures, write_report
from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables, provenance
from lei_pipeline_tests.support.snapshot_state import staging_entries


def _no_second_run(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the suites ran again although a fitting report was given")

    monkeypatch.setattr(quality_module, "run_quality_suites", refuse)


def test_report_round_trips_and_names_failures(settings):
    tables = build_tables("2024")
    tables["scores"].loc[3, "lei"] = 130.0
    folder = report_dir(settings, "2024", "run-a")
    written = write_report(folder, tables, WEIGHTS)
    assert not written.passed
    read = read_report(folder)
    assert read is not None and read.rows == {n: len(t) for n, t in tables.items()}
    assert [s.to_dict() for s in read.suites] == [s.to_dict() for s in written.suites]
    failures = suite_failures(read.suites)
    row = failures[failures["column"] == "lei"].iloc[0]
    assert row["suite"] == "scores_ranges_and_ranks" and row["expectation"] == "expect_column_values_to_be_between"
    assert (folder / "data_docs" / "index.html").is_file()
    # one validation page per suite, each from the full run (the verdicts-only run left no pages)
    pages = sorted(p.relative_to(folder / "data_docs" / "validations").parts[0]
                   for p in (folder / "data_docs" / "validations").rglob("*.html"))
    assert pages == sorted(s.name for s in written.suites)
    scores_page = next((folder / "data_docs" / "validations" / "scores_ranges_and_ranks").rglob("*.html"))
    assert ">130.0<" in scores_page.read_text(encoding="utf-8")     # the unexpected value, listed
    assert folder.is_relative_to(settings.data_dir / "work")


def test_publish_takes_a_fitting_report_without_running_the_suites_again(settings, methodology, monkeypatch):
    tables = build_tables("2024")
    report = write_report(report_dir(settings, "2024", "run-b"), tables, WEIGHTS)
    assert report.passed and not (report.docs / "index.html").exists()   # Data Docs only when a suite failed
    _no_second_run(monkeypatch)
    r = publish_snapshot(settings, "2024", tables, provenance(methodology, run_id="run-b"), report=report)
    assert (r.version, r.unchanged) == (1, False)
    assert not (r.path / "data_docs").exists()
    assert json.loads((r.path / "quality_results.json").read_text())["suites"]
    manifest = json.loads((r.path / "manifest.json").read_text())
    assert {c["name"] for c in manifest["checks"]} >= {s.name for s in report.suites}
    assert not report.folder.exists(), "a taken report is removed"
    assert staging_entries(settings) == []


def test_a_report_of_other_tables_is_not_trusted(settings, methodology, monkeypatch):
    report = write_report(report_dir(settings, "2024", "run-c"), build_tables("2024", n=5), WEIGHTS)
    calls = []
    real = quality_module.run_quality_suites
    monkeypatch.setattr(quality_module, "run_quality_suites", lambda *a, **k: calls.append(1) or real(*a, **k))
    r = publish_snapshot(settings, "2024", build_tables("2024"), provenance(methodology), report=report)
    assert calls == [1] and r.version == 1


def test_a_failed_report_blocks_the_publish_and_leaves_nothing(settings, methodology, monkeypatch):
    tables = build_tables("2024")
    tables["scores"].loc[2, "lei"] = -4.0
    report = write_report(report_dir(settings, "2024", "run-d"), tables, WEIGHTS)
    _no_second_run(monkeypatch)
    with pytest.raises(LeiError, match="quality suites failed: scores_ranges_and_ranks"):
        publish_snapshot(settings, "2024", tables, provenance(methodology), report=report)
    assert not (settings.published_dir / "wave=2024").exists() or not any(
        (settings.published_dir / "wave=2024").glob("version=*"))
    assert staging_entries(settings) == []
