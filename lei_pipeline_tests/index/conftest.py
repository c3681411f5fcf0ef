"""Fixtures of the index engine tests: the COINr ASEM reference case (copied into the repo)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from lei_pipeline.index import Framework, Method, build

ASEM = Path(__file__).resolve().parents[1] / "fixtures" / "coinr_asem"


def load_asem():
    data = pd.read_csv(ASEM / "asem_idata.csv", dtype={"uCode": "str"})
    meta = pd.read_csv(ASEM / "asem_imeta.csv")
    method = yaml.safe_load((ASEM / "asem_method.yaml").read_text())
    return data, meta, method


@pytest.fixture(scope="session")
def asem_inputs():
    return load_asem()


@pytest.fixture(scope="module")
def asem(asem_inputs):
    """(data, framework, method, build keyword arguments) of ASEM."""
    data, meta, method = asem_inputs
    fw = Framework.from_coinr_meta(meta)
    kw = dict(id_col="uCode", group_cols=list(fw.groups), denominator_cols=list(fw.denominators))
    return data, fw, Method.from_dict(method), kw


@pytest.fixture(scope="session")
def asem_build(asem_inputs):
    data, meta, method = asem_inputs
    fw = Framework.from_coinr_meta(meta)
    return build(data, fw, Method.from_dict(method), id_col="uCode",
                 group_cols=list(fw.groups), denominator_cols=list(fw.denominators))


def expected(step: str) -> pd.DataFrame:
    return pd.read_csv(ASEM / f"expected_{step}.csv", index_col="uCode")
