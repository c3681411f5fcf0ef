"""facts.records is frame.to_dict("records") made column by column: the same values and types."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lei_pipeline.report.facts import records


def test_records_equal_to_dict_for_every_column_kind_a_snapshot_holds():
    table = pa.table({
        "unit_code": ["70017", None, "80284"],
        "lei": [71.5, np.nan, 12.25],
        "rank": pa.array([1, None, 3], pa.int64()),
        "ranked": [True, False, True],
        "category": ["više razvijena", "", None],
    })
    frame = table.to_pandas()                                  # as a snapshot's Parquet reads back
    frame["rank_change"] = pd.array([2, None, -1], dtype="Int64")
    frame["flag"] = pd.array([True, None, False], dtype="boolean")
    expected, got = frame.to_dict("records"), records(frame)
    assert repr(got) == repr(expected)
    assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in expected]
    assert got[1]["rank_change"] is None and got[1]["flag"] is None   # missing masked values: None, not pd.NA
    assert records(frame.iloc[:0]) == []
