"""The GE worker `lei run` starts: the suites run in another process and give the report the
calling process would have written itself (same suites, same outcomes, Data Docs in the folder)."""
from __future__ import annotations

import os

from lei_pipeline import worker
from lei_pipeline.publish.quality_report import read_report, report_dir, write_report
from lei_pipeline_tests.support.sample_tables import WEIGHTS, build_tables


def _pid() -> int:
    return os.getpid()


def test_the_worker_writes_the_report_the_caller_would_have(settings):
    tables = build_tables("2024")
    tables["scores"].loc[3, "lei"] = 130.0          # one failure, so outcomes are not all "passed"
    here = write_report(report_dir(settings, "2024", "run-here"), tables, WEIGHTS)
    worker.start()
    try:
        assert worker.submit(_pid).result() != os.getpid()   # really another process
        there = worker.write_report(report_dir(settings, "2024", "run-there"), tables, WEIGHTS)
    finally:
        worker.stop()
    assert [s.to_dict() for s in there.suites] == [s.to_dict() for s in here.suites]
    assert not there.passed and there.rows == here.rows
    assert (there.docs / "index.html").is_file()
    again = read_report(there.folder)     # the results file the publish reads back
    assert again is not None and [s.name for s in again.suites] == [s.name for s in here.suites]


def test_without_a_worker_the_suites_run_here(settings):
    assert worker._worker is None
    report = worker.write_report(report_dir(settings, "2024", "run-local"), build_tables("2024"), WEIGHTS)
    assert report.passed


def test_a_worker_that_died_is_replaced_by_running_here(settings):
    worker.start()
    proc = worker._worker[0]
    proc.kill()
    proc.join(5)
    report = worker.write_report(report_dir(settings, "2024", "run-died"), build_tables("2024"), WEIGHTS)
    assert report.passed and worker._worker is None


def _fails(message: str):
    raise ValueError(message)


def test_a_submitted_job_runs_there_while_the_caller_goes_on(settings):
    worker.start()
    try:
        pending = worker.submit(_pid)
        assert pending is not None and pending.result() != os.getpid()
        failing = worker.submit(_fails, "from the worker")
        try:
            failing.result()
            raise AssertionError("the worker's error was not raised here")
        except ValueError as e:
            assert str(e) == "from the worker"
        # an answer the caller no longer wants is drained: the next job gets its own
        worker.submit(_pid).discard()
        assert worker.submit(_pid).result() != os.getpid()
    finally:
        worker.stop()
    # without a worker: nothing is submitted, the caller runs it
    assert worker.submit(_pid) is None
    assert worker.in_worker_or_here(None, _pid) == os.getpid()



def _after(seconds: float, value: str) -> str:
    import time

    time.sleep(seconds)
    return value


def test_jobs_in_flight_get_their_own_answers_whichever_is_asked_first():
    worker.start()
    try:
        slow, quick = worker.submit(_after, 0.3, "slow"), worker.submit(_after, 0.0, "quick")
        assert quick.result() == "quick"     # the slow one's answer came first and was kept for it
        assert slow.result() == "slow"
        worker.submit_ahead("later step", _after, 0.0, "ahead")
        again = worker.submit(_pid)
        assert again.result() != os.getpid()
        assert worker.take_ahead("later step").result() == "ahead"
        assert worker.take_ahead("later step") is None      # taken once
        worker.submit_ahead("never taken", _pid)            # a step that never came: stop still ends it
    finally:
        worker.stop()
    assert worker._worker is None and worker.take_ahead("never taken") is None


_RAN: list[str] = []   # in the worker: the jobs in the order they ran


def _ran(label: str, seconds: float = 0.0) -> list[str]:
    import time

    time.sleep(seconds)
    _RAN.append(label)
    return list(_RAN)


def test_a_job_for_this_wave_goes_before_queued_jobs_for_the_next():
    worker.start()
    try:
        worker.submit(_ran, "warm-up").result()          # GE imported: the worker is serving
        running = worker.submit(_ran, "running", 0.5)     # queued behind it while it runs:
        nexts = [worker.submit(_ran, f"next wave {i}", later=True) for i in range(3)]
        now = worker.submit(_ran, "this wave")
        order = nexts[-1].result()
        assert [p.result()[-1] for p in (running, now)] == ["running", "this wave"]
    finally:
        worker.stop()
    assert order[order.index("running"):] == ["running", "this wave", "next wave 0", "next wave 1", "next wave 2"]


def test_jobs_for_later_alone_run_in_the_order_sent():
    worker.start()
    try:
        pending = [worker.submit(_ran, f"later {i}", 0.05, later=True) for i in range(4)]
        order = pending[-1].result()
        assert [p.result()[-1] for p in pending] == [f"later {i}" for i in range(4)]
    finally:
        worker.stop()
    assert order[-4:] == [f"later {i}" for i in range(4)]


def _long_table_built(*args, **kwargs):
    raise AssertionError("the long indicators table was built again")


