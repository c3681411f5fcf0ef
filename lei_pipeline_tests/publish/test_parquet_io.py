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


def test_a_table_written_batch_by_batch_is_the_file_of_the_whole_table(tmp_path, monkeypatch):
    """RowBatches (the indicator table of a large wave, a row group at a time): the same bytes,
    manifest entry and row groups as the whole frame written at once, also with a last, shorter
    group; and a table of no rows."""
    import lei_pipeline.publish.parquet_io as parquet_io
    from lei_pipeline.publish.parquet_io import RowBatches

    from lei_pipeline.methodology import score_matrix
    from lei_pipeline_tests.support.wave_tables import wave_tables

    monkeypatch.setitem(parquet_io.WRITE_OPTIONS, "row_group_size", 1000)
    t = wave_tables("2024")
    whole = score_matrix(t.responses, t.inputs.questionnaire, t.inputs.methodology).long()
    assert len(whole) % 1000 != 0 and len(whole) > 3000
    made = []

    def frame(start, stop):
        made.append(stop - start)
        return whole.iloc[start:stop].reset_index(drop=True)

    desc = {"value": "the criterion's score"}
    one = write_table(whole, tmp_path / "one.parquet", desc)
    batched = write_table(RowBatches(len(whole), frame), tmp_path / "batched.parquet", desc)
    assert (tmp_path / "batched.parquet").read_bytes() == (tmp_path / "one.parquet").read_bytes()
    assert batched == {**one, "file": "batched.parquet"}
    assert max(made) == 1000                                 # never more than a row group at once
    assert pq.ParquetFile(tmp_path / "batched.parquet").metadata.num_row_groups == -(-len(whole) // 1000)
    empty = whole.iloc[:0]
    e1 = write_table(empty, tmp_path / "e1.parquet")
    e2 = write_table(RowBatches(0, lambda a, b: empty.iloc[a:b]), tmp_path / "e2.parquet")
    assert (tmp_path / "e1.parquet").read_bytes() == (tmp_path / "e2.parquet").read_bytes()
    assert e2["rows"] == e1["rows"] == 0
