"""The engine reproduces COINr 1.1.14's ASEM build after every step.

Tolerance: |ours - COINr| <= 1e-9 * |COINr| + 1e-12. The absolute floor 1e-12 exists only for
values that are zero or near zero (a min-max score of exactly 0, a denominated 0), where a
relative error is meaningless; every other value is held to 1e-9 relative error. R wrote the
expected numbers with 15 significant digits, so 1e-9 leaves room only for rounding."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lei_pipeline_tests.support.asem import ASEM, expected

RTOL = 1e-9
ATOL = 1e-12
STEPS = ["denominated", "imputed", "screened", "treated", "normalised", "aggregated"]


def assert_matches(ours: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    assert sorted(ours.index) == sorted(theirs.index), f"{what}: units differ"
    assert set(theirs.columns) <= set(ours.columns), f"{what}: missing columns {set(theirs.columns) - set(ours.columns)}"
    a = ours.loc[theirs.index, theirs.columns].to_numpy(dtype=float)
    e = theirs.to_numpy(dtype=float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: missing values differ")
    bad = ~np.isnan(e) & (np.abs(a - e) > RTOL * np.abs(e) + ATOL)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        pytest.fail(f"{what}: {bad.sum()} values differ, first {theirs.index[i]}/{theirs.columns[j]}: "
                    f"ours {a[i, j]!r} vs COINr {e[i, j]!r}")


@pytest.mark.parametrize("step", STEPS)
def test_each_step_matches_coinr(asem_build, step):
    assert_matches(getattr(asem_build, step), expected(step), step)


def test_steps_really_change_the_data(asem_build):
    # Guards against a test that passes because a step silently did nothing.
    assert asem_build.raw.isna().to_numpy().sum() > 0
    assert asem_build.imputed.isna().to_numpy().sum() == 0
    assert not np.allclose(asem_build.denominated["Flights"], asem_build.raw["Flights"])
    treated = asem_build.treatment.set_index("indicator")
    changed = [c for c in asem_build.screened if not np.array_equal(asem_build.screened[c], asem_build.treated[c])]
    assert changed == list(treated.index[treated.treatment != "none"])
    assert treated.loc[changed, "passes_after"].all()
    assert asem_build.steps == ("denominate", "impute", "screen", "treat", "normalise", "aggregate")


def test_results_rank_every_aggregate(asem_build):
    res = asem_build.results
    agg = asem_build.framework.aggregates
    assert set(agg) <= set(res.columns)
    assert list(res.columns[:1]) == ["Index"]
    for c in agg:
        r = res[f"rank_{c}"]
        assert r.min() == 1 and r.max() <= len(res)
        assert res[c].idxmax() in set(r.index[r == 1])


def test_cli_compose_matches_coinr(tmp_path):
    lei = Path(sys.prefix) / "bin" / "lei"
    assert lei.exists(), f"console script not installed at {lei}"
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [str(lei), "compose", "--data", str(ASEM / "asem_idata.csv"), "--meta", str(ASEM / "asem_imeta.csv"),
         "--method", str(ASEM / "asem_method.yaml"), "--out", str(out)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out, dtype={"uCode": "str"})
    assert got.columns[0] == "uCode"
    exp = expected("aggregated")
    assert sorted(got.columns[1:]) == sorted(exp.columns)
    assert_matches(got.set_index("uCode"), exp, "lei compose OUT.csv")


def test_module_entry_point_reports_bad_input_in_one_line(tmp_path):
    method = tmp_path / "m.yaml"
    method.write_text("normalise: {method: minmax}\naggregate: {method: geometric}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "lei_pipeline", "compose", "--data", str(ASEM / "asem_idata.csv"),
         "--meta", str(ASEM / "asem_imeta.csv"), "--method", str(method), "--out", str(tmp_path / "o.csv")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "geometric" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.csv").exists()
