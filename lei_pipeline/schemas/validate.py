"""Run a model lazily and turn pandera's failure cases into records a person can read."""
from __future__ import annotations

import copy
import functools
import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

_PLAIN = [
    (r"greater_than_or_equal_to\((.*)\)", "must be >= {0}"),
    (r"less_than_or_equal_to\((.*)\)", "must be <= {0}"),
    (r"greater_than\((.*)\)", "must be > {0}"),
    (r"less_than\((.*)\)", "must be < {0}"),
    (r"in_range\((.*), (.*)\)", "must lie between {0} and {1}"),
    (r"isin\((.*)\)", "must be one of {0}"),
    (r"str_matches\('?(.*?)'?\)", "must match the pattern {0}"),
    (r"not_nullable", "must not be empty"),
    (r"field_uniqueness", "must be unique"),
    (r"multiple_fields_uniqueness", "duplicate key: this combination of values appears more than once"),
    (r"column_in_schema", "is not a column of this table"),
    (r"column_in_dataframe", "required column is missing"),
    (r"dtype\('?(.*?)'?\)", "has the wrong type: expected {0}"),
    (r"coerce_dtype\('?(.*?)'?\)", "cannot be converted to {0}"),
]


def plain_reason(check: str, model=None) -> str:
    for pattern, words in _PLAIN:
        m = re.fullmatch(pattern, str(check))
        if m:
            return words.format(*m.groups())
    if model is not None:
        fn = getattr(model, str(check), None)
        desc = getattr(fn, "__doc__", None)
        for c in model.to_schema().checks:
            if c.name == check and c.description:
                return f"fails: {c.description}"
        if desc:
            return f"fails: {desc.strip()}"
    return f"fails check {check}"


def validate_table(model, df: pd.DataFrame) -> list[dict]:
    """[] when df satisfies the model; otherwise one record per failing (row, column, check):
    row (index label), source_row (when the table has one), column, check, failure_case, reason."""
    # pandera deep-copies a frame it validates (the contracts coerce); under pandas' copy-on-write
    # a shallow copy keeps the caller's frame as given just the same, without copying every column
    uncoerced = _without_coercion(model)
    if uncoerced is not None:
        try:
            uncoerced.validate(df.copy(deep=False), lazy=True, inplace=True)
            return []
        except pa.errors.SchemaErrors:
            pass   # a column not of its declared type yet, or a real failure: validated as the contract says
    try:
        model.validate(df.copy(deep=False), lazy=True, inplace=True)
        return []
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
    out = []
    for r in fc.itertuples(index=False):
        idx = None if r.index is None or (isinstance(r.index, float) and pd.isna(r.index)) else r.index
        source_row = None
        if idx is not None and "source_row" in df.columns and idx in df.index:
            v = df.at[idx, "source_row"]
            source_row = None if pd.isna(v) else int(v)
        case, column = r.failure_case, r.column
        if isinstance(case, dict) and len(case) == 1:  # dataframe check: {column: value}
            column, case = next(iter(case.items()))
        if str(r.check) in ("column_in_schema", "column_in_dataframe"):
            column = case  # pandera names the schema there and puts the column in failure_case
        if case is not None and not isinstance(case, (str, int, float, bool)):
            case = str(case)
        out.append({"row": idx if not hasattr(idx, "item") else idx.item(), "source_row": source_row,
                    "column": column, "check": str(r.check), "failure_case": case,
                    "reason": plain_reason(r.check, model)})
    return out


def _without_coercion(model) -> pa.DataFrameSchema | None:
    """The schema of model (a DataFrameModel, made once per model, or a DataFrameSchema) coercing
    nothing; None when it coerces nothing anyway (validated once, as it is). A table the pipeline
    made already has its declared types, and then coercing is a no-op that costs as much as the
    checks (a sample wave's replications table 0.145 -> 0.088 s): such a table passes this schema
    exactly when it passes the model. Anything else (a column of another type, a failing rule)
    goes to the model itself, whose failure cases are the ones reported."""
    return _model_without_coercion(model) if isinstance(model, type) else _uncoerced(model)


