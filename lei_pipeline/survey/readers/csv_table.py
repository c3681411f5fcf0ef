"""CSV file -> header + rows + row-level Problems. Shared by the LimeSurvey and Excel-CSV
readers and by the generic `read_limesurvey_csv`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lei_pipeline.problems import Problem

from ._csv import DELIMITERS, is_blank, parse_records, sniff_delimiter, strip_excel_sep_line
from ._decode import decode_text, file_error, read_bytes

NAMES = {",": "','", ";": "';'", "\t": "tab"}


@dataclass
class CsvTable:
    headers: list[str]
    rows: list[tuple[int, list]]          # (record number, fields: str | None)
    problems: list = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","


def read_csv_table(path) -> CsvTable:
    path = Path(path)
    file = str(path)
    text, encoding = decode_text(path, read_bytes(path))
    text, forced = strip_excel_sep_line(text)
    delimiter, counts = (forced, {}) if forced else sniff_delimiter(text)
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
    return CsvTable(headers=headers, rows=rows, problems=problems, encoding=encoding, delimiter=delimiter)


def _other_delimiter_fits(raw: str, delimiter: str, m: int) -> str | None:
    for d in DELIMITERS:
        if d == delimiter:
            continue
        recs = parse_records(raw, d)
        if recs and len(recs[0].fields) == m:
            return d
    return None
