"""The fast path for a CSV export: Arrow's C++ parser reads every field as text in one pass.

It answers only when its reading is the one the Python record scanner (_csv.py) would give:
every record exactly as wide as the header, an even number of quote characters (so no value runs
to the end of the file unterminated), and quotes only where a clean export has them (see
csv_quotes.odd_quotes). Anything else (ragged or mixed-delimiter rows, trailing separators, odd quoting,
a separator Arrow cannot take) returns None, and the scanner reads the file and words each
problem with its row and column as before.

What both readers agree on: an unquoted empty field is None (LimeSurvey 6 NULL) and a quoted
empty one is ""; a record spanning several physical lines keeps one record number; a record of
blank fields (or an empty line, which Arrow reads as a row of nulls) is skipped but still counted."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ._csv import DELIMITERS, parse_records
from .csv_quotes import SPACE_CLASS, odd_quotes

_BLANK = f"^[{SPACE_CLASS}]*$"


@dataclass
class ArrowRows:
    """Data records column by column: numbers[i] is the record number (header = 1) of row i."""
    numbers: list[int]
    columns: list[pa.ChunkedArray]

    def __len__(self) -> int:
        return len(self.numbers)


def _header_end(text: str) -> int | None:
    """Index just past the header record's line break (quotes respected); None when the header
    never ends or ends inside a quote."""
    inside = False
    for i, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        elif not inside and ch == "\n":
            return i + 1
        elif not inside and ch == "\r":
            return i + 2 if text[i + 1:i + 2] == "\n" else i + 1
    return None


def read_fast(text: str, data: bytes, offset: int, delimiter: str):
    """(header fields, ArrowRows) for the export `text`, which is data[offset:] decoded (the
    UTF-8 bytes after any BOM and 'sep=' line), or None when the scanner must read it."""
    if delimiter not in DELIMITERS or odd_quotes(memoryview(data)[offset:], delimiter):
        return None
    end = _header_end(text)
    if end is None:
        return None
    header = parse_records(text[:end], delimiter)
    if len(header) != 1 or header[0].unterminated:
        return None
    fields = header[0].fields
    body = data[offset + len(text[:end].encode("utf-8")):].rstrip(b"\r\n")
    names = [f"c{i}" for i in range(len(fields))]
    if not body:
        return fields, ArrowRows([], [pa.chunked_array([], pa.large_string()) for _ in names])
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            # one thread: Arrow's pool threads can outlive the interpreter and abort its exit
            # (apache/arrow#34314), and the two cores are busy with other steps anyway
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=False),
            # large_string: pandas' "str" columns hold it, so they take Arrow's text as read
            # instead of copying it (0.15 s for a 100,000-row export's 130 columns)
            convert_options=pacsv.ConvertOptions(column_types={c: pa.large_string() for c in names},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=False, check_utf8=False))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    n = table.num_rows
    numbers = pa.array(range(2, n + 2), pa.int64())
    columns = list(table.columns)
    blank = None
    for col in columns:  # a row is blank when every field is: stop at the first column that rules all out
        is_blank = _blank_mask(col)
        blank = is_blank if blank is None else pc.and_(blank, is_blank)
        if not pc.any(blank).as_py():
            break
    if blank is not None and pc.any(blank).as_py():
        keep = pc.invert(blank)
        numbers = pc.filter(numbers, keep)
        columns = [pc.filter(col, keep) for col in columns]
    return fields, ArrowRows(numbers.to_pylist(), columns)


def _blank_mask(col) -> pa.ChunkedArray:
    """True where a field is missing or only whitespace (the scanner's is_blank, per field)."""
    return pc.fill_null(pc.match_substring_regex(col, _BLANK), True)


def column_has_values(col) -> bool:
    return bool(pc.any(pc.invert(_blank_mask(col))).as_py())


def text_series(values) -> pd.Series:
    """A raw text column as pandas "str": from Arrow without a round trip through Python objects."""
    if isinstance(values, (pa.ChunkedArray, pa.Array)):
        return pd.Series(pd.array(values, dtype="str"))
    return pd.Series(values, dtype="str")
