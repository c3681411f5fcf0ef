"""`lei validate` on the sample exports and on broken copies made here."""
import json
from pathlib import Path

import pytest

from lei_pipeline_tests.support.cli import lei
from lei_pipeline_tests.support.project_data import export_of


def _data(env) -> Path:
    return Path(env["LEI_DATA_DIR"])


def _tree_state(root: Path) -> dict:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*")}


@pytest.mark.parametrize("wave", ["2022", "2024", "2025"])
def test_sample_exports_pass(env, wave):
    export = export_of(_data(env), wave)
    before = _tree_state(_data(env).parent)
    r = lei(env, "validate", export, "--wave", wave)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "Traceback" not in r.stdout + r.stderr
    j = lei(env, "validate", export, "--wave", wave, "--json")
    report = json.loads(j.stdout)
    assert report["passes_blocking_checks"] is True and report["units_matched"] >= 130
    assert _tree_state(_data(env).parent) == before          # writes nothing anywhere


def _broken_2022(env, tmp_path, edit) -> Path:
    src = export_of(_data(env), "2022")
    lines = src.read_text(encoding="utf-8").splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    lines = edit(lines, header)
    out = tmp_path / "broken.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _set_cell(lines, header, line_no, column, value):
    cells = lines[line_no - 1].split(",")
    cells[header.index(column)] = f'"{value}"'
    lines[line_no - 1] = ",".join(cells)
    return lines


def _assert_one_clear_error(r, *fragments, code=1):
    out = r.stdout + r.stderr
    assert r.returncode == code, out
    assert "Traceback" not in out
    for f in fragments:
        assert f in out, (f, out)


def test_wrong_answer_code(env, tmp_path):
    path = _broken_2022(env, tmp_path, lambda l, h: _set_cell(l, h, 3, "STR03", "A9"))
    r = lei(env, "validate", path, "--wave", "2022")
    _assert_one_clear_error(r, "broken.csv", "row 3", "column STR03", "'A9'")
    report = json.loads(lei(env, "validate", path, "--wave", "2022", "--json").stdout)
    assert report["passes_blocking_checks"] is False
    assert any(p["row"] == 3 and p["column"] == "STR03" and p["severity"] == "error" for p in report["problems"])


def test_misspelled_header(env, tmp_path):
    def edit(lines, header):
        lines[0] = lines[0].replace('"STR03"', '"STR3"', 1)
        return lines
    r = lei(env, "validate", _broken_2022(env, tmp_path, edit), "--wave", "2022")
    _assert_one_clear_error(r, "broken.csv", "STR3", "STR03")


def test_truncated_last_row(env, tmp_path):
    def edit(lines, header):
        lines[-1] = ",".join(lines[-1].split(",")[:7])
        return lines
    path = _broken_2022(env, tmp_path, edit)
    n = len(path.read_text(encoding="utf-8").splitlines())
    r = lei(env, "validate", path, "--wave", "2022")
    _assert_one_clear_error(r, "broken.csv", f"row {n}", "truncated")


def test_name_matching_no_local_government(env, tmp_path):
    def edit(lines, header):
        lines = _set_cell(lines, header, 4, "JLS", "Atlantida")
        return _set_cell(lines, header, 4, "JLS_CODE", "") if "JLS_CODE" in header else lines
    r = lei(env, "validate", _broken_2022(env, tmp_path, edit), "--wave", "2022")
    _assert_one_clear_error(r, "broken.csv", "row 4", "column JLS", "Atlantida")


def test_empty_file_is_exit_2(env, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = lei(env, "validate", empty, "--wave", "2022")
    _assert_one_clear_error(r, "empty.csv", code=2)
    j = lei(env, "validate", empty, "--wave", "2022", "--json")
    assert j.returncode == 2 and json.loads(j.stdout)["passes_blocking_checks"] is False


def test_misuse_is_exit_2(env, tmp_path):
    _assert_one_clear_error(lei(env, "validate", tmp_path / "missing.csv"), "missing.csv", code=2)
    export = export_of(_data(env), "2022")
    _assert_one_clear_error(lei(env, "validate", export, "--format", "sav"), "--format", code=2)
    _assert_one_clear_error(lei(env, "validate", export, "--wave", "../x"), "invalid wave name", code=2)