def test_a_report_started_ahead_is_taken_only_for_the_tables_it_checked(settings, monkeypatch):
    from lei_pipeline.change.compare import empty_change
    from lei_pipeline.methodology import IndicatorMatrix, score_matrix
    from lei_pipeline.publish.quality_gate import methodology_weights, quality_report, quality_tables
    from lei_pipeline_tests.support.wave_tables import wave_tables

    wt = wave_tables("2024")
    m, change = wt.inputs.methodology, empty_change(wt.inputs.methodology)
    matrix = score_matrix(wt.responses, wt.inputs.questionnaire, m, registry=wt.inputs.registry)   # as handed on
    bad = wt.scores.copy()
    bad.loc[bad.index[3], "lei"] = 130.0          # the started suites fail on this
    worker.start()
    try:
        folder = report_dir(settings, "2024", "run-ahead")
        # what wave_change's step does through start_quality_report
        worker.submit_ahead(str(folder), write_report, folder, quality_tables(wt.responses, matrix, bad, change),
                            methodology_weights(m))
        with monkeypatch.context() as patched:
            # a report that fits is taken on row counts alone: the long table is not built again
            patched.setattr(IndicatorMatrix, "long", _long_table_built)
            taken = quality_report(folder, m, wt.responses, matrix, bad, change)
        assert not taken.passed and worker.take_ahead(str(folder)) is None
        # started on other tables (a row fewer): not taken, the suites run again on these
        worker.submit_ahead(str(folder), write_report, folder,
                            quality_tables(wt.responses, matrix, bad.iloc[1:], change), methodology_weights(m))
        again = quality_report(folder, m, wt.responses, matrix, wt.scores, change)
    finally:
        worker.stop()
    assert again.passed and again.rows == {"responses": len(wt.responses), "indicators": len(wt.indicators),
                                           "scores": len(wt.scores), "change": 0}
    assert read_report(folder).passed                # the folder holds the report of these tables


def _big(n: int) -> bytes:
    return b"x" * n


def _now() -> float:
    import time

    return time.time()


def test_a_big_answer_does_not_hold_the_jobs_behind_it():
    import time

    worker.start()
    try:
        worker.submit(_pid).result()            # the worker is serving (GE imported)
        big = worker.submit(_big, 16 << 20)     # far more than a pipe holds
        started = worker.submit(_now)
        time.sleep(1.0)                         # nobody asks for an answer meanwhile
        asked = time.time()
        assert started.result() < asked         # the job behind the big answer ran all the same
        assert big.result() == _big(16 << 20)
    finally:
        worker.stop()


def _ge_imported() -> bool:
    import sys

    return "great_expectations" in sys.modules


def _fail():
    raise ValueError("the first job failed")


def test_a_first_job_runs_before_the_ge_import_and_is_answered_first():
    worker.start(first=[("early", _ge_imported, ())])
    try:
        later = worker.submit(_ge_imported)       # after the import, in order
        early = worker.take_ahead("early")
        assert early is not None and early.result() is False
        assert later.result() is True
        assert worker.take_ahead("early") is None   # taken once
    finally:
        worker.stop()


def test_a_first_job_that_fails_or_cannot_be_sent_leaves_the_worker_working():
    worker.start(first=[("early", _fail, ())])
    try:
        early = worker.take_ahead("early")
        try:
            early.result()
            raised = None
        except ValueError as e:
            raised = str(e)
        assert raised == "the first job failed"
        assert worker.submit(_pid).result() != os.getpid()
    finally:
        worker.stop()
    worker.start(first=[("early", lambda: 1, ())])     # a lambda cannot be pickled: not done ahead
    try:
        assert worker.take_ahead("early") is None
        assert worker.submit(_pid).result() != os.getpid()
    finally:
        worker.stop()


def test_the_suites_get_the_indicators_without_traces_and_make_the_long_table_where_they_run(settings, monkeypatch):
    import pickle

    from lei_pipeline.change.compare import empty_change
    from lei_pipeline.methodology import IndicatorMatrix, score_matrix
    from lei_pipeline.publish.quality_gate import methodology_weights, quality_tables
    from lei_pipeline_tests.support.wave_tables import wave_tables

    wt = wave_tables("2024")
    m, change = wt.inputs.methodology, empty_change(wt.inputs.methodology)
    matrix = score_matrix(wt.responses, wt.inputs.questionnaire, m)   # scored as wt.indicators was
    matrix.values = matrix.values.copy()
    matrix.values[2, 5] = 130.0                      # the indicators suite fails on this cell
    bad = wt.indicators.copy()                       # and on the same row of the long table
    bad.loc[(bad["unit_code"] == matrix.unit_codes[2].as_py()) & (bad["indicator"] == matrix.codes[5]), "value"] = 130.0
    assert (bad["value"] == 130.0).sum() == 1
    with monkeypatch.context() as patched:
        patched.setattr(IndicatorMatrix, "long", _long_table_built)   # not in the caller's process
        tables = quality_tables(wt.responses, matrix, wt.scores, change)
    sent = tables["indicators"]
    assert isinstance(sent, IndicatorMatrix) and sent.traces == [] and matrix.traces
    assert list(tables["responses"].columns) == ["wave", "unit_code"] and len(wt.responses.columns) > 50
    assert len(pickle.dumps(sent)) < len(pickle.dumps(matrix)) / 2
    # the report is the one the whole responses and the long table as published give (scored
    # apart by the support code)
    weights = methodology_weights(m)
    as_long = write_report(report_dir(settings, "2024", "run-long"),
                           {"responses": wt.responses, "indicators": bad, "scores": wt.scores, "change": change},
                           weights)
    worker.start()
    try:
        from_matrix = worker.write_report(report_dir(settings, "2024", "run-matrix"), tables, weights)
    finally:
        worker.stop()
    assert not as_long.passed
    assert [s.to_dict() for s in from_matrix.suites] == [s.to_dict() for s in as_long.suites]
    assert from_matrix.rows == as_long.rows == {"responses": len(wt.responses), "indicators": len(bad),
                                                "scores": len(wt.scores), "change": 0}


