"""Deterministic Parquet: an explicit Arrow schema derived from the pandas dtypes and fixed
writer options, so the same table content always gives the same bytes (and the same sha256).
That is what lets a re-publish of identical content be detected and skipped."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lei_pipeline.errors import LeiError
from lei_pipeline.files import file_sha256

# Fixed writer options: changing any of them changes every file's bytes (and so forces a new
# version on the next publish); keep them stable.
WRITE_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    row_group_size=1_000_000,
    store_schema=True,
)


def _object_type(s: pd.Series, name: str) -> pa.DataType:
    # infer_dtype looks at every value in C; a Python loop over them took 13 s at 100,000 units.
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):
        return pa.string()
    if kind == "boolean":
        return pa.bool_()
    raise LeiError(f"column {name!r}: mixed or unsupported Python objects; give it a concrete dtype before publishing")


def arrow_type(s: pd.Series, name: str) -> pa.DataType:
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return pa.string()
    if isinstance(dt, pd.StringDtype):  # holds only str or missing by construction
        return pa.string()
    if dt == object:
        return _object_type(s, name)
    if isinstance(dt, pd.DatetimeTZDtype):
        return pa.timestamp(dt.unit, tz=str(dt.tz))
    if pd.api.types.is_bool_dtype(dt):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dt) or pd.api.types.is_float_dtype(dt) or pd.api.types.is_datetime64_dtype(dt):
        # masked (Int64, Float64) dtypes carry their numpy dtype; numpy datetime64[unit] maps to timestamp[unit]
        return pa.from_numpy_dtype(getattr(dt, "numpy_dtype", dt))
    raise LeiError(f"column {name!r}: dtype {dt} cannot be published; convert it to str, number, bool or datetime")


def arrow_schema(df: pd.DataFrame, descriptions: dict[str, str] | None = None) -> pa.Schema:
    """One explicit field per column, in column order, derived only from dtypes (and, for object
    columns, from the Python types present). descriptions (the table's contract, see
    lei_pipeline.schemas.describe) go into each field's metadata under b"description"."""
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise LeiError(f"duplicate column names: {sorted(n for n in set(names) if names.count(n) > 1)}")
    descriptions = descriptions or {}
    return pa.schema([pa.field(str(c), arrow_type(df[c], str(c)), nullable=True,
                               metadata=_field_metadata(descriptions.get(str(c))))
                      for c in df.columns])


def _field_metadata(description: str | None) -> dict[bytes, bytes] | None:
    return {b"description": description.encode("utf-8")} if description else None


def to_arrow(df: pd.DataFrame, descriptions: dict[str, str] | None = None) -> pa.Table:
    schema = arrow_schema(df, descriptions)
    frame = df.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    # The pandas metadata stays (it round-trips nullable Int64/boolean); with no index stored
    # and a fixed library version it is byte-stable.
    return table


def schema_description(schema: pa.Schema) -> list[dict]:
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema]


@dataclass(frozen=True)
class RowBatches:
    """A table given as its row count and the frame of any row range, to be published a row group
    at a time: the indicator table of a 100,000-unit wave is 7.8 million rows (1.1 GB as one
    frame), and written this way it is never whole in memory. Its file is byte for byte the one
    write_table makes of the whole frame (the same row groups, schema and options)."""
    rows: int
    frame: Callable[[int, int], pd.DataFrame]   # (start, stop) -> those rows, indexed from 0

    def __len__(self) -> int:
        return self.rows

    @property
    def columns(self) -> pd.Index:
        return self.frame(0, 0).columns

    def whole(self) -> pd.DataFrame:
        return self.frame(0, self.rows)

    def batches(self, size: int | None = None) -> Iterator[pd.DataFrame]:
        """Frames of size rows (default: a Parquet row group's), the last one shorter."""
        size = size or WRITE_OPTIONS["row_group_size"]
        for start in range(0, self.rows, size):
            yield self.frame(start, min(start + size, self.rows))


def write_table(df: pd.DataFrame | RowBatches, path: Path, descriptions: dict[str, str] | None = None) -> dict:
    """Write df to path, each field described (descriptions: {column: text}); return its manifest
    entry (file, sha256, rows, schema)."""
    if isinstance(df, RowBatches) and df.rows:
        schema = _write_batches(df, path, descriptions)
    else:
        table = to_arrow(df.frame(0, 0) if isinstance(df, RowBatches) else df, descriptions)
        pq.write_table(table, path, **WRITE_OPTIONS)
        schema = table.schema
    return {
        "file": path.name,
        "sha256": file_sha256(path),
        "rows": len(df),
        "schema": schema_description(schema),
    }


def _write_batches(batches: RowBatches, path: Path, descriptions: dict[str, str] | None) -> pa.Schema:
    """One row group per batch of row_group_size rows: the groups pq.write_table cuts the whole
    table into. The next batch is made in a thread while this one is encoded and compressed
    (both mostly outside the GIL): at 100,000 units, making the batches took 1.4 s and writing
    them 2.3 s one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    size = WRITE_OPTIONS["row_group_size"]
    options = {k: v for k, v in WRITE_OPTIONS.items() if k != "row_group_size"}
    frames = batches.batches()

    def next_table() -> pa.Table | None:
        frame = next(frames, None)
        return None if frame is None else to_arrow(frame, descriptions)

    writer = None
    try:
        with ThreadPoolExecutor(max_workers=1) as maker:
            ahead = maker.submit(next_table)
            while (table := ahead.result()) is not None:
                ahead = maker.submit(next_table)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema, **options)
                writer.write_table(table, row_group_size=size)
    finally:
        if writer is not None:
            writer.close()
    return writer.schema


def canonical_json(obj: object) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
