"""A wave's quality report: the Great Expectations suites run once on the tables about to be
published, their results and Data Docs kept in a folder of the run until the publish takes them.

Why a folder: the blocking quality check (before publishing) and the snapshot's Data Docs need
the same suites on the same tables. Running GE twice cost ~6 s per wave at 100,000 units; the
check now writes the report and publish_snapshot copies it into the snapshot instead of running
the suites again. The report names the run that made it, and the publish only takes a report of
its own run whose row counts match the tables it publishes; otherwise it runs the suites itself.

Data Docs only for a report with a failed suite: that wave is not published and its folder stays,
so the check's link to them works. A passing report's folder is removed once the publish took it
(its results go into the snapshot as JSON), so its Data Docs were built to be deleted: 0.7 s of
every wave's quality step on a 140-unit wave."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sized
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lei_pipeline.publish.quality import SuiteResult
from lei_pipeline.settings import Settings

RESULTS_FILE = "suites.json"
DOCS_DIR = "data_docs"
STALE_SECONDS = 24 * 3600  # a report no publish took (its run failed later) is removed after a day


@dataclass(frozen=True)
class QualityReport:
    folder: Path
    suites: list[SuiteResult]
    rows: dict[str, int]  # rows of each table the suites ran on
    seconds: float = 0.0  # how long the suites took, wherever they ran
    # a suite run before the others (publish/quality_gate.start_indicators_suite): its table, and
    # its start and end (time.time()); not in seconds
    ahead: dict | None = None

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.suites)

    @property
    def docs(self) -> Path:
        return self.folder / DOCS_DIR

    def fits(self, tables: dict[str, Sized]) -> bool:
        """Whether these tables (or anything with their row counts) are the ones checked."""
        # Tables the suites do not cover (the uncertainty analysis) may come along.
        given = {name: len(t) for name, t in tables.items()}
        return given.items() >= self.rows.items()


def report_dir(settings: Settings, wave: str, run_id: str) -> Path:
    return settings.work_dir / "quality" / f"wave={wave}" / f"run={run_id}"


def write_report(folder: Path, tables: dict[str, pd.DataFrame], weights: dict | None,
                 ahead: tuple[str, SuiteResult, float, float] | None = None) -> QualityReport:
    """Run every suite on tables (with Data Docs) into folder, replacing an earlier report there.
    ahead: (table, its suite's verdict on it, start, end) found before, taken as run_quality_suites'
    known verdict."""
    from lei_pipeline.publish.quality import run_quality_suites
    from lei_pipeline.publish.quality_gate import suite_tables

    tables = suite_tables(tables)
    _discard_stale(folder.parent)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    results = run_quality_suites(tables, docs_dir=folder / DOCS_DIR, weights=weights, docs_if_passed=False,
                                 known={ahead[0]: ahead[1]} if ahead else None)
    about_ahead = {"table": ahead[0], "began": ahead[2], "ended": ahead[3]} if ahead else None
    report = QualityReport(folder, results, {name: len(t) for name, t in tables.items()},
                           round(time.perf_counter() - start, 3), about_ahead)
    tmp = folder / f".{RESULTS_FILE}.tmp"
    tmp.write_text(json.dumps({"suites": [r.to_dict() for r in results], "rows": report.rows,
                               "seconds": report.seconds, "ahead": about_ahead}, indent=1), encoding="utf-8")
    os.replace(tmp, folder / RESULTS_FILE)  # the results file appears last: its presence means complete
    return report


def read_report(folder: Path) -> QualityReport | None:
    path = folder / RESULTS_FILE
    if not path.is_file():
        return None
    body = json.loads(path.read_text(encoding="utf-8"))
    return QualityReport(folder, [SuiteResult(**s) for s in body["suites"]],
                         {k: int(v) for k, v in body["rows"].items()}, float(body.get("seconds", 0.0)),
                         body.get("ahead"))


def _discard_stale(wave_folder: Path) -> None:
    if not wave_folder.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for run in wave_folder.iterdir():
        if run.is_dir() and run.stat().st_mtime < cutoff:
            shutil.rmtree(run, ignore_errors=True)


def suite_failures(suites: list[SuiteResult]) -> pd.DataFrame:
    """One row per failed expectation, for the asset check's row-level metadata."""
    rows = [{"suite": s.name, "table": s.table, "expectation": f.get("expectation"),
             "column": f.get("column"), "examples": str(f.get("examples", ""))[:200],
             "unit_codes": str(f.get("unit_codes", ""))[:200]}
            for s in suites for f in s.failures]
    return pd.DataFrame(rows, columns=["suite", "table", "expectation", "column", "examples", "unit_codes"])