def _ahead_report(settings, run: str, responses, matrix, scores, change, m):
    """What the indicators step, then wave_change's step, then the quality check do under `lei run`."""
    from lei_pipeline.publish.quality_gate import quality_report, start_indicators_suite, start_quality_report

    folder = report_dir(settings, "2024", run)
    start_indicators_suite(folder, responses, matrix)
    start_quality_report(folder, m, responses, matrix, scores, change)
    return quality_report(folder, m, responses, matrix, scores, change)


def test_the_indicators_suite_started_ahead_gives_the_report_all_suites_give(settings):
    from lei_pipeline.change.compare import empty_change
    from lei_pipeline.methodology import score_matrix
    from lei_pipeline.publish.quality_gate import methodology_weights
    from lei_pipeline_tests.support.wave_tables import wave_tables

    wt = wave_tables("2024")
    m, change = wt.inputs.methodology, empty_change(wt.inputs.methodology)
    matrix = score_matrix(wt.responses, wt.inputs.questionnaire, m)   # scored as wt.indicators was
    bad_matrix = score_matrix(wt.responses, wt.inputs.questionnaire, m)
    bad_matrix.values = bad_matrix.values.copy()
    bad_matrix.values[2, 5] = 130.0                  # the indicators suite fails on this cell
    bad_long = wt.indicators.copy()                  # and on the same row of the long table (support code)
    bad_long.loc[(bad_long["unit_code"] == bad_matrix.unit_codes[2].as_py())
                 & (bad_long["indicator"] == bad_matrix.codes[5]), "value"] = 130.0
    bad_scores = wt.scores.copy()
    bad_scores.loc[bad_scores.index[3], "lei"] = 130.0   # the scores suite fails on this
    weights = methodology_weights(m)
    cases = {"passing": (matrix, wt.indicators, wt.scores), "indicators fail": (bad_matrix, bad_long, wt.scores),
             "scores fail": (matrix, wt.indicators, bad_scores)}
    worker.start()
    try:
        ahead = {case: _ahead_report(settings, f"run-ahead-{i}", wt.responses, mat, scores, change, m)
                 for i, (case, (mat, _, scores)) in enumerate(cases.items())}
    finally:
        worker.stop()
    for i, (case, (_, long, scores)) in enumerate(cases.items()):
        whole = write_report(report_dir(settings, "2024", f"run-whole-{i}"),
                             {"responses": wt.responses, "indicators": long, "scores": scores, "change": change},
                             weights)
        got = ahead[case]
        assert got.ahead is not None and got.ahead["table"] == "indicators", case   # it did run ahead
        assert got.ahead["began"] <= got.ahead["ended"]
        assert [s.to_dict() for s in got.suites] == [s.to_dict() for s in whole.suites], case
        assert got.rows == whole.rows and got.passed == (case == "passing"), case
        assert read_report(got.folder).ahead == got.ahead   # kept with the results


def test_a_report_without_the_suite_started_ahead_runs_every_suite(settings):
    from lei_pipeline.change.compare import empty_change
    from lei_pipeline.methodology import score_matrix
    from lei_pipeline.publish import quality_gate
    from lei_pipeline_tests.support.wave_tables import wave_tables

    wt = wave_tables("2024")
    m, change = wt.inputs.methodology, empty_change(wt.inputs.methodology)
    matrix = score_matrix(wt.responses, wt.inputs.questionnaire, m)
    folder = report_dir(settings, "2024", "run-no-ahead")
    # in the worker, had the indicators suite's job failed: nothing kept, so no report there ...
    assert quality_gate._report_here(folder, quality_gate.quality_tables(wt.responses, None, wt.scores, change),
                                     quality_gate.methodology_weights(m)) is None
    # ... and the check runs every suite on the whole tables (here: no worker)
    report = quality_gate.quality_report(folder, m, wt.responses, matrix, wt.scores, change)
    assert report.passed and report.ahead is None and set(report.rows) == {"responses", "indicators", "scores", "change"}
