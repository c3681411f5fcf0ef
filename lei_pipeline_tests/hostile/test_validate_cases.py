"""Every broken export of the corpus through the real `lei validate` console script, in text and
JSON mode: the exit code, the problem named by file, row, column and reason, no traceback, and
not one byte written (the export's folder, the private data/ and Dagster home are hashed)."""
from __future__ import annotations

import pytest

from .cases import CASES, Case
from lei_pipeline_tests.support.hostile_harness import assert_no_traceback, lei, make_project, output, parse_json, tree_digest


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-validate")
    data, home, env = make_project(root)
    return root, env


def _params():
    for case in CASES:
        for mode in ("text", "json"):
            marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
            yield pytest.param(case, mode, id=f"{case.id}-{mode}", marks=marks)


def _matches(p: dict, case: Case, e) -> bool:
    return (str(p.get("file", "")).endswith(case.filename) and p.get("row") == e.row
            and p.get("column") == e.column and p.get("severity") == e.severity and e.reason in str(p.get("reason")))


@pytest.mark.parametrize("case,mode", list(_params()))
def test_validate_reports_the_broken_export(case: Case, mode: str, project, tmp_path):
    root, env = project
    export = tmp_path / "in" / case.filename
    export.parent.mkdir()
    export.write_bytes(case.build())
    before = (tree_digest(tmp_path), tree_digest(root))

    args = ["validate", str(export), "--wave", case.wave, *case.args] + (["--json"] if mode == "json" else [])
    r = lei(*args, env=env, cwd=tmp_path, timeout=300)

    assert_no_traceback(r)
    assert r.returncode == case.exit_code, output(r)[-3000:]
    if mode == "text":
        text = output(r)
        missing = [f for f in case.fragments() if f not in text]
        assert not missing, f"missing {missing} in:\n{text[-3000:]}"
    elif case.expect:
        report = parse_json(r)
        for e in case.expect:
            assert any(_matches(p, case, e) for p in report["problems"]), (e, report["problems"])
        if case.exit_code == 2:
            assert report["readable"] is False and report["passes_blocking_checks"] is False
        else:
            assert report["passes_blocking_checks"] is (case.exit_code == 0)
            assert report["errors"] >= sum(e.severity == "error" for e in case.expect)
            assert (report["errors"] == 0) is (case.exit_code == 0)
    assert (tree_digest(tmp_path), tree_digest(root)) == before, "lei validate wrote or changed a file"


def test_corpus_covers_the_issue():
    """Issue 7 asks for at least 25 cases, each with an expected outcome."""
    assert len(CASES) >= 25
    assert {c.exit_code for c in CASES} == {0, 1, 2}
    assert all(c.expect or c.also or c.exit_code == 0 for c in CASES)