@functools.cache
def _model_without_coercion(model) -> pa.DataFrameSchema | None:
    return _uncoerced(model.to_schema())


def _uncoerced(schema: pa.DataFrameSchema) -> pa.DataFrameSchema | None:
    if not schema.coerce and not any(column.coerce for column in schema.columns.values()):
        return None
    schema = copy.deepcopy(schema)
    schema.coerce = False
    for column in schema.columns.values():
        column.coerce = False
    return schema


def type_name(dtype) -> str:
    s = str(dtype).lower()
    for key, name in (("string", "str"), ("str", "str"), ("datetime", "datetime"), ("int", "int"),
                      ("float", "float"), ("bool", "bool")):
        if key in s:
            return name
    return s


def column_schema(model) -> list[tuple[str, str, str]]:
    """(name, type, description) per declared column, for dagster TableSchema/TableColumn.
    Types are plain words: str, int, float, bool, datetime."""
    schema = model.to_schema()
    return [(name, type_name(col.dtype), col.description or "") for name, col in schema.columns.items()]


# The indicator values are validated a million at a time: pandera's temporaries for 7.8 million
# values (100,000 units) are fresh memory the kernel zeroes page by page, and the check took
# 0.57 s in a fresh process against 0.14 s in blocks, whose temporaries the allocator reuses.
VALUE_BLOCK_ROWS = 1_000_000


def validate_indicators(model, table, methodology) -> list[dict]:
    """validate_table(model, long table) for the indicators, checked on the scorer's wide matrix
    (given, or reshaped from a long table in the scorer's layout: each unit once, every indicator
    in order, statuses known): the value rules on the units x indicators values, read as one
    column in the long table's order; the wave pattern once per unit; the columns and types on
    the empty long table. Statuses are the vocabulary's by construction. Failures name the long table's
    row and column, as validate_table would. Any other layout is validated long."""
    import pyarrow.compute as pc

    from lei_pipeline.methodology.matrix import IndicatorMatrix

    if isinstance(table, IndicatorMatrix):
        mat, frame = table, None
        keys = pc.binary_join_element_wise(mat.waves, mat.unit_codes, "\x1f")
        if len(pc.unique(keys)) != mat.units:      # a unit twice: the long table names the rows
            return validate_table(model, mat.long())
    else:
        mat, frame = IndicatorMatrix.from_long(table, methodology), table
        if mat is None:
            return validate_table(model, table)
    out = validate_table(model, mat.rows(np.arange(0)).long() if frame is None else frame.iloc[:0])
    schema = model.to_schema()
    value, wave = schema.columns["value"], schema.columns["wave"]
    k = len(mat.codes)
    # The values as one column in the long table's order (unit-major: row = unit * k + indicator),
    # a block of rows at a time (VALUE_BLOCK_ROWS), each indexed by its long rows; and the wave
    # once per unit: column validations whatever the number of indicators.
    flat = mat.values.ravel()
    value_schema = pa.DataFrameSchema({"value": pa.Column(float, checks=value.checks, nullable=value.nullable)},
                                      name=schema.name)
    checked = [(value_schema, pd.DataFrame({"value": flat[start:start + VALUE_BLOCK_ROWS]},
                                           index=pd.RangeIndex(start, min(start + VALUE_BLOCK_ROWS, len(flat)))),
                lambda pos: pos) for start in range(0, max(len(flat), 1), VALUE_BLOCK_ROWS)]
    waves = pd.DataFrame({"wave": pd.Series(mat.waves.to_pylist(), dtype="str")})
    checked.append((pa.DataFrameSchema({"wave": pa.Column(str, checks=wave.checks)}, name=schema.name), waves,
                    lambda unit: unit * k))
    for table_schema, frame_checked, long_row in checked:
        for rec in validate_table(table_schema, frame_checked):
            if rec["row"] is None:
                out.append(rec)
                continue
            row = long_row(int(rec["row"]))
            row = row if frame is None else frame.index[row]
            out.append({**rec, "row": row.item() if hasattr(row, "item") else row,
                        "reason": plain_reason(rec["check"], model)})
    return out
