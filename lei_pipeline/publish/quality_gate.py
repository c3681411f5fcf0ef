"""The wave's quality gate: the Great Expectations suites on the four tables about to be
published (responses, indicators, scores, change) and the methodology's weights, run once per
run into a report that publish_snapshot then copies into the snapshot (so a check and a publish
can never disagree about what "passes" means, and GE does not run twice)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def methodology_weights(methodology) -> dict[str, dict[str, float]]:
    """Weights of each aggregate's children, as declared (the suite checks they sum to 1)."""
    groups: dict[str, dict[str, float]] = {}
    for node in methodology.framework().nodes:
        if node.parent and node.level > 1:
            groups.setdefault(node.parent, {})[node.code] = float(node.weight)
    return groups


def quality_tables(responses: pd.DataFrame, indicators, scores: pd.DataFrame, change: pd.DataFrame) -> dict:
    """The four tables the suites read, as little of them as they read: the responses' key columns
    (not the 130 answers: 95 MB pickled at 100,000 units, held until the worker has it), the
    indicators as their matrix without traces (the long table is made where the suites run,
    suite_tables: `lei run` sends the worker 70 MB of values instead of building and pickling
    7.8 million rows in the wave's own process, 0.4-0.8 s of the wave_change step)."""
    from lei_pipeline.publish.quality import RESPONSE_COLUMNS

    read = [c for c in RESPONSE_COLUMNS if c in responses.columns]
    tables = {"responses": responses[read], "indicators": None if indicators is None else indicators.without_traces(),
              "scores": scores, "change": change}
    return {n: t for n, t in tables.items() if t is not None}   # None: a table sent another way


def suite_tables(tables: dict) -> dict[str, pd.DataFrame]:
    """quality_tables' tables as the suites read them: the indicators long, only the columns its
    suite reads, the keys as categories."""
    from lei_pipeline.methodology.matrix import IndicatorMatrix
    from lei_pipeline.publish.quality import INDICATOR_COLUMNS

    indicators = tables.get("indicators")
    if not isinstance(indicators, IndicatorMatrix):
        return tables
    return {**tables, "indicators": indicators.long(list(INDICATOR_COLUMNS), keys_as_categories=True)}


# The indicators suite is the longest: at 100,000 units GE's compound-key check on the long table's
# 7.8 million rows is most of the suites' 1.5-1.8 s. The indicators step starts it in `lei run`'s
# worker (start_indicators_suite), beside composite_index and wave_change, which leave the second
# core idle; wave_change's step then starts the others (start_quality_report), and the report
# takes the indicators verdict found before. In the worker, by report folder: the indicators and
# responses as the suite read them, its verdict, and when it ran.
_ahead_here: dict[str, tuple[dict, tuple]] = {}
_started: set[str] = set()   # in the calling process: report folders whose indicators suite was started


def start_indicators_suite(folder: Path, responses: pd.DataFrame, indicators) -> None:
    """Start the indicators suite on these tables now in `lei run`'s worker (without one, nothing
    is done): start_quality_report on the same folder then sends the other tables only."""
    from lei_pipeline import worker

    if worker.running():
        if worker.submit(_indicators_suite_here, folder, quality_tables(responses, indicators, None, None)):
            _started.add(str(folder))


def _indicators_suite_here(folder: Path, tables: dict) -> None:
    """In the worker: the indicators suite's verdict, kept for _report_here."""
    import time

    from lei_pipeline.publish.quality import suite_verdict

    began = time.time()
    tables = suite_tables(tables)
    verdict = suite_verdict(tables, "indicators")
    _ahead_here.clear()   # one wave at a time: a run that stopped before its report leaves nothing
    _ahead_here[str(folder)] = (tables, ("indicators", verdict, began, time.time()))


def _report_here(folder: Path, tables: dict, weights: dict | None):
    """In the worker: write_report with the indicators suite found before; None when it was not
    (its job failed): quality_report then runs every suite on the whole tables."""
    from lei_pipeline.publish.quality_report import write_report

    found = _ahead_here.pop(str(folder), None)
    if found is None:
        return None
    early_tables, ahead = found
    return write_report(folder, {**tables, "indicators": early_tables["indicators"]}, weights, ahead=ahead)


def start_quality_report(folder: Path, methodology, responses: pd.DataFrame, indicators, scores: pd.DataFrame,
                         change: pd.DataFrame) -> None:
    """Start the suites on these tables now in `lei run`'s worker (without one, nothing is done,
    not even the long table): quality_report on the same folder then takes their report."""
    from lei_pipeline import worker
    from lei_pipeline.publish.quality_report import write_report

    if not worker.running():
        return
    weights = methodology_weights(methodology)
    if str(folder) in _started:   # the indicators suite runs there already: the others, with its verdict
        _started.discard(str(folder))
        tables = quality_tables(responses, None, scores, change)
        worker.submit_ahead(str(folder), _report_here, folder, tables, weights)
    else:
        worker.submit_ahead(str(folder), write_report, folder, quality_tables(responses, indicators, scores, change),
                            weights)


def quality_report(folder: Path, methodology, responses: pd.DataFrame, indicators, scores: pd.DataFrame,
                   change: pd.DataFrame):
    """Take the report start_quality_report began in folder if it checked tables of these sizes,
    else run the suites on these tables there (in the GE worker if `lei run` started one);
    returns the QualityReport (suites, Data Docs, row counts)."""
    from lei_pipeline import worker

    started = worker.take_ahead(str(folder))
    if started is not None:
        report = worker.in_worker_or_here(started, lambda: None)   # None: the worker died meanwhile
        # row counts first: the long indicators table has len(indicators) rows, and building it
        # again (7.5 million rows at 100,000 units) is needed only when the suites run here
        sizes = {"responses": responses, "indicators": indicators, "scores": scores, "change": change}
        if report is not None and report.fits(sizes) and set(sizes) <= set(report.rows):
            return report
    return worker.write_report(folder, quality_tables(responses, indicators, scores, change),
                               methodology_weights(methodology))
