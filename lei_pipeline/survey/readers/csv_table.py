"""CSV file -> header + rows + row-level Problems. Shared by the LimeSurvey and Excel-CSV
readers and by the generic `read_limesurvey_csv`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lei_pipeline.problems import Problem

from ._arrow_csv import ArrowRows, read_fast
from ._csv import DELIMITERS, is_blank, parse_records, sniff_delimiter, strip_excel_sep_line
from ._decode import ExportFile, file_error

NAMES = {",": "','", ";": "';'", "\t": "tab"}


@dataclass
class CsvTable:
    headers: list[str]
    rows: list[tuple[int, list]] | ArrowRows  # (record number, fields: str | None), or the same by column
    problems: list = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    path: Path | None = None


def read_csv_table(source) -> CsvTable:
    """source: a path or an ExportFile (read and decoded once, shared with format detection).
    Arrow reads the file when it can (see _arrow_csv.py); the record scanner otherwise."""
    export = ExportFile.of(source)
    path = export.path
    file = str(path)
    full, encoding = export.decoded()
    text, forced = strip_excel_sep_line(full)
    delimiter, counts = (forced, {}) if forced else sniff_delimiter(text)
    offset = (3 if export.data.startswith(b"\xef\xbb\xbf") else 0) + len(full[:len(full) - len(text)].encode("utf-8"))
    fast = read_fast(text, export.data, offset, delimiter)
    if fast is not None:
        fields, rows = fast
        headers = ["" if h is None else h.strip() for h in fields]
        if len(headers) > 1 or forced:
            return CsvTable(headers=headers, rows=rows, problems=[], encoding=encoding, delimiter=delimiter,
                            path=path)
    records = parse_records(text, delimiter)
    while records and is_blank(records[-1]):
        records.pop()  # LimeSurvey ends every export with an extra empty line
    if not records:
        raise file_error(path, "empty file: no header and no responses")
    header_rec = records[0]
    if header_rec.unterminated:
        raise file_error(path, "not a table: the header row has an unterminated quote")
    headers = ["" if h is None else h.strip() for h in header_rec.fields]
    if len(headers) == 1 and not forced:
        raise file_error(path, "not a table: no ',', ';' or tab separator in the header row "
                               f"(first line starts {headers[0][:60]!r})")
    m = len(headers)
    problems: list[Problem] = []
    rows: list[tuple[int, list]] = []
    mixed = 0
    data_records = [r for r in records[1:] if not is_blank(r)]
    last = data_records[-1].number if data_records else None
    for rec in data_records:
        k = len(rec.fields)
        if rec.unterminated:
            problems.append(Problem(file=file, row=rec.number, column=None, value=None, kind="file",
                                    reason=f"row {rec.number} ends inside a quoted value at the end of the file "
                                           f"(unterminated quote: truncated file?); row not used"))
            continue
        if k > m and all(f is None or f.strip() == "" for f in rec.fields[m:]):
            rec.fields = rec.fields[:m]  # trailing separators, as Excel writes them
            k = m
        if k == m:
            rows.append((rec.number, rec.fields))
            continue
        other = _other_delimiter_fits(rec.raw, delimiter, m)
        if other:
            mixed += 1
            problems.append(Problem(file=file, row=rec.number, column=None, value=None, kind="file",
                                    reason=f"row {rec.number} is separated by {NAMES[other]} but the header by "
                                           f"{NAMES[delimiter]} (mixed delimiters); row not used"))
            continue
        hint = " (truncated?)" if rec.number == last and k < m else ""
        problems.append(Problem(file=file, row=rec.number, column=None, value=None, kind="file",
                                reason=f"row {rec.number} has {k} fields, header has {m}{hint}; row not used"))
    if data_records and mixed == len(data_records):
        raise file_error(path, f"mixed delimiters: the header is separated by {NAMES[delimiter]} but every row by "
                               f"another separator; {len(data_records)} rows unreadable")
    return CsvTable(headers=headers, rows=rows, problems=problems, encoding=encoding, delimiter=delimiter, path=path)


def _other_delimiter_fits(raw: str, delimiter: str, m: int) -> str | None:
    for d in DELIMITERS:
        if d == delimiter:
            continue
        recs = parse_records(raw, d)
        if recs and len(recs[0].fields) == m:
            return d
    return None
