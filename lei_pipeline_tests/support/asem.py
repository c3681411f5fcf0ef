"""COINr's ASEM example (lei_pipeline_tests/fixtures/coinr_asem/, COINr example data, MIT licence):
the files, and the engine's inputs built from them, for the index tests and benchmarks."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from lei_pipeline.index import Framework, Method

ASEM = Path(__file__).resolve().parents[1] / "fixtures" / "coinr_asem"


def load_asem() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """iData, iMeta and the method as written (a dict)."""
    data = pd.read_csv(ASEM / "asem_idata.csv", dtype={"uCode": "str"})
    meta = pd.read_csv(ASEM / "asem_imeta.csv")
    method = yaml.safe_load((ASEM / "asem_method.yaml").read_text())
    return data, meta, method


def asem_case(data: pd.DataFrame, meta: pd.DataFrame, method: dict):
    """(data, framework, method, build keyword arguments), ready for build() and run_uncertainty()."""
    fw = Framework.from_coinr_meta(meta)
    kw = dict(id_col="uCode", group_cols=list(fw.groups), denominator_cols=list(fw.denominators))
    return data, fw, Method.from_dict(method), kw


def expected(step: str) -> pd.DataFrame:
    """COINr's own result of one step of the ASEM build (expected_<step>.csv)."""
    return pd.read_csv(ASEM / f"expected_{step}.csv", index_col="uCode")
