"""`lei compose` in-process: bad input ends with a one-line reason and the right exit code."""
from __future__ import annotations

import pandas as pd
import pytest

from lei_pipeline.cli.app import main
from lei_pipeline_tests.support.asem import ASEM

DATA, META, METHOD = ASEM / "asem_idata.csv", ASEM / "asem_imeta.csv", ASEM / "asem_method.yaml"


def compose(tmp_path, data=DATA, meta=META, method=METHOD, extra=()):
    out = tmp_path / "out" / "index.csv"
    code = main(["compose", "--data", str(data), "--meta", str(meta), "--method", str(method), "--out", str(out), *extra])
    return code, out


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("lei: error: ")
    return err[0]


def test_compose_writes_id_then_indicators_then_aggregates(tmp_path, capsys):
    code, out = compose(tmp_path)
    assert code == 0
    got = pd.read_csv(out, dtype={"uCode": "str"})
    meta = pd.read_csv(META)
    codes = meta.loc[meta.Level.notna(), "iCode"].tolist()
    assert got.columns[0] == "uCode" and sorted(got.columns[1:]) == sorted(codes)
    assert got.columns[-1] == "Index" and len(got) == 51
    assert "51 units" in capsys.readouterr().out


def test_non_numeric_indicator(tmp_path, capsys):
    data = pd.read_csv(DATA)
    data["LPI"] = data["LPI"].astype(str)
    data.loc[3, "LPI"] = "about 3"
    bad = tmp_path / "bad.csv"
    data.to_csv(bad, index=False)
    code, out = compose(tmp_path, data=bad)
    assert code == 1 and not out.exists()
    line = one_line_error(capsys)
    assert "indicator 'LPI' is not numeric" in line and "'about 3'" in line and "'HRV'" in line


def test_cycle_in_meta(tmp_path, capsys):
    meta = pd.read_csv(META)
    meta.loc[meta.iCode == "Index", "Parent"] = "Conn"
    bad = tmp_path / "meta.csv"
    meta.to_csv(bad, index=False)
    code, _ = compose(tmp_path, meta=bad)
    assert code == 1 and "cycle" in one_line_error(capsys)


@pytest.mark.parametrize("text, code, words", [
    ("impute: {method: group_mean, group: Continent}\n", 1, "group 'Continent' is unknown"),
    ("normalise: {method: softmax}\n", 1, "unknown method 'softmax'"),
    ("normalise: [unclosed\n", 2, "cannot read method file"),
    ("- just a list\n", 2, "must hold a mapping"),
])
def test_bad_method_files(tmp_path, capsys, text, code, words):
    m = tmp_path / "m.yaml"
    m.write_text(text)
    got, _ = compose(tmp_path, method=m)
    assert got == code and words in one_line_error(capsys)


def test_missing_file_and_unknown_id_column(tmp_path, capsys):
    code, _ = compose(tmp_path, data=tmp_path / "nope.csv")
    assert code == 2 and "data file not found" in one_line_error(capsys)
    code, _ = compose(tmp_path, extra=["--id-col", "ISO"])
    assert code == 2 and "id column 'ISO'" in one_line_error(capsys)


def test_help_has_an_example(capsys):
    assert main(["compose", "--help"]) == 0
    assert "Example: lei compose" in capsys.readouterr().out
