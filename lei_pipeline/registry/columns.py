"""The registry file's columns, stripped, as csv.reader reads them: by Arrow's CSV parser when its
reading is certainly the same, else by the csv module.

A 100,000-unit registry (the scale benchmark's) took 0.4 s to read with the csv module and strip
field by field, on the critical path of every wave's first step; Arrow reads it in a few
hundredths. Arrow answers only for a file it reads as csv.reader does: no byte-order mark or NUL,
quotes only where a clean file has them (the export reader's odd_quotes), every record exactly
as wide as the header. Blank lines are skipped by both. Anything else goes to the csv module."""
from __future__ import annotations

import codecs
import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lei_pipeline.survey.readers.csv_quotes import odd_quotes


def read_columns(text: str, data: bytes, wanted: list[str]) -> tuple[list[str], int, dict[str, pa.Array]]:
    """(header, records, {column: stripped text per record}) for the wanted columns present in the
    header, as csv.DictReader would give them (a repeated column name: the last one; a short
    record: its missing fields empty; a long record: its extra fields dropped; blank lines
    skipped). text is data decoded as UTF-8."""
    fast = _arrow_columns(data, wanted)
    return fast if fast is not None else _csv_columns(text, wanted)


def _csv_columns(text: str, wanted: list[str]) -> tuple[list[str], int, dict[str, pa.Array]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    records = [row for row in reader if row]   # csv.DictReader's records: blank lines skipped
    at = {name: i for i, name in enumerate(header)}
    width = len(header)
    full = [r if len(r) >= width else r + [""] * (width - len(r)) for r in records]
    return header, len(records), {c: pa.array([r[at[c]].strip() for r in full], pa.string())
                                  for c in wanted if c in at}


def _arrow_columns(data: bytes, wanted: list[str]) -> tuple[list[str], int, dict[str, pa.Array]] | None:
    if data.startswith(codecs.BOM_UTF8) or b"\x00" in data or odd_quotes(data, ","):
        return None
    first = next(csv.reader(io.StringIO(data[:data.find(b"\n") + 1 or len(data)].decode("utf-8"), newline="")), None)
    if not first:
        return None
    names = [f"f{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException):   # a record of another width, or anything Arrow reads otherwise
        return None
    if table.num_rows == 0:
        return None
    header = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    if header != first:   # the first line was not the whole header record (a quoted line break)
        return None
    at = {name: i for i, name in enumerate(header)}
    body = table.slice(1)
    return header, body.num_rows, {c: _stripped(body.column(at[c]).combine_chunks()) for c in wanted if c in at}


def _stripped(values: pa.Array) -> pa.Array:
    """str.strip() of each value (Arrow's whitespace is Python's on every code point; a test checks)."""
    return pc.utf8_trim_whitespace(values)
