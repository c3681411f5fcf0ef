from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.publish.parquet_io import arrow_schema, write_table
from lei_pipeline_tests.support.sample_tables import build_tables


def test_same_content_gives_byte_identical_files(tmp_path):
    a = build_tables("2024")["responses"]
    b = build_tables("2024")["responses"]
    b.index = range(100, 100 + len(b))  # a different index must not change the bytes
    ea, eb = write_table(a, tmp_path / "a.parquet"), write_table(b, tmp_path / "b.parquet")
    assert ea["sha256"] == eb["sha256"]
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    c = a.copy()
    c.loc[0, "SRV02"] = 39.5
    assert write_table(c, tmp_path / "c.parquet")["sha256"] != ea["sha256"]


def test_explicit_schema_from_dtypes(tmp_path):
    df = build_tables("2024")["scores"]
    schema = arrow_schema(df)
    assert schema.field("unit_code").type == pa.string()
    assert schema.field("lei").type == pa.float64()
    assert schema.field("rank").type == pa.int64()
    write_table(df, tmp_path / "s.parquet")
    assert pq.read_schema(tmp_path / "s.parquet").remove_metadata() == schema.remove_metadata()
    back = pd.read_parquet(tmp_path / "s.parquet")
    assert str(back["rank"].dtype) == "Int64"
    pd.testing.assert_frame_equal(back, df)


def test_mixed_object_column_refused(tmp_path):
    df = pd.DataFrame({"x": pd.Series(["a", 1], dtype=object)})
    with pytest.raises(LeiError, match="column 'x'"):
        write_table(df, tmp_path / "x.parquet")
