"""Deterministic Parquet: an explicit Arrow schema derived from the pandas dtypes and fixed
writer options, so the same table content always gives the same bytes (and the same sha256).
That is what lets a re-publish of identical content be detected and skipped."""
from __future__ import annotations

import json
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


def write_table(df: pd.DataFrame, path: Path, descriptions: dict[str, str] | None = None) -> dict:
    """Write df to path, each field described (descriptions: {column: text}); return its manifest
    entry (file, sha256, rows, schema)."""
    table = to_arrow(df, descriptions)
    pq.write_table(table, path, **WRITE_OPTIONS)
    return {
        "file": path.name,
        "sha256": file_sha256(path),
        "rows": table.num_rows,
        "schema": schema_description(table.schema),
    }


def canonical_json(obj: object) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
